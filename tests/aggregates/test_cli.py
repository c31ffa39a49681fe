"""`cthub aggregates` end to end on a small CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from cthub.cli import app
from tests.aggregates.helpers import fake_table


def test_threshold_and_dp_commands_write_their_files(tmp_path: Path) -> None:
    src = tmp_path / "victims.csv"
    fake_table(2000, seed=3).to_csv(src, index=False)
    runner = CliRunner()
    res = runner.invoke(app, ["aggregates", str(src), "--length", "2", "-k", "11", "-r", "5", "--out", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    frame = pd.read_parquet(tmp_path / "t.parquet")
    assert list(frame.columns) == ["selections", "length", "count"]
    assert (frame["count"] % 5 == 0).all() and (frame["count"] >= 11).all()
    assert json.loads((tmp_path / "t.privacy.json").read_text())["threshold"] == 11

    res = runner.invoke(app, ["aggregates", str(src), "--length", "2", "--epsilon", "2", "--out", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    privacy = json.loads((tmp_path / "d.privacy.json").read_text())
    assert abs(privacy["epsilon"] - 2) < 1e-6 and privacy["spends"]
    assert len(pd.read_csv(tmp_path / "d.csv")) > 0

    res = runner.invoke(app, ["aggregates", str(src), "--epsilon", "2", "-k", "5", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "not both" in res.output
