"""The classic profile from cthub.yaml: k-anonymized microdata with its allow-list and threshold aggregates counted
from it, the effective threshold stated, resolution 1 refused, and no release of almost unchanged data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from cthub.config import AggregatesConfig, ReleaseConfig, load_config
from cthub.release.manage import PublishRefused, discard_release, publish_release
from cthub.release.pipeline import ReleaseError, run_release
from cthub.release.reader import Release
from cthub.standard import load_standard
from cthub.store import Store
from tests.release.conftest import make_hub


@pytest.fixture(scope="module")
def classic_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # about 40,000 records: the standard's coarsest levels and l-diversity need a hub of that size at k = 11
    return make_hub(tmp_path_factory.mktemp("classic") / "hub", n=40_000, seed=5, profile="classic")


@pytest.mark.slow
def test_classic_release_from_cthub_yaml(classic_hub: Path) -> None:
    assert load_config(classic_hub).release.profile == "classic"  # read back from the hub's cthub.yaml
    res = run_release(classic_hub, seed=1, membership_check=False)
    assert res.status == "published", res.gates
    rel = Release(res.path)
    meta, statement = rel.meta, rel.privacy
    assert meta["profile"] == "classic" and meta["privacy"]["epsilon"] is None
    assert meta["privacy"]["effective_threshold"] == 20  # K=11, R=10: 11-19 round down to 10 and are withheld
    kinds = {o["kind"]: o["guarantee"] for o in statement["outputs"] if o.get("table") == "victims"}
    assert set(kinds) == {"kanon", "aggregates"} and not (res.path / "data" / "victims_synthetic.csv").exists()
    assert kinds["kanon"]["type"] == "k-anonymity" and kinds["kanon"]["k"] == 11
    assert kinds["aggregates"]["type"] == "threshold"
    assert kinds["aggregates"]["computed_from"] == ["data/victims_kanon.csv", "data/victims_kanon.parquet"]

    # the file carries the standard's allow-list only, and is k-anonymous on its quasi-identifiers (recounted)
    kanon = rel.kanon("victims")
    allowed = set(load_standard().table("victims").kanon_columns)
    assert set(kanon.columns) <= allowed and len(kanon.columns) < 20
    qi = kinds["kanon"]["quasi_identifiers"]
    sizes = kanon[qi].fillna("<NA>").value_counts()
    assert sizes.min() >= 11

    # every published aggregate cell is a count of the published file (nothing more precise than the microdata)
    agg = rel.aggregates("victims")
    assert agg["count"].min() >= 20
    for sel, count in agg.sample(min(len(agg), 200), random_state=0)[["selections", "count"]].itertuples(index=False):
        mask = pd.Series(True, index=kanon.index)
        for part in str(sel).split(";"):
            col, _, value = part.partition(":")
            mask &= (kanon[col] == value).fillna(False).astype(bool)
        true = int(mask.sum())
        assert count == (true // 10) * 10, sel

    # one more person: a second classic release would let anyone difference the two; refused, unless a reason is
    # given, which goes to the audit log
    store = Store.open(classic_hub)
    store.add_batch(contributor="ngo", sha256="c" * 64, tables={"victims": _person(1)}, file_name="one.csv")
    with pytest.raises(ReleaseError, match="only 1 person"):
        run_release(classic_hub, seed=2, membership_check=False)
    again = run_release(classic_hub, seed=2, membership_check=False, override_reason="annual report, reviewed",
                        actor="alice")
    assert again.status == "published"
    entries = [a for a in Store.open(classic_hub).audit_log(20) if a["action"] == "release.override"]
    assert entries and entries[0]["actor"] == "alice" and entries[0]["detail"]["reason"] == "annual report, reviewed"

    # a draft made with an override is checked again when published, against every classic release that is or was
    # public, discarded ones included (the reviewer's two bypasses)
    store.add_batch(contributor="ngo", sha256="d" * 64, tables={"victims": _person(2)}, file_name="two.csv")
    draft = run_release(classic_hub, seed=3, membership_check=False, draft=True, override_reason="preview")
    assert draft.status == "draft"
    with pytest.raises(PublishRefused, match="differs too little"):
        publish_release(classic_hub, draft.version)
    discard_release(classic_hub, again.version)
    with pytest.raises(PublishRefused, match=again.version):
        publish_release(classic_hub, draft.version)
    publish_release(classic_hub, draft.version, override_reason="board approved", actor="bob")
    assert [a["actor"] for a in Store.open(classic_hub).audit_log(5) if a["action"] == "publish.override"] == ["bob"]

    # the fingerprints are internal, keyed and private to the hub's owner
    prints = res.evaluation / "fingerprints.json"
    assert prints.is_file() and prints.stat().st_mode & 0o077 == 0


def _person(seed: int) -> pd.DataFrame:
    from cthub.sample.benchmark_table import make_benchmark_table

    return make_benchmark_table(1, seed=1000 + seed)


def test_resolution_one_and_threshold_aggregates_in_dp_are_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 2"):
        AggregatesConfig(resolution=1)
    with pytest.raises(ValidationError, match="classic profile"):
        ReleaseConfig(aggregates=AggregatesConfig(protection="threshold"))
    with pytest.raises(ValidationError, match="needs the dp profile"):
        ReleaseConfig(profile="classic", aggregates=AggregatesConfig(protection="synthetic"))
