"""The aggregates stage's error, and the one place the shared codec's errors become it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cthub.tables.errors import TableError

__all__ = ["AggregatesError", "stage_errors"]


class AggregatesError(Exception):
    """Aggregates cannot be computed as asked; the message says what to change."""


@contextmanager
def stage_errors() -> Iterator[None]:
    """Re-raise the codec's and the DP mechanism's `TableError` as `AggregatesError` (same message), so callers of
    the stage (the CLI, the release) catch one error type."""
    try:
        yield
    except TableError as exc:
        raise AggregatesError(str(exc)) from exc
