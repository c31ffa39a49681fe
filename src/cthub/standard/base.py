"""The names every module of the standard shares: the top of a hierarchy, the errors, a validation finding.

They sit below `model`, `check` and `rules` so those can use one another without an import cycle: `model`'s
`Standard.check_frame` and `Table.rule_violations` call `check` and `rules`, which need only these names.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TOP", "Problem", "StandardError", "UnknownNameError"]

TOP = "*"


class StandardError(ValueError):
    """The standard (YAML) is invalid, or something asked for a table/variable/code it does not define."""


class UnknownNameError(StandardError, LookupError):
    """A table, variable or code the standard does not define (also a LookupError, like a failed dict lookup)."""


class Problem(NamedTuple):
    """One validation finding of `Standard.check_frame`.

    `row` is the 0-based position in the frame (None when the problem concerns a whole column), `value` the offending
    cell (None for column problems). Reasons never repeat record contents beyond the single offending code.
    """

    row: int | None
    column: str
    value: str | None
    reason: str
