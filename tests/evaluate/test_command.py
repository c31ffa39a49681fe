from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from cthub.cli import app
from cthub.tables.csv_safe import write_csv


def test_evaluate_command(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"gender": rng.choice(["Female", "Male"], 300), "age": rng.choice(["9--17", "48+"], 300),
                         "x": rng.choice(["1", "0"], 300)}).astype("string")
    write_csv(real, tmp_path / "victims.csv")
    write_csv(real.iloc[::-1], tmp_path / "syn.csv")
    res = CliRunner().invoke(app, ["evaluate", str(tmp_path / "victims.csv"), str(tmp_path / "syn.csv"),
                                   "--kanon", str(tmp_path / "victims.csv"), "--qi", "gender", "--qi", "age",
                                   "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["internal"] is True and "never publish" in res.output
    assert "raw records; never publish" in (tmp_path / "out" / "report.html").read_text()
    assert "INTERNAL" in CliRunner().invoke(app, ["evaluate", "--help"]).output
    assert m["tables"]["victims"]["privacy"]["kanon"]["k_achieved"] >= 11
    assert m["tables"]["victims"]["utility"]["synthetic"]["total"]["mean_abs_error"] == 0
    bad = CliRunner().invoke(app, ["evaluate", str(tmp_path / "victims.csv"), "--out", str(tmp_path / "o2")])
    assert bad.exit_code != 0 and "at least one output" in bad.output
