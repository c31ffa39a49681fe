"""The one error the table codec raises, so each stage can turn it into its own error at its boundary."""

from __future__ import annotations

__all__ = ["TableError"]


class TableError(ValueError):
    """A table cannot be encoded or counted as asked (an unknown column, a bad multi-value spec, too many values);
    the message says what to change. Stages re-raise it as their own error (`AggregatesError`, `SynthError`)."""
