"""Import batches and their quarantine: one row per imported file, stored in one transaction with its records.

A batch is the unit a contributor sees (status, counts, validation report) and the unit that can be replaced or
withdrawn. Withdrawal deletes its records and quarantined rows and rewrites the file, so the values leave no bytes.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from cthub.store.cases import store_cases
from cthub.store.connection import StoreBase
from cthub.store.errors import DuplicateBatch, StoreError, UnknownBatch
from cthub.store.quarantine import insert_quarantine
from cthub.store.schema import RECORD_PREFIX, record_tables
from cthub.store.sql import ident, now, one, rows

EXPORT_MODES = ("incremental", "full")
BATCH_STATUSES = ("active", "replaced", "withdrawn")


@dataclass(frozen=True)
class Batch:
    """One imported file. `accepted` counts stored rows (warned ones included); `rejected` counts quarantined rows."""

    batch_id: str
    contributor: str
    file_name: str | None
    sha256: str
    mapping: str | None
    mapping_version: str | None
    standard_version: str | None
    tables: list[str]
    imported_at: datetime
    rows_total: int
    accepted: int
    warned: int
    rejected: int
    status: str
    replaces: str | None
    replaced_by: str | None
    withdrawn_at: datetime | None
    report_dir: str | None
    export: str | None = None
    cases: dict[str, Any] = field(default_factory=dict)  # new, updated, unchanged, without_case_id, missing, removed

    @classmethod
    def _from_row(cls, row: dict[str, Any]) -> Batch:
        row = dict(row)
        row["tables"] = json.loads(row["tables"]) if row.get("tables") else []
        row["cases"] = json.loads(row["cases"]) if row.get("cases") else {}
        for key in ("rows_total", "accepted", "warned", "rejected"):
            row[key] = int(row[key] or 0)
        return cls(**row)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("imported_at", "withdrawn_at"):
            if out[key] is not None:
                out[key] = out[key].isoformat(timespec="seconds")
        return out


def _delete_batch_rows(con: duckdb.DuckDBPyConnection, batch_id: str) -> int:
    """Delete a batch's rows and quarantine; the versions it had superseded become current again (unless a
    later batch has its own version of that case)."""
    deleted = 0
    for t in record_tables(con):
        name = ident(RECORD_PREFIX + t)
        deleted += int(one(con.execute(f"SELECT count(*) FROM {name} WHERE batch_id = ?", [batch_id])))
        con.execute(f"DELETE FROM {name} WHERE batch_id = ?", [batch_id])
        con.execute(
            f"UPDATE {name} AS r SET superseded_by = NULL WHERE r.superseded_by = ? AND NOT EXISTS (SELECT 1 FROM "
            f"{name} c WHERE c.contributor = r.contributor AND c.case_key = r.case_key AND c.superseded_by IS NULL)",
            [batch_id],
        )
    con.execute("DELETE FROM quarantine WHERE batch_id = ?", [batch_id])
    return deleted


class Batches(StoreBase):
    """Adding, listing, replacing and withdrawing batches."""

    def find_batch(self, contributor: str, sha256: str) -> Batch | None:
        """The active batch of `contributor` made from a file with this SHA-256, if any (re-import detection)."""
        with self._connect() as con:
            found = rows(con.execute("SELECT * FROM batches WHERE contributor = ? AND sha256 = ? AND status = 'active'",
                                     [contributor, sha256]))
        return Batch._from_row(found[0]) if found else None

    def add_batch(
        self,
        *,
        contributor: str,
        sha256: str,
        tables: dict[str, pd.DataFrame],
        file_name: str | None = None,
        mapping: str | None = None,
        mapping_version: str | None = None,
        warned: int = 0,
        rejected: int | None = None,
        quarantine: pd.DataFrame | None = None,
        replace: str | None = None,
        batch_id: str | None = None,
        report_dir: str | None = None,
        row_numbers: dict[str, pd.Series] | None = None,
        case_keys: dict[str, pd.Series] | None = None,
        present_keys: dict[str, pd.Series] | None = None,
        export: str = "incremental",
        remove_missing: bool = False,
        without_case_id: int = 0,
        columns: Mapping[str, Sequence[str]] | None = None,
        standard_version: str | None = None,
    ) -> Batch:
        """Store one imported file's records and quarantine in a single transaction, case by case.

        `tables` maps standard table names to contract tables (standard columns only); `columns[table]` is the
        standard's column list for the table (a new record table gets all of them, a frame column outside them is
        refused; a table without an entry keeps the frame's columns) and `standard_version` is recorded on the
        batch. `case_keys[table]` gives each row's case key (rows of one case share it; without it every row is a
        new case). A case already stored for this contributor is updated when its rows differ (the old rows are
        kept, marked `superseded_by` this batch, until `purge_superseded`) and left alone when they are the same.
        `export="full"` means the file lists every case: stored cases whose key is not in `present_keys[table]`
        (every row of the file, quarantined ones included) are counted per batch, and with `remove_missing`
        superseded too. `quarantine` has columns `row_number`, `reasons` and `data`. `replace` names an active
        batch of the same contributor whose records this batch supersedes (they are deleted in the same
        transaction, and the versions they had superseded come back first). The same file for the same
        contributor is refused with DuplicateBatch, unless it replaces that very batch. The counts are in the
        returned batch's `cases`.
        """
        if export not in EXPORT_MODES:
            raise StoreError(f"export must be one of {', '.join(EXPORT_MODES)}, not {export!r}")
        if remove_missing and export != "full":
            raise StoreError("only a full export can remove missing cases; import it with --full")
        when = now()
        batch_id = batch_id or f"{contributor}-{when:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        quarantine = quarantine if quarantine is not None else pd.DataFrame(columns=["row_number", "reasons", "data"])
        accepted = sum(len(df) for df in tables.values())
        rejected = len(quarantine) if rejected is None else rejected
        cases: dict[str, Any] = {"new": 0, "updated": 0, "unchanged": 0, "without_case_id": int(without_case_id),
                                 "missing": [], "removed": 0}
        with self._transaction() as con:
            dup = con.execute(
                "SELECT batch_id FROM batches WHERE contributor = ? AND sha256 = ? AND status = 'active'",
                [contributor, sha256],
            ).fetchone()
            if dup and dup[0] != replace:
                raise DuplicateBatch(
                    f"this file is already imported for {contributor!r} as batch {dup[0]}; nothing to do "
                    f"(use --replace {dup[0]} to import it again)",
                    dup[0],
                )
            if replace is not None:
                self._replace(con, replace, contributor, batch_id)
            store_cases(con, cases, tables, case_keys, present_keys, row_numbers, batch_id, contributor, when,
                        export, remove_missing, columns)
            if len(quarantine):
                insert_quarantine(con, batch_id, quarantine)
            con.execute(
                "INSERT INTO batches (batch_id, contributor, file_name, sha256, mapping, mapping_version, "
                "standard_version, tables, imported_at, rows_total, accepted, warned, rejected, status, replaces, "
                "replaced_by, withdrawn_at, report_dir, export, cases) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, NULL, NULL, ?, ?, ?)",
                [
                    batch_id, contributor, file_name, sha256, mapping, mapping_version, standard_version,
                    json.dumps(sorted(tables)), when, accepted + rejected, accepted, warned, rejected, replace,
                    report_dir, export, json.dumps(cases, default=str),
                ],
            )
        return self.batch(batch_id)

    @staticmethod
    def _replace(con: duckdb.DuckDBPyConnection, replace: str, contributor: str, batch_id: str) -> None:
        old = con.execute("SELECT contributor, status FROM batches WHERE batch_id = ?", [replace]).fetchone()
        if old is None:
            raise UnknownBatch(f"no batch {replace!r} to replace; `cthub status` lists the batches")
        if old[0] != contributor:
            raise StoreError(f"batch {replace} belongs to {old[0]!r}, not {contributor!r}; it cannot be replaced")
        if old[1] != "active":
            raise StoreError(f"batch {replace} is {old[1]}; only an active batch can be replaced")
        _delete_batch_rows(con, replace)
        con.execute("UPDATE batches SET status = 'replaced', replaced_by = ? WHERE batch_id = ?", [batch_id, replace])

    def set_report_dir(self, batch_id: str, report_dir: str) -> None:
        """Remember where the batch's validation report was written (the web shows it to the contributor)."""
        with self._connect(write=True) as con:
            con.execute("UPDATE batches SET report_dir = ? WHERE batch_id = ?", [report_dir, batch_id])

    def batches(self, contributor: str | None = None) -> list[Batch]:
        """Batches, newest first, optionally of one contributor."""
        with self._connect() as con:
            if contributor is None:
                found = rows(con.execute("SELECT * FROM batches ORDER BY imported_at DESC, batch_id DESC"))
            else:
                found = rows(con.execute(
                    "SELECT * FROM batches WHERE contributor = ? ORDER BY imported_at DESC, batch_id DESC",
                    [contributor]))
        return [Batch._from_row(r) for r in found]

    def batch(self, batch_id: str) -> Batch:
        with self._connect() as con:
            found = rows(con.execute("SELECT * FROM batches WHERE batch_id = ?", [batch_id]))
        if not found:
            raise UnknownBatch(f"no batch {batch_id!r}; `cthub status` lists the batches")
        return Batch._from_row(found[0])

    def withdraw(self, batch_id: str) -> int:
        """Delete a batch's records and quarantine for good; returns records removed.

        The batch row stays, with status `withdrawn`, so the history says what happened; its validation report is
        deleted. Older versions of its cases that it had superseded become current again (withdraw those batches
        too, or withdraw a person with `withdraw_case`, to remove every version). Deleted rows can linger in
        free blocks of a DuckDB file, so the file is rewritten (copy of the live data, then an atomic rename): after
        this returns, the withdrawn values are not in the file's bytes.
        """
        with self._transaction() as con:
            row = con.execute("SELECT status, report_dir FROM batches WHERE batch_id = ?", [batch_id]).fetchone()
            if row is None:
                raise UnknownBatch(f"no batch {batch_id!r}; `cthub status` lists the batches")
            if row[0] == "withdrawn":
                raise StoreError(f"batch {batch_id} is already withdrawn")
            deleted = _delete_batch_rows(con, batch_id)
            con.execute("UPDATE batches SET status = 'withdrawn', withdrawn_at = ? WHERE batch_id = ?",
                        [now(), batch_id])
        self.compact()
        self._remove_report(row[1])
        return deleted

    def _remove_report(self, report_dir: str | None) -> None:
        """The validation report goes with the records (only a folder under this hub's reports/ is touched)."""
        if not report_dir:
            return
        folder = Path(report_dir).resolve()
        reports = (self.home / "reports").resolve()
        if folder.parent == reports and folder.is_dir():
            shutil.rmtree(folder)
