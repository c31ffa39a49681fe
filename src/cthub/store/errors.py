"""The store's exceptions, in one place so every store module and every caller names the same ones.

Each message says why the store refused and what to do next; none quotes a record value.
"""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot do what was asked; the message says why and what to do next."""


class StoreLocked(StoreError):
    """Another process holds the DuckDB file."""


class StoreReadOnly(StoreError):
    """A store opened with `read_only=True` was asked to change something."""


class DuplicateBatch(StoreError):
    """The same file (same SHA-256) is already imported for this contributor."""

    def __init__(self, message: str, batch_id: str) -> None:
        super().__init__(message)
        self.batch_id = batch_id


class UnknownBatch(StoreError):
    """No batch has that id."""


class UnknownCase(StoreError):
    """No stored record has that case key for that contributor."""
