"""`cthub synth` end to end on a small CSV: output, privacy file beside it, saved model, more rows for free."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from cthub.cli import app
from tests.synth.conftest import DOMAIN, make_table


def test_synth_command_writes_rows_privacy_and_model(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    make_table(1500).to_csv(src, index=False, na_rep="")
    dom = tmp_path / "domain.json"
    dom.write_text(json.dumps(DOMAIN))
    out = tmp_path / "syn.csv"
    model = tmp_path / "m.npz"
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["synth", str(src), "--epsilon", "2", "--delta", "1e-6", "--rows", "700", "--seed", "3", "--out", str(out),
         "--domain", str(dom), "--columns", "a,b,c", "--save-model", str(model)],
    )
    assert res.exit_code == 0, res.output
    syn = pd.read_csv(out, dtype=str)
    assert len(syn) == 700 and list(syn.columns) == ["a", "b", "c"]
    privacy = json.loads((tmp_path / "syn.privacy.json").read_text())
    assert privacy["epsilon"] == pytest_approx(2.0) and privacy["delta"] == 1e-6
    assert privacy["rows"] == 700 and privacy["seed"] == 3 and privacy["parameters"]["columns"] == ["a", "b", "c"]
    assert model.exists()
    more = tmp_path / "more.csv"
    res = runner.invoke(app, ["synth", "--from-model", str(model), "--rows", "50", "--out", str(more), "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(more, dtype=str)) == 50
    assert json.loads((tmp_path / "more.privacy.json").read_text())["rho_spent"] == privacy["rho_spent"]


def test_synth_command_errors_say_what_to_do(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "--epsilon" in res.output
    src = tmp_path / "in.csv"
    make_table(50).to_csv(src, index=False)
    res = runner.invoke(app, ["synth", str(src), "--epsilon", "1", "--columns", "zz", "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "zz" in res.output
    res = runner.invoke(app, ["synth", "--help"])
    assert res.exit_code == 0 and "Example" in res.output


def pytest_approx(x: float):  # noqa: ANN201
    import pytest

    return pytest.approx(x, abs=1e-6)


def test_synth_command_bins_numbers_by_public_edges(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    src = tmp_path / "in.csv"
    pd.DataFrame({"age": rng.integers(0, 70, 800), "g": rng.choice(["0", "1"], 800)}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    res = CliRunner().invoke(
        app, ["synth", str(src), "--epsilon", "2", "--delta", "1e-6", "--bins", "age:0,18,48", "--out", str(out),
              "--domain", str(_write_domain(tmp_path))]
    )
    assert res.exit_code == 0, res.output
    syn = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(syn["age"]) <= {"0--17", "18--47", "48+", ""}
    assert len(set(syn["age"]) - {""}) == 3


def _write_domain(tmp_path: Path) -> Path:
    path = tmp_path / "dom.yaml"
    path.write_text("g: ['0', '1']\n")
    return path


def test_synth_command_bounds_persons_names_sets_and_takes_a_public_bound(tmp_path: Path) -> None:
    import math

    import numpy as np

    rng = np.random.default_rng(8)
    n = 1200
    df = pd.DataFrame({
        "victim": [f"v{i // 4}" for i in range(n)],  # four rows per person
        "g": rng.choice(["Female", "Male", "Female;Male"], n),
        "h": rng.choice(["0", "1"], n),
    })  # fmt: skip
    src = tmp_path / "vp.csv"
    df.to_csv(src, index=False)
    dom = tmp_path / "domain.json"
    dom.write_text(json.dumps({"g": ["Female", "Male"], "h": ["0", "1"]}))
    out = tmp_path / "syn.csv"
    res = CliRunner().invoke(app, [
        "synth", str(src), "--epsilon", "3", "--max-records", "100000", "--person", "victim",
        "--max-rows-per-person", "2", "--multi", "g", "--domain", str(dom), "--seed", "1", "--out", str(out),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    privacy = json.loads((tmp_path / "syn.privacy.json").read_text())
    assert privacy["max_rows_per_person"] == 2 and privacy["unit"] == "person"
    assert privacy["delta"] == pytest_approx(1 / (100000 * math.log(100000)))
    syn = pd.read_csv(out, dtype=str, keep_default_na=False, na_values=[""])
    assert list(syn.columns) == ["g", "h"]  # the person key is never synthesized
    assert abs(len(syn) - 600) < 100  # rows: the model's noisy count of the 300 x 2 bounded rows
    assert "Female;Male" in set(syn["g"].dropna())  # a declared set column keeps its sets
