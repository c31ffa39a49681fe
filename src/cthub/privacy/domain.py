"""Public value lists ("domains") and what happens to a value outside them.

A mechanism may publish only values whose list is public (the standard's or the user's) or chosen privately; which
columns are multi-valued is public too (the standard's type `multi`, or an argument), never read off the cells: one
record holding ";" must not be able to turn a column into sets. A value outside its public list becomes missing, and
the operator is warned (the column's name only: no value, no count).
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["Domain", "OutOfDomainWarning", "multi_columns", "warn_out_of_domain"]


class OutOfDomainWarning(UserWarning):
    """Some cells of a column held values outside its public list; they were treated as missing."""


class Domain(dict):
    """column -> public list of values, plus `multi`: column -> separator for the multi-valued columns.

    A plain dict everywhere a domain is expected; `multi` travels with it so callers that pass the standard's domain
    on also pass which columns are sets.
    """

    def __init__(self, values: dict[str, list[str]] | None = None, multi: dict[str, str] | None = None) -> None:
        super().__init__(values or {})
        self.multi: dict[str, str] = dict(multi or {})

    def copy(self) -> Domain:
        return Domain(dict(self), self.multi)


def multi_columns(domain: Any, multi_value: dict[str, str] | None = None) -> dict[str, str]:
    """The multi-valued columns: the domain's `multi` (from the schema) and the explicit argument (which wins)."""
    return {**dict(getattr(domain, "multi", None) or {}), **dict(multi_value or {})}


def warn_out_of_domain(column: str) -> None:
    """Tell the operator that a column had values outside its public list (name only: no values, no count)."""
    warnings.warn(
        f"column {column!r}: some values are not in its public list of values and were treated as missing; add them "
        "to the standard or the domain file if they should be published",
        OutOfDomainWarning,
        stacklevel=3,
    )
