"""A store opened with `read_only=True` is really read-only: DuckDB opens the file read-only, every change is
refused with a clear error before any SQL runs, and the file is never created, upgraded or touched."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from cthub.store import Store, StoreError, StoreLocked, StoreReadOnly, connection

# another process holding the file READ-ONLY: other read-only connections may join it, a read-write one may not
HOLD_READ_ONLY = ("import sys, time, duckdb; c = duckdb.connect(sys.argv[1], read_only=True); "
                  "print('ready', flush=True); time.sleep(4)")


def _filled(home: Path) -> Store:
    s = Store.open(home)
    frame = pd.DataFrame({"gender": ["Female", "Male"], "citizenship": ["PH", "VN"]}, dtype="string")
    b = s.add_batch(contributor="c1", sha256="a" * 64, tables={"victims": frame},
                    case_keys={"victims": pd.Series(["k" * 64, "m" * 64], dtype="string")})
    s.ledger_add("2026.01.01", "victims", "mst", 1.0, 1e-6, 0.02)
    s.release_add("2026.01.01", home / "releases" / "2026.01.01", "draft", {})
    s.user_add("ana", "argon2$hash", "admin")
    s.token_add("h1", "ana")
    s.audit("ana", "upload", b.batch_id, {"n": 2})
    s.meta_set("k", "v")
    return s


def _bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + ".wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_read_only_store_reads_everything(hub_home: Path) -> None:
    rw = _filled(hub_home)
    ro = Store.open(hub_home, read_only=True)
    assert ro.read_only and not rw.read_only
    assert ro.record_counts() == rw.record_counts() == {"victims": 2}
    pd.testing.assert_frame_equal(ro.records("victims", with_meta=True, with_person=True),
                                  rw.records("victims", with_meta=True, with_person=True))
    assert [b.batch_id for b in ro.batches()] == [b.batch_id for b in rw.batches()]
    assert ro.ledger_spent_rho() == pytest.approx(0.02)
    assert [r["version"] for r in ro.releases()] == ["2026.01.01"]
    assert ro.user_get("ana")["role"] == "admin" and ro.token_get("h1") is not None
    assert ro.audit_log(1)[0]["detail"] == {"n": 2} and ro.meta_get("k") == "v"
    assert ro.superseded_count() == 0 and ro.quarantine_size() == 0


# in an order where each call also succeeds on the read-write store after the ones before it
WRITES: list[tuple[str, Callable[[Store], Any]]] = [
    ("add_batch", lambda s: s.add_batch(contributor="c1", sha256="b" * 64, tables={"victims": pd.DataFrame(
        {"gender": ["Male"]}, dtype="string")})),
    ("preview_cases", lambda s: s.preview_cases(contributor="c1", tables={"victims": pd.DataFrame(
        {"gender": ["Male"]}, dtype="string")}, case_keys={"victims": pd.Series(["k" * 64], dtype="string")})),
    ("set_report_dir", lambda s: s.set_report_dir(s.batches()[0].batch_id, "x")),
    ("ledger_add", lambda s: s.ledger_add("2026.01.02", None, "count", 0.1, None, 0.005)),
    ("release_add", lambda s: s.release_add("2026.01.02", "p", "draft", {})),
    ("release_set_status", lambda s: s.release_set_status("2026.01.01", "published")),
    ("user_add", lambda s: s.user_add("bob", "h", "contributor")),
    ("user_update", lambda s: s.user_update("ana", disabled=True)),
    ("token_add", lambda s: s.token_add("h2", "ana")),
    ("token_revoke", lambda s: s.token_revoke("h1")),
    ("tokens_revoke_user", lambda s: s.tokens_revoke_user("ana")),
    ("audit", lambda s: s.audit("ana", "x")),
    ("meta_set", lambda s: s.meta_set("k", "w")),
    ("withdraw_case", lambda s: s.withdraw_case("c1", "k" * 64)),
    ("withdraw", lambda s: s.withdraw(s.batches()[0].batch_id)),
    ("purge_superseded", lambda s: s.purge_superseded()),
    ("compact", lambda s: s.compact()),
]


def test_every_change_is_refused_and_the_file_is_untouched(hub_home: Path) -> None:
    rw = _filled(hub_home)
    ro = Store.open(hub_home, read_only=True)
    for name, write in WRITES:
        with duckdb.connect(str(rw.path)) as con:
            con.execute("CHECKPOINT")
        before = _bytes(rw.path)
        with pytest.raises(StoreReadOnly, match="opened read-only, so it cannot be changed; open it with Store.open"):
            write(ro)
        assert _bytes(rw.path) == before, name
        write(rw)  # the same call works read-write: the refusal above is the mode, not a bad call
    assert rw.audit_log(1)[0]["action"] == "x" and rw.record_counts() == {"victims": 1}


def test_duckdb_itself_is_opened_read_only(hub_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the store's own check: a write slipped into a read connection is refused by DuckDB, and the file
    can be read while another process holds it read-only (a read-write connection could not get in)."""
    rw = _filled(hub_home)
    ro = Store.open(hub_home, read_only=True)
    with pytest.raises(StoreReadOnly):
        with ro._connect() as con:  # a reading call's connection
            con.execute("INSERT INTO meta VALUES ('sneaked', 'in')")
    assert rw.meta_get("sneaked") is None
    proc = subprocess.Popen([sys.executable, "-c", HOLD_READ_ONLY, str(rw.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert ro.record_counts() == {"victims": 2}
        monkeypatch.setattr(connection, "LOCK_WAIT_SECONDS", 0.2)
        with pytest.raises(StoreLocked):
            rw.record_counts()
    finally:
        proc.wait(30)


def test_a_missing_store_is_not_created(tmp_path: Path) -> None:
    home = tmp_path / "nohub"
    with pytest.raises(StoreError, match="there is no store at .*store.duckdb .*`cthub init"):
        Store.open(home, read_only=True)
    assert not home.exists()


def test_an_older_store_is_not_upgraded_read_only(hub_home: Path) -> None:
    rw = _filled(hub_home)
    with duckdb.connect(str(rw.path)) as con:
        con.execute("ALTER TABLE rec_victims DROP COLUMN superseded_by")
        con.execute("ALTER TABLE batches DROP COLUMN cases")
    with pytest.raises(StoreError, match=r"older cthub and needs an upgrade \(batches.cases, rec_victims."
                                         r"superseded_by\); open it read-write once"):
        Store.open(hub_home, read_only=True)
    Store.open(hub_home)  # read-write: upgrades
    assert Store.open(hub_home, read_only=True).record_counts() == {"victims": 2}
