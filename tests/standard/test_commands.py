"""`cthub standard codebook|dictionary|datapackage` through the real CLI app."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cthub.cli import app

runner = CliRunner()


def test_help_has_example() -> None:
    result = runner.invoke(app, ["standard", "--help"])
    assert result.exit_code == 0 and "codebook" in result.output and "Example" in result.output
    for command in ("codebook", "dictionary", "datapackage"):
        result = runner.invoke(app, ["standard", command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, command


def test_each_command_writes_its_files(tmp_path: Path) -> None:
    expected = {
        "codebook": ["codebook.html", "codebook.md"],
        "dictionary": ["dictionary.csv", "dictionary.xlsx"],
        "datapackage": ["datapackage.json"],
    }
    for command, names in expected.items():
        out = tmp_path / command
        result = runner.invoke(app, ["standard", command, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir()) == sorted(names)
        assert all(str(out / n) in result.output for n in names)


def test_table_option_limits_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["standard", "dictionary", "--out", str(tmp_path), "--table", "victim_perpetrator"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "dictionary.csv").read_text().splitlines()
    assert len(lines) == 1 + 16 and all(line.startswith("victim_perpetrator,") for line in lines[1:])


def test_unknown_table_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["standard", "codebook", "--out", str(tmp_path), "--table", "victim"])
    assert result.exit_code == 2
    assert "no table 'victim'" in result.output and "victims, victim_perpetrator" in result.output
    assert not list(tmp_path.iterdir())


def test_broken_schema_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["standard", "codebook", "--out", str(tmp_path / "o"), "--schema", str(tmp_path)])
    assert result.exit_code == 2 and "standard.yaml" in result.output
