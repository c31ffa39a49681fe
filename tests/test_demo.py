"""`cthub demo --no-serve` end to end at a tenth of the sample data: exports, init, ingest, the hotline's second
export (updated by case), release; no case ID or case key reaches the release."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.release.reader import latest_published, record_count
from cthub.store import Store

CASE_ID_PATTERNS = rb"CS-\d{4}-\d{6}|HL-\d{7}|NGO-\d{4}-\d{5}|PR-\d{4}-\d{6}"  # the sample contributors' IDs


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    res = CliRunner().invoke(app, ["demo", "--home", str(home), "--no-serve", "--scale", "0.1", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert "cthub serve --home" in res.output
    assert re.search(r"second export hotline-update\.csv: 60 new, 120 updated, 1,068 unchanged cases; 12 stored",
                     re.sub(r"\s+", " ", res.output)), res.output
    rel = latest_published(home)
    assert rel is not None and rel.verify() == []
    meta = rel.meta
    assert meta["summary"]["contributors"] == 4
    # the published counts are DP noisy counts: within 5 of their declared sigmas of the rows stored
    vp, victims = meta["tables"]["victim_perpetrator"]["records"], meta["tables"]["victims"]["records"]
    assert abs(record_count(meta["tables"]["victim_perpetrator"]) - 800) < 5 * vp["sigma"]  # prosecutions, 800 rows
    assert victims["guarantee"] == "dp" and record_count(meta["tables"]["victims"]) > 3000  # three exports
    assert meta["gates"]["passed"]
    store = Store.open(home)
    update = next(b for b in store.batches("hotline") if b.file_name == "hotline-update.csv")
    assert update.export == "full" and update.cases["updated"] == 120
    assert store.superseded_count() == 120
    # nothing of a case's identity is published: no case ID, no case key
    keys = {k.encode() for t in ("victims", "victim_perpetrator")
            for k in store.records(t, with_person=True)["_person"]}
    published = b"".join(p.read_bytes() for p in sorted(rel.path.rglob("*")) if p.is_file())
    assert re.search(CASE_ID_PATTERNS, published) is None
    assert not keys & set(re.findall(rb"[0-9a-f]{64}", published))
    assert (home / ".hub-key").stat().st_mode & 0o077 == 0


def test_demo_config_registers_the_sample_contributors() -> None:
    """`cthub.demo` (above the web, called directly): the demo hub is the four sample organizations, each with a
    built-in mapping that fills the tables it sends."""
    from cthub.demo import demo_config
    from cthub.ingest.contributors import DEMO_CONTRIBUTORS
    from cthub.sample.contributors import FILES

    config = demo_config("a demo")
    assert config.name == "a demo" and config.contributors == list(DEMO_CONTRIBUTORS)
    assert {c.id for c in config.contributors} <= set(FILES)  # every demo contributor has a sample export
