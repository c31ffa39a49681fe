"""Cases: a batch upserts case by case, older versions are kept (superseded) until purged, a person can be withdrawn.

A case is all rows sharing a case key (a keyed pseudonym of contributor + case ID made by `cthub.ingest.keys`). A
stored case whose rows differ from the incoming ones is superseded by the new batch; an identical one is left
alone. The SQL that decides this lives here so `add_batch` and its dry run (`preview_cases`) cannot drift apart.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from cthub.store.connection import StoreBase
from cthub.store.errors import StoreError, UnknownCase
from cthub.store.records import ensure_record_table
from cthub.store.schema import RECORD_PREFIX, record_tables, table_columns
from cthub.store.sql import ident, now, one, rows


def store_cases(con: duckdb.DuckDBPyConnection, cases: dict[str, Any], tables: dict[str, pd.DataFrame],
                case_keys: dict[str, pd.Series] | None, present_keys: dict[str, pd.Series] | None,
                row_numbers: dict[str, pd.Series] | None, batch_id: str, contributor: str, when: datetime,
                export: str, remove_missing: bool, columns: Mapping[str, Sequence[str]] | None) -> None:
    """Upsert each table's rows case by case and, for a full export, find (and maybe supersede) missing cases;
    adds the counts to `cases`. `columns[table]` is the standard's column list for the table."""
    for table, df in tables.items():
        stored = ensure_record_table(con, table, list(df.columns), (columns or {}).get(table))
        keys = (case_keys or {}).get(table)
        if keys is None:
            keys = pd.Series([uuid.uuid4().hex + uuid.uuid4().hex for _ in range(len(df))], dtype="string")
        if len(keys) != len(df):
            raise StoreError(f"{len(keys)} case keys for {len(df)} rows of {table}")
        counts = _upsert(con, table, stored, df, keys, (row_numbers or {}).get(table), batch_id, contributor, when)
        for k in ("new", "updated", "unchanged"):
            cases[k] += counts[k]
        if export == "full":
            present = (present_keys or {}).get(table)
            present = keys if present is None else present
            missing, removed = _missing_cases(con, table, contributor, batch_id, present, remove_missing)
            cases["missing"] += missing
            cases["removed"] += removed


def _fingerprint(columns: list[str], present: set[str]) -> str:
    """SQL for one row's content hash over the standard columns (a column not sent counts as NULL). DuckDB's
    64-bit hash, compared only within one transaction: two different rows collide with odds of 2^-64."""
    parts = [ident(c) if c in present else "NULL::VARCHAR" for c in columns]
    return f"hash({', '.join(parts) or 'NULL'})"


def _upsert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], df: pd.DataFrame, keys: pd.Series,
            nums: pd.Series | None, batch_id: str, contributor: str, when: datetime) -> dict[str, int]:
    """Insert the rows of new and changed cases, supersede the stored versions of changed ones; count them.

    A case's content is the sorted list of its rows' hashes, so row order in the file does not matter and a
    victim's rows are compared as one set. Only cases already stored are hashed (a first import hashes nothing).
    """
    name = ident(RECORD_PREFIX + table)
    data: dict[str, Any] = {
        "row_number": pa.array(np.asarray(nums, dtype="int64") if nums is not None
                               else np.arange(1, len(df) + 1, dtype="int64")),
        "case_key": pa.array(keys.astype(pd.StringDtype("pyarrow")).reset_index(drop=True)),
    }
    # only columns with a value are sent; the others default to NULL (most contributors fill few)
    for c in columns:
        if c in df.columns and df[c].notna().any():
            data[c] = pa.array(df[c].astype(pd.StringDtype("pyarrow")).reset_index(drop=True))
    con.register("_incoming", pa.table(data))
    sent = [c for c in data if c not in ("row_number", "case_key")]
    stored = set(table_columns(con, table))
    con.execute("CREATE OR REPLACE TEMP TABLE _old_cases AS SELECT case_key, list_sort(list(fp)) AS fp FROM "
                f"(SELECT case_key, {_fingerprint(columns, stored)} AS fp FROM {name} "
                "WHERE contributor = ? AND superseded_by IS NULL AND case_key IN (SELECT case_key FROM _incoming)) "
                "GROUP BY case_key", [contributor])
    con.execute("CREATE OR REPLACE TEMP TABLE _in_cases AS SELECT case_key, list_sort(list(fp)) AS fp FROM "
                f"(SELECT case_key, {_fingerprint(columns, set(sent))} AS fp FROM _incoming "
                "WHERE case_key IN (SELECT case_key FROM _old_cases)) GROUP BY case_key")
    counted = con.execute(
        "SELECT count(*) FILTER (WHERE o.fp <> i.fp), count(*) FILTER (WHERE o.fp = i.fp) "
        "FROM _in_cases i JOIN _old_cases o USING (case_key)").fetchone()
    assert counted is not None
    updated, unchanged = (int(x) for x in counted)
    new = int(one(con.execute("SELECT count(DISTINCT case_key) FROM _incoming WHERE case_key NOT IN "
                              "(SELECT case_key FROM _old_cases)")))
    if updated:
        con.execute(f"UPDATE {name} SET superseded_by = ? WHERE contributor = ? AND superseded_by IS NULL AND "
                    "case_key IN (SELECT i.case_key FROM _in_cases i JOIN _old_cases o USING (case_key) "
                    "WHERE i.fp <> o.fp)", [batch_id, contributor])
    target = ", ".join(ident(c) for c in ["batch_id", "contributor", "imported_at", "row_number", "case_key", *sent])
    source = ", ".join(["?", "?", "?::TIMESTAMP", "row_number", "case_key", *(ident(c) for c in sent)])
    keep = "" if not unchanged else (" WHERE case_key NOT IN (SELECT i.case_key FROM _in_cases i JOIN _old_cases "
                                     "o USING (case_key) WHERE i.fp = o.fp)")
    con.execute(f"INSERT INTO {name} ({target}) SELECT {source} FROM _incoming{keep}", [batch_id, contributor, when])
    con.execute("DROP TABLE _in_cases")
    con.execute("DROP TABLE _old_cases")
    con.unregister("_incoming")
    return {"new": new, "updated": updated, "unchanged": unchanged}


