"""Harmonized records: one `rec_<table>` per standard table, read back as contract tables for the release pipeline.

The store does not read the standard: callers that have it (ingest when storing, the pipeline when reading) pass
the table's columns, so the store stays below the standard's consumers and a broken standard fails in the caller,
loudly, instead of being papered over here.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from cthub.store.connection import StoreBase
from cthub.store.errors import StoreError
from cthub.store.schema import META_COLUMNS, RECORD_PREFIX, ensure_case_columns, record_tables, table_columns
from cthub.store.sql import ident, one

PERSON = "_person"


def _check_column_list(table: str, columns: Sequence[str] | None) -> None:
    """A caller's column list must be names (a bare string would be read as one column per character)."""
    if columns is not None and (isinstance(columns, str) or not all(isinstance(c, str) for c in columns)):
        raise StoreError(f"the columns given for table {table!r} must be a list of column names (the standard's "
                         f"`Table.columns`), not {type(columns).__name__}")


def ensure_record_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                        standard: Sequence[str] | None) -> list[str]:
    """Create `rec_<table>` with the standard's columns (or add new ones after a standard upgrade); returns the
    table's columns. `standard` is the table's column list from the caller's standard; None means the standard
    does not know the table, which then takes the frame's columns as they come."""
    _check_column_list(table, standard)
    wanted = list(standard) if standard is not None else []
    for c in columns:
        if c not in wanted:
            if standard is not None:
                raise StoreError(
                    f"column {c!r} is not a variable of the standard table {table!r}; fix the mapping so it "
                    f"targets one of: {', '.join(standard)}"
                )
            wanted.append(c)
    name = ident(RECORD_PREFIX + table)
    if table not in record_tables(con):
        cols = ", ".join(
            ["batch_id VARCHAR NOT NULL", "contributor VARCHAR NOT NULL", "imported_at TIMESTAMP NOT NULL",
             "row_number BIGINT", "case_key VARCHAR", "superseded_by VARCHAR"]
            + [f"{ident(c)} VARCHAR" for c in wanted]
        )
        con.execute(f"CREATE TABLE {name} ({cols})")
        return wanted
    ensure_case_columns(con, table)
    existing = table_columns(con, table)
    for c in wanted:
        if c not in existing:
            con.execute(f"ALTER TABLE {name} ADD COLUMN {ident(c)} VARCHAR")
            existing.append(c)
    return existing


class Records(StoreBase):
    """Reading the current records (the latest version of every case)."""

    def records(self, table: str, with_meta: bool = False, with_person: bool = False,
                columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The current version of every stored case of a standard table as a contract table (the release
        pipeline's input). `columns` (the standard's, from the caller) fixes the columns and their order, a column
        no record filled coming back all missing; without it the stored columns come in table order.
        `with_person` adds `_person`, the case key shared by all rows of one person (a victim's
        victim-perpetrator rows), so the pipeline can bound each person's contribution; it never goes public."""
        _check_column_list(table, columns)
        with self._connect() as con:
            if table not in record_tables(con):
                if columns is None:
                    raise StoreError(f"no records of table {table!r} are stored; check the table name (the "
                                     "standard's tables), or pass its columns to get an empty table")
                cols = [*META_COLUMNS, *columns] if with_meta else list(columns)
                if with_person:
                    cols.append(PERSON)
                return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
            stored = table_columns(con, table)
            wanted = stored if columns is None else list(columns)
            select = [ident(c) for c in META_COLUMNS] if with_meta else []
            select += [ident(c) if c in stored else f"NULL::VARCHAR AS {ident(c)}" for c in wanted]
            if with_person:
                select.append(f"case_key AS {ident(PERSON)}")
            sql = f"SELECT {', '.join(select)} FROM {ident(RECORD_PREFIX + table)} WHERE superseded_by IS NULL " \
                  "ORDER BY imported_at, batch_id, row_number"
            df = con.execute(sql).fetch_df()
        meta = {"imported_at", "row_number"}
        for c in df.columns:
            if c not in meta:
                df[c] = df[c].astype("string")
        return df.reset_index(drop=True)

    def record_counts(self) -> dict[str, int]:
        """Stored records (current versions) per standard table."""
        with self._connect() as con:
            return {t: int(one(con.execute(f"SELECT count(*) FROM {ident(RECORD_PREFIX + t)} "
                                           "WHERE superseded_by IS NULL")))
                    for t in record_tables(con)}

    def record_counts_by_contributor(self) -> pd.DataFrame:
        """Current records and cases per table and contributor, for `cthub status`."""
        parts = []
        with self._connect() as con:
            for t in record_tables(con):
                parts.append(con.execute(
                    f"SELECT ? AS table_name, contributor, count(*) AS records, count(DISTINCT case_key) AS cases "
                    f"FROM {ident(RECORD_PREFIX + t)} WHERE superseded_by IS NULL "
                    "GROUP BY contributor ORDER BY contributor",
                    [t],
                ).fetch_df())
        if not parts:
            return pd.DataFrame({"table_name": [], "contributor": [], "records": [], "cases": []})
        return pd.concat(parts, ignore_index=True)
