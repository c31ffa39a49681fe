"""`cthub demo --no-serve` end to end at a tenth of the sample data: exports, init, ingest, release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.release.reader import latest_published


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    res = CliRunner().invoke(app, ["demo", "--home", str(home), "--no-serve", "--scale", "0.1", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert "cthub serve --home" in res.output
    rel = latest_published(home)
    assert rel is not None and rel.verify() == []
    meta = rel.meta
    assert meta["summary"]["contributors"] == 4
    assert meta["tables"]["victim_perpetrator"]["records"] > 700  # the prosecutions export (800 rows at 0.1)
    assert meta["tables"]["victims"]["records"] > 3000  # three contributors' exports, dirty rows quarantined
    assert meta["privacy"]["k"] == 11 and meta["gates"]["passed"]
    assert str(rel.path / "report.html") in res.output.replace("\n", "")
    metrics = json.loads((rel.path / "metrics.json").read_text())
    assert metrics["tables"]["victims"]["privacy"]["kanon"]["k_achieved"] >= 11