def _missing_cases(con: duckdb.DuckDBPyConnection, table: str, contributor: str, batch_id: str,
                   present: pd.Series, remove: bool) -> tuple[list[dict[str, Any]], int]:
    """Current cases of `contributor` a full export lacks, counted per original batch (never listed by key)."""
    name = ident(RECORD_PREFIX + table)
    con.register("_present", pa.table({"case_key": pa.array(pd.Series(present).astype(
        pd.StringDtype("pyarrow")).reset_index(drop=True))}))
    where = ("contributor = ? AND superseded_by IS NULL AND batch_id <> ? AND case_key NOT IN "
             "(SELECT case_key FROM _present WHERE case_key IS NOT NULL)")
    found = rows(con.execute(
        f"SELECT m.batch_id, b.file_name, b.imported_at, m.cases FROM (SELECT batch_id, "
        f"count(DISTINCT case_key) AS cases FROM {name} WHERE {where} GROUP BY batch_id) m "
        "LEFT JOIN batches b USING (batch_id) ORDER BY b.imported_at, m.batch_id", [contributor, batch_id]))
    removed = 0
    if remove and found:
        removed = sum(int(r["cases"]) for r in found)
        con.execute(f"UPDATE {name} SET superseded_by = ? WHERE {where}", [batch_id, contributor, batch_id])
    con.unregister("_present")
    out = [{"table": table, "batch_id": r["batch_id"], "file_name": r["file_name"],
            "imported_at": r["imported_at"].isoformat(timespec="seconds") if r["imported_at"] else None,
            "cases": int(r["cases"])} for r in found]
    return out, removed


class Cases(StoreBase):
    """Previewing an import's effect on stored cases, withdrawing one person, purging superseded versions."""

    def preview_cases(self, *, contributor: str, tables: dict[str, pd.DataFrame], case_keys: dict[str, pd.Series],
                      present_keys: dict[str, pd.Series] | None = None, export: str = "incremental",
                      columns: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """What `add_batch` would do to the stored cases (new, updated, unchanged, missing), computed in a
        transaction that is rolled back: for `cthub ingest --check`. `columns` as for `add_batch`."""
        cases: dict[str, Any] = {"new": 0, "updated": 0, "unchanged": 0, "missing": [], "removed": 0}
        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                store_cases(con, cases, tables, case_keys, present_keys, None, "(this export)", contributor, now(),
                            export, False, columns)
            finally:
                con.execute("ROLLBACK")
        return cases

    def withdraw_case(self, contributor: str, case_key: str) -> dict[str, Any]:
        """Delete every version of one person's case (a data-subject request) from every record table, then rewrite
        the file so the values are gone from its bytes. Returns {"records": {table: n}, "rows": [(batch_id,
        row_number), ...]} (the rows let the caller scrub the batches' reports). UnknownCase if nothing matched."""
        removed: dict[str, int] = {}
        hit_rows: list[tuple[str, int]] = []
        with self._transaction() as con:
            for t in record_tables(con):
                name = ident(RECORD_PREFIX + t)
                hits = con.execute(f"SELECT batch_id, row_number FROM {name} WHERE contributor = ? AND case_key = ?",
                                   [contributor, case_key]).fetchall()
                if hits:
                    con.execute(f"DELETE FROM {name} WHERE contributor = ? AND case_key = ?", [contributor, case_key])
                    removed[t] = len(hits)
                    hit_rows += [(str(b), int(r)) for b, r in hits if r is not None]
        if not removed:
            raise UnknownCase(f"no stored case of {contributor!r} has that case ID (IDs match exactly, after "
                              "trimming spaces, as the contributor's export writes them); check the contributor "
                              "and the ID")
        self.compact()
        return {"records": removed, "rows": hit_rows}

    def purge_superseded(self) -> int:
        """Delete the older versions of updated cases (kept for audit until now) and rewrite the file; returns how
        many rows went."""
        deleted = 0
        with self._transaction() as con:
            for t in record_tables(con):
                name = ident(RECORD_PREFIX + t)
                deleted += int(one(con.execute(f"SELECT count(*) FROM {name} WHERE superseded_by IS NOT NULL")))
                con.execute(f"DELETE FROM {name} WHERE superseded_by IS NOT NULL")
        self.compact()
        return deleted

    def superseded_count(self) -> int:
        """Rows kept only as older versions of updated cases."""
        with self._connect() as con:
            return sum(int(one(con.execute(f"SELECT count(*) FROM {ident(RECORD_PREFIX + t)} "
                                           "WHERE superseded_by IS NOT NULL")))
                       for t in record_tables(con))
