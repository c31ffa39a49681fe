"""`cthub kanon` end to end through typer: files written, report, refusals, errors that say what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cthub.deid import commands
from cthub.deid.commands import read_table_csv, write_checked_csv
from cthub.deid.kanon import KAnonymityError
from tests.deid.helpers import pycanon_k, random_table

QIS = ["gender", "ageBroad", "citizenship", "year"]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    commands.register(app)

    @app.callback()
    def main() -> None:  # keep "kanon" as a subcommand
        pass

    return app


def test_kanon_writes_k_anonymous_csv_and_report(app: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    df = random_table(2000, seed=21)
    df.to_csv(src, index=False)
    out, rep = tmp_path / "out.csv", tmp_path / "rep.json"
    hier = tmp_path / "h.yaml"
    hier.write_text(
        "ageBroad:\n  levels: [majority]\n  values:\n"
        + "".join(f"    '{v}': [{'Minor' if v in ('0--8', '9--17') else 'Adult'}]\n"
                  for v in ["0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"])
    )  # fmt: skip
    result = CliRunner().invoke(
        app,
        ["kanon", str(src), "--qi", ",".join(QIS), "--k", "11", "--out", str(out), "--report", str(rep),
         "--hierarchies", str(hier), "--l-diversity", "outcome:2", "--drop", "id"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = read_table_csv(out)
    assert pycanon_k(written, QIS) >= 11
    assert "id" not in written.columns
    report = json.loads(rep.read_text())
    assert report["k_achieved"] >= 11
    assert report["hierarchy_source"]["ageBroad"] == "given"
    assert report["levels"]["ageBroad"]["depth"] == 3
    assert "l-diversity of outcome: asked 2" in result.output
    assert report["uncovered_values"] == {"citizenship": 40}  # fake codes are not ISO countries: hidden, and said so
    # the summary never shows record values (ids, countries)
    assert "r1" not in result.output and "C01" not in result.output


def test_kanon_refuses_k_larger_than_table(app: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    random_table(5, seed=22).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["kanon", str(src), "--qi", "gender,year", "--out", str(out)])
    assert result.exit_code == 2
    assert "larger than the table" in result.output
    assert not out.exists()


def test_kanon_missing_input_and_bad_column(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["kanon", str(tmp_path / "nope.csv"), "--qi", "a", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output
    src = tmp_path / "in.csv"
    random_table(50, seed=23).to_csv(src, index=False)
    result = CliRunner().invoke(app, ["kanon", str(src), "--qi", "gender,nope", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "'nope'" in result.output


def test_writer_refuses_a_table_that_is_not_k_anonymous(tmp_path: Path) -> None:
    bad = pd.DataFrame({"a": ["x", "x", "y"], "b": ["1", "1", "1"]}).astype("string")
    out = tmp_path / "out.csv"
    with pytest.raises(KAnonymityError, match="refusing to write"):
        write_checked_csv(bad, out, ["a", "b"], 2, {})
    assert not out.exists() and not list(tmp_path.iterdir())


def test_missing_and_star_round_trip_through_csv(tmp_path: Path) -> None:
    t = pd.DataFrame({"a": ["*", "*", None, None], "b": ["1", "1", "1", "1"]}).astype("string")
    out = tmp_path / "out.csv"
    write_checked_csv(t, out, ["a", "b"], 2, {})
    back = read_table_csv(out)
    assert back["a"].isna().sum() == 2 and (back["a"] == "*").sum() == 2


def test_kanon_fix_pins_a_level(app: typer.Typer, tmp_path: Path) -> None:
    src, out, rep = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "r.json"
    random_table(1500, seed=24).to_csv(src, index=False)
    args = ["kanon", str(src), "--qi", "gender,year", "--k", "5", "--out", str(out), "--report", str(rep)]
    result = CliRunner().invoke(app, [*args, "--fix", "year:0"])
    assert result.exit_code == 0, result.output
    assert json.loads(rep.read_text())["levels"]["year"]["level"] == 0
    result = CliRunner().invoke(app, [*args, "--fix", "year"])
    assert result.exit_code == 2 and "COLUMN:LEVEL" in result.output


def test_kanon_columns_and_person_options(app: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    df = random_table(1500, seed=22)
    df = pd.concat([df, df.iloc[:300]], ignore_index=True)  # 300 persons with two rows each
    df.to_csv(src, index=False)
    out, rep = tmp_path / "out.csv", tmp_path / "rep.json"
    result = CliRunner().invoke(
        app,
        ["kanon", str(src), "--qi", ",".join(QIS), "--k", "11", "--out", str(out), "--report", str(rep),
         "--columns", "gender,ageBroad,citizenship,year,outcome", "--person", "id", "--max-suppression", "0.2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = read_table_csv(out)
    assert list(written.columns) == ["gender", "ageBroad", "citizenship", "year", "outcome"]
    report = json.loads(rep.read_text())
    assert report["persons"] == 1500 and report["records"] == 1800
    joined = written.astype(object).fillna("<missing>").assign(id=df["id"].astype(object))
    assert int(joined.groupby(QIS)["id"].nunique().min()) >= 11


def test_kanon_coarsest_and_weight_options(app: typer.Typer, tmp_path: Path) -> None:
    from cthub.sample.benchmark_table import QUASI_IDENTIFIERS, make_benchmark_table

    src = tmp_path / "in.csv"
    make_benchmark_table(3000, 0).to_csv(src, index=False)
    out, rep = tmp_path / "out.csv", tmp_path / "rep.json"
    base = ["kanon", str(src), "--qi", ",".join(QUASI_IDENTIFIERS), "--out", str(out), "--report", str(rep)]
    refused = CliRunner().invoke(app, base)  # the standard's coarsest levels: too few rows for them
    assert refused.exit_code == 2 and "allowed levels" in refused.output
    result = CliRunner().invoke(app, [*base, "--coarsest", "none", "--no-l-diversity", "--weight", "gender:5"])
    assert result.exit_code == 0, result.output
    report = json.loads(rep.read_text())
    assert report["weights"]["gender"] == 5.0
    assert report["coarsest"]["citizenship"]["name"] == "*"
    bad = CliRunner().invoke(app, [*base, "--weight", "gender"])
    assert bad.exit_code == 2 and "COLUMN:W" in bad.output
