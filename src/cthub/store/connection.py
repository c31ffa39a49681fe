"""Opening the hub's DuckDB file: where it lives, who may read it, locks, transactions, read-only mode, compaction.

Connections are short-lived (one per call) so the CLI and the web server can take turns on the same file; DuckDB
locks the file per process, so a call that finds it locked retries for a few seconds before giving up with a
message that says which process to stop. Every store concern (records, batches, ledger, ...) is a mixin over
`StoreBase`, so they share this one way in.

A store opened with `read_only=True` opens DuckDB read-only (several processes may then read at once) and refuses
every change with `StoreReadOnly` before touching the file; it never creates or upgrades a file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

from cthub.config import STORE_FILE, hub_home  # config names the file so a hub is recognized without the store
from cthub.store.errors import StoreError, StoreLocked, StoreReadOnly
from cthub.store.schema import create_and_migrate, pending_migrations
from cthub.store.sql import ident, one

LOCK_WAIT_SECONDS = 5.0
PRIVATE_FOLDERS = ("reports", "uploads", "evaluations")  # validation reports, uploads, internal evaluations
PRIVATE_FILES = (STORE_FILE, STORE_FILE + ".wal", "cthub.yaml")

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()

S = TypeVar("S", bound="StoreBase")


def _file_lock(path: Path) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(Path(path).resolve()), threading.RLock())


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    # "different configuration": in one process, a read-only and a read-write connection to the same file cannot
    # be open at once (the web server's threads take turns), so that is waited out like a lock
    return "lock" in text or "being used by another process" in text or "different configuration" in text


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


class StoreBase:
    """The hub's DuckDB file. Create with `Store.open(home)`; every method opens and closes its own connection."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only

    @classmethod
    def open(cls: type[S], home: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> S:
        """Open (creating and upgrading if needed) the store of the hub at `home` (default: CTHUB_HOME, else
        ./cthub-data). `read_only=True` opens an existing, up-to-date store without ever writing to it."""
        folder = hub_home(home)
        if read_only:
            return cls._open_read_only(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for sub in PRIVATE_FOLDERS:
                (folder / sub).mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the hub folder {folder}: {exc}; choose another with --home") from exc
        store = cls(folder / STORE_FILE)
        with store._connect(write=True) as con:
            create_and_migrate(con)
        make_private(folder)
        return store

    @classmethod
    def _open_read_only(cls: type[S], folder: Path) -> S:
        store = cls(folder / STORE_FILE, read_only=True)
        if not store.path.is_file():
            raise StoreError(f"there is no store at {store.path} (a read-only store is never created); `cthub init "
                             "--home <folder>` makes one, or pass the hub folder that has it")
        with store._connect() as con:
            pending = pending_migrations(con)
        if pending:
            raise StoreError(f"the store {store.path} was made by an older cthub and needs an upgrade "
                             f"({', '.join(pending)}); open it read-write once (any `cthub status`), then again "
                             "read-only")
        return store

    @property
    def home(self) -> Path:
        return self.path.parent

    def meta_get(self, key: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, key: str, value: str) -> None:
        with self._connect(write=True) as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @contextlib.contextmanager
    def _connect(self, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one call. `write=True` declares the call changes the file: a read-only store refuses
        it here, before any SQL runs (and DuckDB itself refuses a write slipped into a read)."""
        if write and self.read_only:
            raise StoreReadOnly(f"the store {self.path} was opened read-only, so it cannot be changed; open it "
                                "with Store.open(home) (read-write) to do this")
        # One call at a time per file in this process (threads of a web server): DuckDB's file lock already keeps
        # other processes out, and serializing here makes id allocation and read-modify-write steps safe.
        with _file_lock(self.path):
            with self._open() as con:
                try:
                    yield con
                except duckdb.InvalidInputException as exc:
                    if self.read_only and "read-only" in str(exc):
                        raise StoreReadOnly(f"the store {self.path} was opened read-only, so it cannot be "
                                            "changed; open it with Store.open(home) (read-write)") from exc
                    raise

    @contextlib.contextmanager
    def _open(self) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.05
        while True:
            try:
                # a read-write store always connects read-write, reads included: in one process DuckDB refuses
                # two open connections to one file with different settings, and mixing them buys nothing here
                con = duckdb.connect(str(self.path), read_only=self.read_only)
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
        """A read-write connection whose work is committed together, or rolled back on any error."""
        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def compact(self) -> None:
        """Rewrite the file from its live data so deleted values leave no bytes behind (CHECKPOINT, copy, rename)."""
        tmp = self.path.with_name(self.path.name + ".compact")
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        with self._connect(write=True) as con:
            con.execute("CHECKPOINT")
            con.execute(f"ATTACH '{str(tmp).replace(chr(39), chr(39) * 2)}' AS fresh")
            db = str(one(con.execute("SELECT current_database()")))
            con.execute(f"COPY FROM DATABASE {ident(db)} TO fresh")
            con.execute("DETACH fresh")
        wal = self.path.with_name(self.path.name + ".wal")
        os.replace(tmp, self.path)
        wal.unlink(missing_ok=True)
        tmp_wal = tmp.with_name(tmp.name + ".wal")
        if tmp_wal.exists():  # pragma: no cover - DETACH checkpoints, so there should be none
            shutil.move(str(tmp_wal), str(wal))
