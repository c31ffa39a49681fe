"""`cthub aggregates` end to end on a small CSV."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
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
    assert res.exit_code == 2 and "--max-records" in res.output  # no delta is derived from the data
    res = runner.invoke(app, ["aggregates", str(src), "--length", "2", "--epsilon", "2", "--max-records", "100000",
                              "--out", str(tmp_path / "d")])  # fmt: skip
    assert res.exit_code == 0, res.output
    privacy = json.loads((tmp_path / "d.privacy.json").read_text())
    assert abs(privacy["epsilon"] - 2) < 1e-6 and privacy["spends"]
    assert abs(privacy["delta"] - 1 / (100000 * math.log(100000))) < 1e-15
    assert len(pd.read_csv(tmp_path / "d.csv")) > 0

    res = runner.invoke(app, ["aggregates", str(src), "--epsilon", "2", "-k", "5", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "not both" in res.output


def test_dp_command_bounds_persons_and_names_multi_valued_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 1500
    df = pd.DataFrame({
        "victim": [f"v{i // 5}" for i in range(n)],  # five rows per person
        "IP_Gender": rng.choice(["Female", "Male", "Female;Male"], n),
        "x": rng.choice(["0", "1"], n),
    })  # fmt: skip
    src = tmp_path / "vp.csv"
    df.to_csv(src, index=False)
    (tmp_path / "dom.json").write_text(json.dumps({"IP_Gender": ["Female", "Male"], "x": ["0", "1"]}))
    res = CliRunner().invoke(app, [
        "aggregates", str(src), "--length", "1", "--epsilon", "3", "--delta", "1e-6", "--domain",
        str(tmp_path / "dom.json"), "--multi", "IP_Gender", "--person", "victim", "--max-rows-per-person", "2",
        "--out", str(tmp_path / "o"),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    privacy = json.loads((tmp_path / "o.privacy.json").read_text())
    assert privacy["max_rows_per_person"] == 2 and privacy["unit"] == "person"
    assert privacy["parameters"]["columns"] == ["IP_Gender", "x"]  # the person key is never aggregated
    counts = dict(zip(*[pd.read_csv(tmp_path / "o.csv")[c] for c in ("selections", "count")]))
    assert abs(counts["IP_Gender:Female|Male"] - 200) < 80  # 300 persons x 2 rows, a third of them sets
    # the record count spends a sliver of rho (discrete Laplace, scale ~130 here): only its post-processing is fixed
    assert isinstance(privacy["records_noisy"], int) and privacy["records"] >= privacy["records_noisy"]


def test_codec_errors_are_reported_like_the_stage_s_own(tmp_path: Path) -> None:
    """A bad --multi spec (an error of the shared codec) exits 2 with the message, no traceback, no file."""
    src = tmp_path / "victims.csv"
    fake_table(50, seed=1).to_csv(src, index=False)
    runner = CliRunner()
    res = runner.invoke(app, ["aggregates", str(src), "--length", "1", "--epsilon", "1", "--max-records", "1000",
                              "--multi", ":;", "--out", str(tmp_path / "m")])  # fmt: skip
    assert res.exit_code == 2 and "give a column name" in res.output, res.output
    assert not (tmp_path / "m.csv").exists()
