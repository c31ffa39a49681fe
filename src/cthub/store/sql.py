"""Helpers every store module needs to speak SQL safely: identifier quoting, rows as dicts, the store's clock.

Kept apart so no module re-invents quoting (table and column names reach SQL as identifiers, never raw).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb


def now() -> datetime:
    """UTC without a zone: DuckDB's TIMESTAMP has none, and every stored time is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def ident(name: str) -> str:
    """Quote an identifier; table and column names come from the caller, but never trust them into SQL raw."""
    return '"' + name.replace('"', '""') + '"'


def rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The cursor's rows as dicts keyed by column name (what the store's list-returning methods give back)."""
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def one(cur: duckdb.DuckDBPyConnection) -> Any:
    """The single value of a one-row, one-column query (counts, max ids)."""
    row = cur.fetchone()
    assert row is not None  # aggregate queries always return one row
    return row[0]
