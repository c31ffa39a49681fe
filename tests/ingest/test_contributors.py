"""`cthub.ingest.contributors` called directly: registering a contributor and withdrawing one of its batches, the
service `cthub contributor add`, `cthub withdraw` and the web areas share."""

from __future__ import annotations

import pytest

from cthub.config import ConfigError, load_config
from cthub.ingest import MappingError, ingest_file
from cthub.ingest.contributors import DEMO_CONTRIBUTORS, add_contributor, withdraw_batch
from cthub.store import Store, StoreError, UnknownBatch
from tests.web.accounts.helpers import csv_bytes, make_hub


def test_add_contributor_checks_the_mapping_and_the_id(tmp_path):
    home = make_hub(tmp_path / "hub")
    config = add_contributor(home, "shelter", "Shelter", "builtin:htcds")
    assert config.contributor("shelter").mapping == "builtin:htcds"
    assert load_config(home).contributor("shelter").name == "Shelter"  # saved, not only returned
    with pytest.raises(MappingError, match="no built-in mapping 'nope'"):
        add_contributor(home, "other", "Other", "builtin:nope")
    with pytest.raises(ConfigError):
        add_contributor(home, "shelter", "Again", "builtin:htcds")  # duplicate id
    with pytest.raises(ConfigError):
        add_contributor(home, "Bad Id!", "Bad", "builtin:htcds")
    assert [c.id for c in load_config(home).contributors] == ["ngo-a", "ngo-b", "shelter"]


def test_demo_contributors_load_their_builtin_mappings(tmp_path):
    from cthub.ingest.mapping import load_mapping

    assert [c.id for c in DEMO_CONTRIBUTORS] == ["casesys", "hotline", "htcds-ngo", "prosecutions"]
    for c in DEMO_CONTRIBUTORS:
        assert load_mapping(c.mapping).table in c.tables


def test_withdraw_batch_removes_records_audits_and_hides_other_organizations(tmp_path):
    home = make_hub(tmp_path / "hub")
    store = Store.open(home)
    upload = tmp_path / "calls.csv"
    upload.write_bytes(csv_bytes(rows=12))
    batch = ingest_file(store, "ngo-a", upload).batch_id
    assert store.record_counts()["victims"] == 12
    with pytest.raises(UnknownBatch, match="no batch"):  # another organization's batch answers as if absent
        withdraw_batch(store, batch, "bob", contributor="ngo-b")
    assert store.record_counts()["victims"] == 12
    assert withdraw_batch(store, batch, "ana", contributor="ngo-a", via="session") == 12
    assert store.record_counts().get("victims", 0) == 0 and store.batch(batch).status == "withdrawn"
    entry = next(e for e in store.audit_log(10) if e["action"] == "withdraw")
    assert entry["actor"] == "ana" and entry["target"] == batch
    assert entry["detail"] == {"records": 12, "contributor": "ngo-a", "via": "session"}
    with pytest.raises(StoreError, match="already withdrawn"):
        withdraw_batch(store, batch, "ana")
