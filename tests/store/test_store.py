"""The store's contract (docs/contracts.md): records, batches, withdrawal, ledger, releases, accounts, audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cthub import store as store_module
from cthub.store import DuplicateBatch, Store, StoreError, StoreLocked, UnknownBatch, connection


def _frame(n: int = 3, marker: str = "PH") -> pd.DataFrame:
    return pd.DataFrame(
        {"gender": ["Female", "Male", pd.NA] * (n // 3) + ["Female"] * (n % 3), "citizenship": [marker] * n},
        dtype="string",
    )


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = path.with_name(path.name + ".wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_open_creates_file_under_home(hub_home: Path) -> None:
    s = Store.open()
    assert s.path == hub_home / "store.duckdb"
    assert s.path.exists()
    assert s.batches() == []
    assert s.record_counts() == {}


def test_add_batch_and_read_records_back(hub_home: Path) -> None:
    s = Store.open()
    df = _frame(3)
    q = pd.DataFrame({"row_number": [7], "reasons": ["country: unknown"], "data": ['{"citizenship": "Atlantis"}']})
    b = s.add_batch(contributor="c1", sha256="a" * 64, tables={"victims": df}, file_name="x.csv",
                    mapping="builtin:htcds", mapping_version="1", warned=1, quarantine=q)
    assert (b.accepted, b.warned, b.rejected, b.rows_total, b.status) == (3, 1, 1, 4, "active")
    got = s.records("victims")
    assert list(got.columns)[:2] == ["gender", "citizenship"] or set(df.columns) <= set(got.columns)
    assert all(str(t) == "string" for t in got.dtypes)
    assert got["gender"].isna().sum() == 1
    assert sorted(got["gender"].dropna()) == ["Female", "Male"]
    meta = s.records("victims", with_meta=True)
    assert set(meta["contributor"]) == {"c1"} and set(meta["batch_id"]) == {b.batch_id}
    assert s.record_counts() == {"victims": 3}
    assert s.quarantine(b.batch_id)["row_number"].tolist() == [7]
    assert s.quarantine_size() == 1
    assert s.batch(b.batch_id).file_name == "x.csv"
    assert [x.batch_id for x in s.batches("c1")] == [b.batch_id]
    assert s.batches("other") == []


def test_same_file_twice_is_refused_and_changes_nothing(hub_home: Path) -> None:
    s = Store.open()
    b = s.add_batch(contributor="c1", sha256="f" * 64, tables={"victims": _frame(3)})
    with pytest.raises(DuplicateBatch) as err:
        s.add_batch(contributor="c1", sha256="f" * 64, tables={"victims": _frame(3)})
    assert err.value.batch_id == b.batch_id
    assert s.record_counts() == {"victims": 3}
    # another contributor may send an identical file
    s.add_batch(contributor="c2", sha256="f" * 64, tables={"victims": _frame(3)})
    assert s.record_counts() == {"victims": 6}


def test_replace_swaps_records_in_one_step(hub_home: Path) -> None:
    s = Store.open()
    old = s.add_batch(contributor="c1", sha256="1" * 64, tables={"victims": _frame(6)})
    new = s.add_batch(contributor="c1", sha256="2" * 64, tables={"victims": _frame(2)}, replace=old.batch_id)
    assert s.record_counts() == {"victims": 2}
    assert s.batch(old.batch_id).status == "replaced"
    assert s.batch(old.batch_id).replaced_by == new.batch_id
    assert new.replaces == old.batch_id
    with pytest.raises(StoreError, match="belongs to"):
        s.add_batch(contributor="c2", sha256="3" * 64, tables={"victims": _frame(1)}, replace=new.batch_id)
    with pytest.raises(UnknownBatch):
        s.add_batch(contributor="c1", sha256="4" * 64, tables={"victims": _frame(1)}, replace="nope")
    assert s.record_counts() == {"victims": 2}  # failed transactions left nothing behind


def test_withdraw_removes_the_bytes(hub_home: Path) -> None:
    s = Store.open()
    keep = s.add_batch(contributor="c1", sha256="5" * 64, tables={"victims": _frame(3)})
    marker = "WITHDRAWME" + "Q" * 40
    q = pd.DataFrame({"row_number": [2], "reasons": ["x"], "data": [json.dumps({"citizenship": marker})]})
    gone = s.add_batch(contributor="c1", sha256="6" * 64, tables={"victims": _frame(3, marker="XK")},
                       quarantine=q)
    with duckdb.connect(str(s.path)) as con:
        con.execute("CHECKPOINT")
    assert marker.encode() in _file_bytes(s.path)  # the check below is meaningful
    assert s.withdraw(gone.batch_id) == 3
    assert marker.encode() not in _file_bytes(s.path)
    assert s.batch(gone.batch_id).status == "withdrawn"
    assert s.batch(gone.batch_id).withdrawn_at is not None
    assert s.record_counts() == {"victims": 3}
    assert set(s.records("victims", with_meta=True)["batch_id"]) == {keep.batch_id}
    assert s.quarantine(gone.batch_id).empty
    with pytest.raises(StoreError, match="already withdrawn"):
        s.withdraw(gone.batch_id)
    with pytest.raises(UnknownBatch):
        s.withdraw("nope")
    # the store still works after the rewrite
    s.add_batch(contributor="c1", sha256="7" * 64, tables={"victims": _frame(1)})
    assert s.record_counts() == {"victims": 4}


def test_ledger_sums_rho(hub_home: Path) -> None:
    s = Store.open()
    assert s.ledger_spent_rho() == 0.0
    assert s.ledger().empty
    s.ledger_add("2026.01.01", "victims", "mst", 1.0, 1e-6, 0.02)
    s.ledger_add("2026.01.01", "victims", "dp_aggregates", 0.5, None, 0.005)
    assert s.ledger_spent_rho() == pytest.approx(0.025)
    led = s.ledger()
    assert led["mechanism"].tolist() == ["mst", "dp_aggregates"]
    assert led["id"].tolist() == [1, 2]
    with pytest.raises(StoreError):
        s.ledger_add("2026.01.01", "victims", "x", 1.0, None, -1.0)


def test_releases_index(hub_home: Path) -> None:
    s = Store.open()
    s.release_add("2026.01.01", hub_home / "releases" / "2026.01.01", "draft", {"records": 10})
    s.release_add("2026.01.01.2", "p", "failed", {})
    s.release_set_status("2026.01.01", "published")
    rel = s.releases()
    assert [r["version"] for r in rel] == ["2026.01.01", "2026.01.01.2"]
    assert rel[0]["status"] == "published" and rel[0]["summary"] == {"records": 10}
    with pytest.raises(StoreError, match="never reused"):
        s.release_add("2026.01.01", "p", "draft", {})
    with pytest.raises(StoreError, match="not one of"):
        s.release_set_status("2026.01.01", "gone")
    with pytest.raises(StoreError, match="no release"):
        s.release_set_status("1999.01.01", "draft")


def test_accounts_tokens_audit(hub_home: Path) -> None:
    s = Store.open()
    s.user_add("ana", "argon2$hash", "contributor", "hotline")
    with pytest.raises(StoreError, match="already exists"):
        s.user_add("ana", "h", "admin")
    s.user_update("ana", role="admin", disabled=True)
    u = s.user_get("ana")
    assert u is not None and u["role"] == "admin" and u["disabled"] is True and u["contributor"] == "hotline"
    assert s.user_get("bob") is None
    with pytest.raises(StoreError, match="cannot update"):
        s.user_update("ana", password="plain")
    assert [x["username"] for x in s.users()] == ["ana"]
    from datetime import UTC, datetime, timedelta

    s.token_add("h1", "ana", "session", datetime.now(UTC) + timedelta(hours=1))
    s.token_add("h2", "ana", "session", datetime.now(UTC) - timedelta(hours=1))
    assert s.token_get("h1")["username"] == "ana"
    assert s.token_get("h2") is None  # expired
    s.token_revoke("h1")
    assert s.token_get("h1") is None
    s.token_add("a1", "ana", "api")
    s.token_add("s1", "ana", "session")
    assert s.tokens_revoke_user("ana", purpose="api") == 1
    assert s.token_get("a1") is None and s.token_get("s1") is not None
    assert s.tokens_revoke_user("ana") == 2 and s.token_get("s1") is None  # s1 and the expired h2
    for i in range(3):
        s.audit("ana", "upload", f"batch-{i}", {"n": i})
    log = s.audit_log(2)
    assert [e["target"] for e in log] == ["batch-2", "batch-1"]
    assert log[0]["detail"] == {"n": 2}
    assert not any(hasattr(s, name) for name in ("audit_delete", "audit_update"))


HOLD = "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(1.5)"


def test_locked_file_retries_then_clear_error(hub_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Store.open()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(s.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        monkeypatch.setattr(connection, "LOCK_WAIT_SECONDS", 0.2)
        with pytest.raises(StoreLocked, match="locked by another process"):
            s.batches()
        monkeypatch.setattr(connection, "LOCK_WAIT_SECONDS", 15.0)
        assert s.batches() == []  # waits for the other process to let go
    finally:
        proc.wait(20)


def test_threads_share_the_store(hub_home: Path) -> None:
    """A threaded web server reads while it writes: connections in one process must not refuse each other."""
    from concurrent.futures import ThreadPoolExecutor

    s = Store.open()

    def work(i: int) -> int:
        if i % 2:
            s.audit("t", "x", str(i), {})
            return 1
        return len(s.batches()) + len(s.audit_log(5)) * 0

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(work, range(12))) == 6
    assert len(s.audit_log(100)) == 6


def _keys(*names: str) -> pd.Series:
    return pd.Series([n * 64 for n in names], dtype="string")


def test_cases_upsert_and_history(hub_home: Path) -> None:
    """A case sent again replaces its rows only when they differ; replacing or withdrawing the newer batch brings the
    older version back; records() shows current versions only."""
    s = Store.open()
    b1 = s.add_batch(contributor="c1", sha256="a1" * 32, tables={"victims": _frame(3)},
                     case_keys={"victims": _keys("a", "b", "c")})
    changed = _frame(3)
    changed.loc[0, "gender"] = "Male"
    b2 = s.add_batch(contributor="c1", sha256="a2" * 32, tables={"victims": changed},
                     case_keys={"victims": _keys("a", "b", "c")})
    assert {k: b2.cases[k] for k in ("new", "updated", "unchanged")} == {"new": 0, "updated": 1, "unchanged": 2}
    assert s.record_counts() == {"victims": 3} and s.superseded_count() == 1
    cur = s.records("victims", with_meta=True, with_person=True)
    assert cur.loc[cur["_person"] == "a" * 64, "batch_id"].tolist() == [b2.batch_id]
    # the same key from another contributor is another person
    s.add_batch(contributor="c2", sha256="a3" * 32, tables={"victims": _frame(3)},
                case_keys={"victims": _keys("a", "b", "c")})
    assert s.record_counts() == {"victims": 6}
    s.withdraw(b2.batch_id)
    cur = s.records("victims", with_meta=True, with_person=True)
    assert cur.loc[cur["contributor"] == "c1", "batch_id"].tolist() == [b1.batch_id] * 3
    assert s.superseded_count() == 0
    # full export: the missing case is counted against its batch, and superseded only on request
    full = s.add_batch(contributor="c1", sha256="a4" * 32, tables={"victims": _frame(3)[:2]},
                       case_keys={"victims": _keys("a", "b")}, export="full", remove_missing=True)
    assert [(m["batch_id"], m["cases"]) for m in full.cases["missing"]] == [(b1.batch_id, 1)]
    assert full.cases["removed"] == 1 and s.record_counts() == {"victims": 5}
    with pytest.raises(StoreError, match="full export"):
        s.add_batch(contributor="c1", sha256="a5" * 32, tables={"victims": _frame(1)}, remove_missing=True)


def test_withdraw_case_and_old_stores(hub_home: Path) -> None:
    s = Store.open()
    s.add_batch(contributor="c1", sha256="b1" * 32, tables={"victims": _frame(3)}, case_keys={"victims": _keys(
        "d", "e", "f")})
    s.add_batch(contributor="c1", sha256="b2" * 32, tables={"victim_perpetrator": pd.DataFrame(
        {"gender": ["Female", "Female"]}, dtype="string")}, case_keys={"victim_perpetrator": _keys("d", "d")})
    with pytest.raises(store_module.UnknownCase):
        s.withdraw_case("c2", "d" * 64)
    assert s.withdraw_case("c1", "d" * 64)["records"] == {"victims": 1, "victim_perpetrator": 2}
    assert b"d" * 64 not in _file_bytes(s.path)
    assert s.record_counts() == {"victims": 2, "victim_perpetrator": 0}
    # a store made before case keys: its rows get fresh keys, each its own case
    with duckdb.connect(str(s.path)) as con:
        con.execute("ALTER TABLE rec_victims DROP COLUMN case_key")
        con.execute("ALTER TABLE rec_victims DROP COLUMN superseded_by")
        con.execute("ALTER TABLE batches DROP COLUMN cases")
    s = Store.open()
    people = s.records("victims", with_person=True)["_person"]
    assert people.notna().all() and people.nunique() == 2 and people.str.fullmatch(r"[0-9a-f]{64}").all()
    assert s.batches()[0].cases == {}


# -- file modes (issue 14, item 8) --------------------------------------------------------------------------------
def test_hub_files_are_private_whatever_the_umask(tmp_path):
    import stat

    from cthub.config import HubConfig, save_config

    old = os.umask(0o022)
    try:
        home = tmp_path / "hub"
        save_config(HubConfig(name="t"), home)  # written before the store, as `cthub init` does
        store = Store.open(home)
        store.audit("admin", "x", None, {})
        for path, want in [(home, 0o700), (home / "store.duckdb", 0o600), (home / "cthub.yaml", 0o600),
                           (home / "reports", 0o700), (home / "uploads", 0o700), (home / "evaluations", 0o700)]:
            assert stat.S_IMODE(path.stat().st_mode) == want, path.name
        (home / "store.duckdb").chmod(0o644)  # a hub made by an older version is tightened when opened
        Store.open(home)
        assert stat.S_IMODE((home / "store.duckdb").stat().st_mode) == 0o600
    finally:
        os.umask(old)
