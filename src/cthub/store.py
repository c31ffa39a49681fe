"""The hub's store: one embedded DuckDB file (`CTHUB_HOME/store.duckdb`), and the only module that speaks SQL.

It holds harmonized records (one table per standard table, prefixed `rec_`), import batches, quarantined rows,
the privacy-budget ledger, the releases index, and the web's accounts, tokens and audit log.

Connections are short-lived (one per call) so the CLI and the web server can take turns on the same file; DuckDB
locks the file per process, so a call that finds it locked retries for a few seconds before giving up with a
message that says which process to stop. Record values never go into the audit log, the batch rows or an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from cthub.config import hub_home

STORE_FILE = "store.duckdb"
RECORD_PREFIX = "rec_"
META_COLUMNS = ("batch_id", "contributor", "imported_at", "row_number")
# never returned as standard columns: the case key (a keyed pseudonym of contributor + case ID; the ID itself is
# never stored) and the batch whose newer version of the case replaced this row (NULL: the current version)
CASE_COLUMNS = ("case_key", "superseded_by")
EXPORT_MODES = ("incremental", "full")
BATCH_STATUSES = ("active", "replaced", "withdrawn")
RELEASE_STATUSES = ("draft", "published", "failed", "discarded")
USER_FIELDS = ("password_hash", "role", "contributor", "disabled", "last_login", "display_name")
LOCK_WAIT_SECONDS = 5.0


class StoreError(Exception):
    """The store cannot do what was asked; the message says why and what to do next."""


class StoreLocked(StoreError):
    """Another process holds the DuckDB file."""


class DuplicateBatch(StoreError):
    """The same file (same SHA-256) is already imported for this contributor."""

    def __init__(self, message: str, batch_id: str) -> None:
        super().__init__(message)
        self.batch_id = batch_id


class UnknownBatch(StoreError):
    """No batch has that id."""


class UnknownCase(StoreError):
    """No stored record has that case key for that contributor."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS batches (
    batch_id VARCHAR PRIMARY KEY,
    contributor VARCHAR NOT NULL,
    file_name VARCHAR,
    sha256 VARCHAR NOT NULL,
    mapping VARCHAR,
    mapping_version VARCHAR,
    standard_version VARCHAR,
    tables VARCHAR,
    imported_at TIMESTAMP NOT NULL,
    rows_total BIGINT,
    accepted BIGINT,
    warned BIGINT,
    rejected BIGINT,
    status VARCHAR NOT NULL,
    replaces VARCHAR,
    replaced_by VARCHAR,
    withdrawn_at TIMESTAMP,
    report_dir VARCHAR,
    export VARCHAR,
    cases VARCHAR
);
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id VARCHAR NOT NULL,
    row_number BIGINT,
    reasons VARCHAR,
    data VARCHAR
);
CREATE TABLE IF NOT EXISTS ledger (
    id BIGINT PRIMARY KEY,
    created TIMESTAMP NOT NULL,
    release VARCHAR NOT NULL,
    table_name VARCHAR,
    mechanism VARCHAR NOT NULL,
    epsilon DOUBLE,
    delta DOUBLE,
    rho DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS releases (
    version VARCHAR PRIMARY KEY,
    path VARCHAR,
    status VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL,
    summary VARCHAR
);
CREATE TABLE IF NOT EXISTS users (
    username VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    contributor VARCHAR,
    display_name VARCHAR,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created TIMESTAMP NOT NULL,
    last_login TIMESTAMP
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    expires TIMESTAMP,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS audit (
    id BIGINT PRIMARY KEY,
    "at" TIMESTAMP NOT NULL,
    actor VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR
);
"""


_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _file_lock(path: Path) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(Path(path).resolve()), threading.RLock())


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ident(name: str) -> str:
    """Quote an identifier; table and column names come from the standard, but never trust them into SQL raw."""
    return '"' + name.replace('"', '""') + '"'


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    # "different configuration": in one process, a read-only and a read-write connection to the same file cannot
    # be open at once (the web server's threads take turns), so that is waited out like a lock
    return "lock" in text or "being used by another process" in text or "different configuration" in text


def _standard_columns(table: str) -> list[str] | None:
    """The standard's columns for `table`, or None when the standard does not know it (or is not importable)."""
    try:
        from cthub.standard import load_standard

        std = load_standard()
        if table not in std.tables:
            return None
        return list(std.table(table).columns)
    except Exception:  # noqa: BLE001 - the standard is optional for the store; ingest validates against it
        return None


def _standard_version() -> str | None:
    try:
        from cthub.standard import load_standard

        return str(load_standard().version)
    except Exception:  # noqa: BLE001
        return None


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    """The contract's in-memory table: string dtype, pd.NA for missing."""
    return df.astype("string") if len(df.columns) else df


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
    def _from_row(cls, row: dict[str, Any]) -> "Batch":
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


PRIVATE_FOLDERS = ("reports", "uploads", "evaluations")  # validation reports, uploads, internal evaluations
PRIVATE_FILES = (STORE_FILE, STORE_FILE + ".wal", "cthub.yaml")


def make_private(folder: Path) -> None:
    """Owner-only modes for the hub folder (700), its private folders (700) and files (600), whatever the umask:
    the store holds records and password hashes, the reports describe bad cells. Releases stay as they are (public
    by design). Files of another owner, or a file system without modes, are left alone."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    for path, mode in [(folder, 0o700), *((folder / d, 0o700) for d in PRIVATE_FOLDERS),
                       *((folder / f, 0o600) for f in PRIVATE_FILES)]:
        try:
            st = path.stat()
            if (uid is None or st.st_uid == uid) and st.st_mode & 0o777 != mode:
                path.chmod(mode)
        except OSError:
            continue


class Store:
    """The hub's DuckDB file. Create with `Store.open(home)`; every method opens and closes its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # -- connections -------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None) -> "Store":
        """Open (creating if missing) the store of the hub at `home` (default: CTHUB_HOME, else ./cthub-data)."""
        folder = hub_home(home)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for sub in PRIVATE_FOLDERS:
                (folder / sub).mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the hub folder {folder}: {exc}; choose another with --home") from exc
        store = cls(folder / STORE_FILE)
        with store._connect() as con:
            con.execute(_SCHEMA)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', '1')")
            for column in ("export", "cases"):  # stores made before cases were keyed
                con.execute(f"ALTER TABLE batches ADD COLUMN IF NOT EXISTS {column} VARCHAR")
        make_private(folder)
        return store

    def meta_get(self, key: str) -> str | None:
        with self._connect(read_only=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, key: str, value: str) -> None:
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @property
    def home(self) -> Path:
        return self.path.parent

    @contextlib.contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        # One call at a time per file in this process (threads of a web server): DuckDB's file lock already keeps
        # other processes out, and serializing here makes id allocation and read-modify-write steps safe.
        with _file_lock(self.path):
            with self._open() as con:
                yield con

    @contextlib.contextmanager
    def _open(self) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.05
        while True:
            try:
                # always read-write: DuckDB refuses two connections to one file with different settings in one
                # process, which a threaded web server would hit (`read_only` only documents intent)
                con = duckdb.connect(str(self.path))
                break
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise StoreError(f"cannot open the store {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise StoreLocked(
                        f"the store {self.path} is locked by another process (a running `cthub serve` or another "
                        f"command); wait for it to finish or stop it, then try again"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        try:
            con.execute("SET enable_progress_bar = false")  # DuckDB would draw its own bar on the terminal
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- records and batches ----------------------------------------------------------------------------------
    def _record_tables(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_name LIKE 'rec\\_%' "
            "ESCAPE '\\' ORDER BY table_name"
        ).fetchall()
        return [r[0][len(RECORD_PREFIX) :] for r in rows]

    def _table_columns(self, con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
            "ORDER BY ordinal_position",
            [RECORD_PREFIX + table],
        ).fetchall()
        return [r[0] for r in rows if r[0] not in META_COLUMNS and r[0] not in CASE_COLUMNS]

    def _ensure_record_table(self, con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[str]:
        """Create `rec_<table>` with the standard's columns (or add new ones after a standard upgrade)."""
        standard = _standard_columns(table)
        wanted = list(standard) if standard is not None else []
        for c in columns:
            if c not in wanted:
                if standard is not None:
                    raise StoreError(
                        f"column {c!r} is not a variable of the standard table {table!r}; fix the mapping so it "
                        f"targets one of: {', '.join(standard)}"
                    )
                wanted.append(c)
        existing = self._table_columns(con, table)
        name = _ident(RECORD_PREFIX + table)
        if not existing and not con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema='main' AND table_name = ?",
            [RECORD_PREFIX + table],
        ).fetchone():
            cols = ", ".join(
                ["batch_id VARCHAR NOT NULL", "contributor VARCHAR NOT NULL", "imported_at TIMESTAMP NOT NULL",
                 "row_number BIGINT", "case_key VARCHAR", "superseded_by VARCHAR"]
                + [f"{_ident(c)} VARCHAR" for c in wanted]
            )
            con.execute(f"CREATE TABLE {name} ({cols})")
            return wanted
        self._ensure_case_columns(con, table)
        for c in wanted:
            if c not in existing:
                con.execute(f"ALTER TABLE {name} ADD COLUMN {_ident(c)} VARCHAR")
                existing.append(c)
        return existing

    def _ensure_case_columns(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        """Add the case columns to a record table made before cases were keyed; old rows get fresh random keys
        (each its own case, as every row was then)."""
        name = _ident(RECORD_PREFIX + table)
        present = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?",
            [RECORD_PREFIX + table]).fetchall()}
        if "case_key" not in present:
            con.execute(f"ALTER TABLE {name} ADD COLUMN case_key VARCHAR")
            con.execute(f"UPDATE {name} SET case_key = replace(gen_random_uuid()::VARCHAR, '-', '') || "
                        "replace(gen_random_uuid()::VARCHAR, '-', '') WHERE case_key IS NULL")
        if "superseded_by" not in present:
            con.execute(f"ALTER TABLE {name} ADD COLUMN superseded_by VARCHAR")

    def find_batch(self, contributor: str, sha256: str) -> Batch | None:
        """The active batch of `contributor` made from a file with this SHA-256, if any (re-import detection)."""
        with self._connect(read_only=True) as con:
            rows = _rows(
                con.execute(
                    "SELECT * FROM batches WHERE contributor = ? AND sha256 = ? AND status = 'active'",
                    [contributor, sha256],
                )
            )
        return Batch._from_row(rows[0]) if rows else None

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
    ) -> Batch:
        """Store one imported file's records and quarantine in a single transaction, case by case.

        `tables` maps standard table names to contract tables (standard columns only); `case_keys[table]` gives
        each row's case key (rows of one case share it; without it every row is a new case). A case already stored
        for this contributor is updated when its rows differ (the old rows are kept, marked `superseded_by` this
        batch, until `purge_superseded`) and left alone when they are the same. `export="full"` means the file
        lists every case: stored cases whose key is not in `present_keys[table]` (every row of the file, quarantined
        ones included) are counted per batch, and with `remove_missing` superseded too. `quarantine` has columns
        `row_number`, `reasons` and `data`. `replace` names an active batch of the same contributor whose records
        this batch supersedes (they are deleted in the same transaction, and the versions they had superseded
        come back first). The same file for the same contributor is refused with DuplicateBatch, unless it
        replaces that very batch. The counts are in the returned batch's `cases`.
        """
        if export not in EXPORT_MODES:
            raise StoreError(f"export must be one of {', '.join(EXPORT_MODES)}, not {export!r}")
        if remove_missing and export != "full":
            raise StoreError("only a full export can remove missing cases; import it with --full")
        now = _now()
        batch_id = batch_id or f"{contributor}-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
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
                old = con.execute("SELECT contributor, status FROM batches WHERE batch_id = ?", [replace]).fetchone()
                if old is None:
                    raise UnknownBatch(f"no batch {replace!r} to replace; `cthub status` lists the batches")
                if old[0] != contributor:
                    raise StoreError(f"batch {replace} belongs to {old[0]!r}, not {contributor!r}; it cannot be replaced")
                if old[1] != "active":
                    raise StoreError(f"batch {replace} is {old[1]}; only an active batch can be replaced")
                self._delete_batch_rows(con, replace)
                con.execute(
                    "UPDATE batches SET status = 'replaced', replaced_by = ? WHERE batch_id = ?", [batch_id, replace]
                )
            self._store_cases(con, cases, tables, case_keys, present_keys, row_numbers, batch_id, contributor, now,
                              export, remove_missing)
            if len(quarantine):
                q = pd.DataFrame(
                    {
                        "batch_id": batch_id,
                        "row_number": quarantine["row_number"].astype("int64"),
                        "reasons": quarantine["reasons"].astype("string"),
                        "data": quarantine["data"].astype("string")
                        if "data" in quarantine
                        else pd.Series(pd.NA, index=quarantine.index, dtype="string"),
                    }
                )
                con.register("_quarantine", q)
                con.execute("INSERT INTO quarantine SELECT batch_id, row_number, reasons, data FROM _quarantine")
                con.unregister("_quarantine")
            con.execute(
                "INSERT INTO batches (batch_id, contributor, file_name, sha256, mapping, mapping_version, "
                "standard_version, tables, imported_at, rows_total, accepted, warned, rejected, status, replaces, "
                "replaced_by, withdrawn_at, report_dir, export, cases) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, NULL, NULL, ?, ?, ?)",
                [
                    batch_id, contributor, file_name, sha256, mapping, mapping_version, _standard_version(),
                    json.dumps(sorted(tables)), now, accepted + rejected, accepted, warned, rejected, replace,
                    report_dir, export, json.dumps(cases, default=str),
                ],
            )
        return self.batch(batch_id)

    def _store_cases(self, con: duckdb.DuckDBPyConnection, cases: dict[str, Any], tables: dict[str, pd.DataFrame],
                     case_keys: dict[str, pd.Series] | None, present_keys: dict[str, pd.Series] | None,
                     row_numbers: dict[str, pd.Series] | None, batch_id: str, contributor: str, now: datetime,
                     export: str, remove_missing: bool) -> None:
        """Upsert each table's rows case by case and, for a full export, find (and maybe supersede) missing cases;
        adds the counts to `cases`."""
        for table, df in tables.items():
            columns = self._ensure_record_table(con, table, list(df.columns))
            keys = (case_keys or {}).get(table)
            if keys is None:
                keys = pd.Series([uuid.uuid4().hex + uuid.uuid4().hex for _ in range(len(df))], dtype="string")
            if len(keys) != len(df):
                raise StoreError(f"{len(keys)} case keys for {len(df)} rows of {table}")
            counts = self._upsert(con, table, columns, df, keys, (row_numbers or {}).get(table), batch_id,
                                  contributor, now)
            for k in ("new", "updated", "unchanged"):
                cases[k] += counts[k]
            if export == "full":
                present = (present_keys or {}).get(table)
                present = keys if present is None else present
                missing, removed = self._missing_cases(con, table, contributor, batch_id, present, remove_missing)
                cases["missing"] += missing
                cases["removed"] += removed

    def preview_cases(self, *, contributor: str, tables: dict[str, pd.DataFrame], case_keys: dict[str, pd.Series],
                      present_keys: dict[str, pd.Series] | None = None, export: str = "incremental") -> dict[str, Any]:
        """What `add_batch` would do to the stored cases (new, updated, unchanged, missing), computed in a
        transaction that is rolled back: for `cthub ingest --check`."""
        cases: dict[str, Any] = {"new": 0, "updated": 0, "unchanged": 0, "missing": [], "removed": 0}
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                self._store_cases(con, cases, tables, case_keys, present_keys, None, "(this export)", contributor,
                                  _now(), export, False)
            finally:
                con.execute("ROLLBACK")
        return cases

    @staticmethod
    def _fingerprint(columns: list[str], present: set[str]) -> str:
        """SQL for one row's content hash over the standard columns (a column not sent counts as NULL). DuckDB's
        64-bit hash, compared only within one transaction: two different rows collide with odds of 2^-64."""
        parts = [_ident(c) if c in present else "NULL::VARCHAR" for c in columns]
        return f"hash({', '.join(parts) or 'NULL'})"

    def _upsert(self, con: duckdb.DuckDBPyConnection, table: str, columns: list[str], df: pd.DataFrame,
                keys: pd.Series, nums: pd.Series | None, batch_id: str, contributor: str,
                now: datetime) -> dict[str, int]:
        """Insert the rows of new and changed cases, supersede the stored versions of changed ones; count them.

        A case's content is the sorted list of its rows' hashes, so row order in the file does not matter and a
        victim's rows are compared as one set. Only cases already stored are hashed (a first import hashes nothing).
        """
        name = _ident(RECORD_PREFIX + table)
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
        stored = set(self._table_columns(con, table))
        con.execute("CREATE OR REPLACE TEMP TABLE _old_cases AS SELECT case_key, list_sort(list(fp)) AS fp FROM "
                    f"(SELECT case_key, {self._fingerprint(columns, stored)} AS fp FROM {name} "
                    "WHERE contributor = ? AND superseded_by IS NULL AND case_key IN (SELECT case_key FROM _incoming)) "
                    "GROUP BY case_key", [contributor])
        con.execute("CREATE OR REPLACE TEMP TABLE _in_cases AS SELECT case_key, list_sort(list(fp)) AS fp FROM "
                    f"(SELECT case_key, {self._fingerprint(columns, set(sent))} AS fp FROM _incoming "
                    "WHERE case_key IN (SELECT case_key FROM _old_cases)) GROUP BY case_key")
        updated, unchanged = (int(x) for x in con.execute(
            "SELECT count(*) FILTER (WHERE o.fp <> i.fp), count(*) FILTER (WHERE o.fp = i.fp) "
            "FROM _in_cases i JOIN _old_cases o USING (case_key)").fetchone())
        new = int(con.execute("SELECT count(DISTINCT case_key) FROM _incoming WHERE case_key NOT IN "
                              "(SELECT case_key FROM _old_cases)").fetchone()[0])
        if updated:
            con.execute(f"UPDATE {name} SET superseded_by = ? WHERE contributor = ? AND superseded_by IS NULL AND "
                        "case_key IN (SELECT i.case_key FROM _in_cases i JOIN _old_cases o USING (case_key) "
                        "WHERE i.fp <> o.fp)", [batch_id, contributor])
        target = ", ".join(_ident(c) for c in ["batch_id", "contributor", "imported_at", "row_number", "case_key",
                                               *sent])
        source = ", ".join(["?", "?", "?::TIMESTAMP", "row_number", "case_key", *(_ident(c) for c in sent)])
        keep = "" if not unchanged else (" WHERE case_key NOT IN (SELECT i.case_key FROM _in_cases i JOIN _old_cases "
                                         "o USING (case_key) WHERE i.fp = o.fp)")
        con.execute(f"INSERT INTO {name} ({target}) SELECT {source} FROM _incoming{keep}", [batch_id, contributor, now])
        con.execute("DROP TABLE _in_cases")
        con.execute("DROP TABLE _old_cases")
        con.unregister("_incoming")
        return {"new": new, "updated": updated, "unchanged": unchanged}

    def _missing_cases(self, con: duckdb.DuckDBPyConnection, table: str, contributor: str, batch_id: str,
                       present: pd.Series, remove: bool) -> tuple[list[dict[str, Any]], int]:
        """Current cases of `contributor` a full export lacks, counted per original batch (never listed by key)."""
        name = _ident(RECORD_PREFIX + table)
        con.register("_present", pa.table({"case_key": pa.array(pd.Series(present).astype(
            pd.StringDtype("pyarrow")).reset_index(drop=True))}))
        where = ("contributor = ? AND superseded_by IS NULL AND batch_id <> ? AND case_key NOT IN "
                 "(SELECT case_key FROM _present WHERE case_key IS NOT NULL)")
        rows = _rows(con.execute(
            f"SELECT m.batch_id, b.file_name, b.imported_at, m.cases FROM (SELECT batch_id, "
            f"count(DISTINCT case_key) AS cases FROM {name} WHERE {where} GROUP BY batch_id) m "
            "LEFT JOIN batches b USING (batch_id) ORDER BY b.imported_at, m.batch_id", [contributor, batch_id]))
        removed = 0
        if remove and rows:
            removed = sum(int(r["cases"]) for r in rows)
            con.execute(f"UPDATE {name} SET superseded_by = ? WHERE {where}", [batch_id, contributor, batch_id])
        con.unregister("_present")
        out = [{"table": table, "batch_id": r["batch_id"], "file_name": r["file_name"],
                "imported_at": r["imported_at"].isoformat(timespec="seconds") if r["imported_at"] else None,
                "cases": int(r["cases"])} for r in rows]
        return out, removed

    def set_report_dir(self, batch_id: str, report_dir: str) -> None:
        """Remember where the batch's validation report was written (the web shows it to the contributor)."""
        with self._connect() as con:
            con.execute("UPDATE batches SET report_dir = ? WHERE batch_id = ?", [report_dir, batch_id])

    def records(self, table: str, with_meta: bool = False, with_person: bool = False) -> pd.DataFrame:
        """The current version of every stored case of a standard table as a contract table (the release
        pipeline's input). `with_person` adds `_person`, the case key shared by all rows of one person (a victim's
        victim-perpetrator rows), so the pipeline can bound each person's contribution; it never goes public."""
        with self._connect(read_only=True) as con:
            if table not in self._record_tables(con):
                columns = _standard_columns(table)
                if columns is None:
                    raise StoreError(f"no records and no standard table named {table!r}")
                cols = [*META_COLUMNS, *columns] if with_meta else list(columns)
                if with_person:
                    cols.append("_person")
                return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
            self._ensure_case_columns(con, table)
            columns = self._table_columns(con, table)
            standard = _standard_columns(table)
            if standard is not None:
                columns = [c for c in standard if c in columns]
            select = [_ident(c) for c in ([*META_COLUMNS, *columns] if with_meta else columns)]
            if with_person:
                select.append('case_key AS "_person"')
            sql = f"SELECT {', '.join(select)} FROM {_ident(RECORD_PREFIX + table)} WHERE superseded_by IS NULL " \
                  "ORDER BY imported_at, batch_id, row_number"
            df = con.execute(sql).fetch_df()
        meta = {"imported_at", "row_number"}
        for c in df.columns:
            if c not in meta:
                df[c] = df[c].astype("string")
        return df.reset_index(drop=True)

    def record_counts(self) -> dict[str, int]:
        """Stored records (current versions) per standard table."""
        with self._connect(read_only=True) as con:
            out = {}
            for t in self._record_tables(con):
                self._ensure_case_columns(con, t)
                out[t] = int(con.execute(f"SELECT count(*) FROM {_ident(RECORD_PREFIX + t)} "
                                         "WHERE superseded_by IS NULL").fetchone()[0])
            return out

    def record_counts_by_contributor(self) -> pd.DataFrame:
        """Current records and cases per table and contributor, for `cthub status`."""
        parts = []
        with self._connect(read_only=True) as con:
            for t in self._record_tables(con):
                self._ensure_case_columns(con, t)
                df = con.execute(
                    f"SELECT ? AS table_name, contributor, count(*) AS records, count(DISTINCT case_key) AS cases "
                    f"FROM {_ident(RECORD_PREFIX + t)} WHERE superseded_by IS NULL "
                    "GROUP BY contributor ORDER BY contributor",
                    [t],
                ).fetch_df()
                parts.append(df)
        if not parts:
            return pd.DataFrame({"table_name": [], "contributor": [], "records": [], "cases": []})
        return pd.concat(parts, ignore_index=True)

    def batches(self, contributor: str | None = None) -> list[Batch]:
        """Batches, newest first, optionally of one contributor."""
        with self._connect(read_only=True) as con:
            if contributor is None:
                rows = _rows(con.execute("SELECT * FROM batches ORDER BY imported_at DESC, batch_id DESC"))
            else:
                rows = _rows(
                    con.execute(
                        "SELECT * FROM batches WHERE contributor = ? ORDER BY imported_at DESC, batch_id DESC",
                        [contributor],
                    )
                )
        return [Batch._from_row(r) for r in rows]

    def batch(self, batch_id: str) -> Batch:
        with self._connect(read_only=True) as con:
            rows = _rows(con.execute("SELECT * FROM batches WHERE batch_id = ?", [batch_id]))
        if not rows:
            raise UnknownBatch(f"no batch {batch_id!r}; `cthub status` lists the batches")
        return Batch._from_row(rows[0])

    def quarantine(self, batch_id: str | None = None) -> pd.DataFrame:
        """Quarantined rows (row number, reasons, JSON of mapped non-identifier values) of a batch, or of all."""
        with self._connect(read_only=True) as con:
            if batch_id is None:
                df = con.execute("SELECT * FROM quarantine ORDER BY batch_id, row_number").fetch_df()
            else:
                df = con.execute(
                    "SELECT * FROM quarantine WHERE batch_id = ? ORDER BY row_number", [batch_id]
                ).fetch_df()
        for c in ("batch_id", "reasons", "data"):
            df[c] = df[c].astype("string")
        return df

    def quarantine_size(self) -> int:
        with self._connect(read_only=True) as con:
            return int(con.execute("SELECT count(*) FROM quarantine").fetchone()[0])

    def _delete_batch_rows(self, con: duckdb.DuckDBPyConnection, batch_id: str) -> int:
        """Delete a batch's rows and quarantine; the versions it had superseded become current again (unless a
        later batch has its own version of that case)."""
        deleted = 0
        for t in self._record_tables(con):
            self._ensure_case_columns(con, t)
            name = _ident(RECORD_PREFIX + t)
            deleted += int(con.execute(f"SELECT count(*) FROM {name} WHERE batch_id = ?", [batch_id]).fetchone()[0])
            con.execute(f"DELETE FROM {name} WHERE batch_id = ?", [batch_id])
            con.execute(
                f"UPDATE {name} AS r SET superseded_by = NULL WHERE r.superseded_by = ? AND NOT EXISTS (SELECT 1 FROM "
                f"{name} c WHERE c.contributor = r.contributor AND c.case_key = r.case_key AND c.superseded_by IS NULL)",
                [batch_id],
            )
        con.execute("DELETE FROM quarantine WHERE batch_id = ?", [batch_id])
        return deleted

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
            deleted = self._delete_batch_rows(con, batch_id)
            con.execute("UPDATE batches SET status = 'withdrawn', withdrawn_at = ? WHERE batch_id = ?", [_now(),
                                                                                                       batch_id])
        self.compact()
        self._remove_report(row[1])
        return deleted

    def withdraw_case(self, contributor: str, case_key: str) -> dict[str, Any]:
        """Delete every version of one person's case (a data-subject request) from every record table, then rewrite
        the file so the values are gone from its bytes. Returns {"records": {table: n}, "rows": [(batch_id,
        row_number), ...]} (the rows let the caller scrub the batches' reports). UnknownCase if nothing matched."""
        removed: dict[str, int] = {}
        rows: list[tuple[str, int]] = []
        with self._transaction() as con:
            for t in self._record_tables(con):
                self._ensure_case_columns(con, t)
                name = _ident(RECORD_PREFIX + t)
                hits = con.execute(f"SELECT batch_id, row_number FROM {name} WHERE contributor = ? AND case_key = ?",
                                   [contributor, case_key]).fetchall()
                if hits:
                    con.execute(f"DELETE FROM {name} WHERE contributor = ? AND case_key = ?", [contributor, case_key])
                    removed[t] = len(hits)
                    rows += [(str(b), int(r)) for b, r in hits if r is not None]
        if not removed:
            raise UnknownCase(f"no stored case of {contributor!r} has that case ID (IDs match exactly, after "
                              "trimming spaces, as the contributor's export writes them); check the contributor "
                              "and the ID")
        self.compact()
        return {"records": removed, "rows": rows}

    def purge_superseded(self) -> int:
        """Delete the older versions of updated cases (kept for audit until now) and rewrite the file; returns how
        many rows went."""
        deleted = 0
        with self._transaction() as con:
            for t in self._record_tables(con):
                self._ensure_case_columns(con, t)
                name = _ident(RECORD_PREFIX + t)
                deleted += int(con.execute(f"SELECT count(*) FROM {name} WHERE superseded_by IS NOT NULL")
                               .fetchone()[0])
                con.execute(f"DELETE FROM {name} WHERE superseded_by IS NOT NULL")
        self.compact()
        return deleted

    def superseded_count(self) -> int:
        """Rows kept only as older versions of updated cases."""
        with self._connect(read_only=True) as con:
            total = 0
            for t in self._record_tables(con):
                self._ensure_case_columns(con, t)
                total += int(con.execute(f"SELECT count(*) FROM {_ident(RECORD_PREFIX + t)} "
                                         "WHERE superseded_by IS NOT NULL").fetchone()[0])
            return total

    def _remove_report(self, report_dir: str | None) -> None:
        """The validation report goes with the records (only a folder under this hub's reports/ is touched)."""
        if not report_dir:
            return
        folder = Path(report_dir).resolve()
        reports = (self.home / "reports").resolve()
        if folder.parent == reports and folder.is_dir():
            shutil.rmtree(folder)

    def compact(self) -> None:
        """Rewrite the file from its live data so deleted values leave no bytes behind (CHECKPOINT, copy, rename)."""
        tmp = self.path.with_name(self.path.name + ".compact")
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        with self._connect() as con:
            con.execute("CHECKPOINT")
            con.execute(f"ATTACH '{str(tmp).replace(chr(39), chr(39) * 2)}' AS fresh")
            db = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(f"COPY FROM DATABASE {_ident(db)} TO fresh")
            con.execute("DETACH fresh")
        wal = self.path.with_name(self.path.name + ".wal")
        os.replace(tmp, self.path)
        wal.unlink(missing_ok=True)
        tmp_wal = tmp.with_name(tmp.name + ".wal")
        if tmp_wal.exists():  # pragma: no cover - DETACH checkpoints, so there should be none
            shutil.move(str(tmp_wal), str(wal))

    # -- privacy-budget ledger --------------------------------------------------------------------------------
    def ledger_add(
        self,
        release: str,
        table: str | None,
        mechanism: str,
        epsilon: float | None,
        delta: float | None,
        rho: float,
    ) -> int:
        """Record one DP spend (zCDP rho is what composes; epsilon/delta are what people read). Returns its id."""
        if rho < 0:
            raise StoreError(f"a privacy spend cannot be negative (rho={rho})")
        with self._transaction() as con:
            next_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM ledger").fetchone()[0])
            con.execute(
                "INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [next_id, _now(), release, table, mechanism, epsilon, delta, float(rho)],
            )
        return next_id

    def ledger(self) -> pd.DataFrame:
        """Every spend, oldest first: id, created, release, table_name, mechanism, epsilon, delta, rho."""
        with self._connect(read_only=True) as con:
            return con.execute("SELECT * FROM ledger ORDER BY id").fetch_df()

    def ledger_spent_rho(self) -> float:
        """Total zCDP rho spent by all recorded releases (zCDP composes by addition)."""
        with self._connect(read_only=True) as con:
            return float(con.execute("SELECT coalesce(sum(rho), 0) FROM ledger").fetchone()[0])

    # -- releases index ---------------------------------------------------------------------------------------
    def release_add(self, version: str, path: str | os.PathLike[str], status: str, summary: dict[str, Any]) -> None:
        """Index a release folder; a version already indexed is refused (versions are immutable)."""
        if status not in RELEASE_STATUSES:
            raise StoreError(f"release status {status!r} is not one of {', '.join(RELEASE_STATUSES)}")
        now = _now()
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM releases WHERE version = ?", [version]).fetchone():
                raise StoreError(f"release {version} is already indexed; a release version is never reused")
            con.execute(
                "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)",
                [version, str(path), status, now, now, json.dumps(summary, default=str)],
            )

    def release_set_status(self, version: str, status: str) -> None:
        if status not in RELEASE_STATUSES:
            raise StoreError(f"release status {status!r} is not one of {', '.join(RELEASE_STATUSES)}")
        with self._transaction() as con:
            if not con.execute("SELECT 1 FROM releases WHERE version = ?", [version]).fetchone():
                raise StoreError(f"no release {version!r} in the index; `cthub releases` lists them")
            con.execute("UPDATE releases SET status = ?, updated = ? WHERE version = ?", [status, _now(), version])

    def releases(self) -> list[dict[str, Any]]:
        """Indexed releases, oldest first, each a dict with version, path, status, created, updated, summary."""
        with self._connect(read_only=True) as con:
            rows = _rows(con.execute("SELECT * FROM releases ORDER BY created, version"))
        for r in rows:
            r["summary"] = json.loads(r["summary"]) if r["summary"] else {}
        return rows

    # -- accounts, tokens, audit (for the web) ----------------------------------------------------------------
    def user_add(self, username: str, password_hash: str, role: str, contributor: str | None = None,
                 display_name: str | None = None) -> None:
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise StoreError(f"user {username!r} already exists; change it with `cthub user` instead")
            con.execute(
                "INSERT INTO users (username, password_hash, role, contributor, display_name, disabled, created) "
                "VALUES (?, ?, ?, ?, ?, FALSE, ?)",
                [username, password_hash, role, contributor, display_name, _now()],
            )

    def user_get(self, username: str) -> dict[str, Any] | None:
        with self._connect(read_only=True) as con:
            rows = _rows(con.execute("SELECT * FROM users WHERE username = ?", [username]))
        return rows[0] if rows else None

    def users(self) -> list[dict[str, Any]]:
        with self._connect(read_only=True) as con:
            return _rows(con.execute("SELECT * FROM users ORDER BY username"))

    def user_update(self, username: str, **fields: Any) -> None:
        """Change some of password_hash, role, contributor, disabled, last_login, display_name."""
        unknown = set(fields) - set(USER_FIELDS)
        if unknown:
            raise StoreError(f"cannot update user field(s) {', '.join(sorted(unknown))}; allowed: {', '.join(USER_FIELDS)}")
        if not fields:
            return
        sets = ", ".join(f"{_ident(k)} = ?" for k in fields)
        with self._transaction() as con:
            if not con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise StoreError(f"no user {username!r}")
            con.execute(f"UPDATE users SET {sets} WHERE username = ?", [*fields.values(), username])

    def token_add(self, token_hash: str, username: str, purpose: str = "session",
                  expires: datetime | None = None) -> None:
        """Store a token by its hash only (the token itself is never stored)."""
        with self._connect() as con:
            con.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, FALSE)",
                [token_hash, username, purpose, _now(), expires.replace(tzinfo=None) if expires else None],
            )

    def token_get(self, token_hash: str) -> dict[str, Any] | None:
        """The token's row if it exists, is not revoked and has not expired; else None."""
        with self._connect(read_only=True) as con:
            rows = _rows(
                con.execute(
                    "SELECT * FROM tokens WHERE token_hash = ? AND NOT revoked AND (expires IS NULL OR expires > ?)",
                    [token_hash, _now()],
                )
            )
        return rows[0] if rows else None

    def token_revoke(self, token_hash: str) -> None:
        with self._connect() as con:
            con.execute("UPDATE tokens SET revoked = TRUE WHERE token_hash = ?", [token_hash])

    def tokens_revoke_user(self, username: str, purpose: str | None = None) -> int:
        """Revoke every live token of a user (of one purpose, e.g. "api" or "session", or all); returns how many."""
        where = "username = ? AND NOT revoked" + (" AND purpose = ?" if purpose else "")
        params = [username, purpose] if purpose else [username]
        with self._transaction() as con:
            n = int(con.execute(f"SELECT count(*) FROM tokens WHERE {where}", params).fetchone()[0])
            con.execute(f"UPDATE tokens SET revoked = TRUE WHERE {where}", params)
        return n

    def audit(self, actor: str | None, action: str, target: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log (there is no method to change or delete it). Never pass record values."""
        with self._transaction() as con:
            next_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM audit").fetchone()[0])
            con.execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                [next_id, _now(), actor, action, target, json.dumps(detail or {}, default=str)],
            )

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest `limit` audit entries, newest first."""
        with self._connect(read_only=True) as con:
            rows = _rows(con.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [int(limit)]))
        for r in rows:
            r["detail"] = json.loads(r["detail"]) if r["detail"] else {}
        return rows
