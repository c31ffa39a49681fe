"""`cthub.cli_options`: the one error helper and the shared options every command module uses."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cthub.cli_options import HOME_HELP, Handled, fail, friendly_errors

SRC = Path(__file__).resolve().parents[1] / "src" / "cthub"


class Fixable(Exception):
    pass


class Refusal(Fixable):
    pass


def _app(exc: Exception | None) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def run() -> None:
        with friendly_errors(Handled((Refusal,), 3, "refused"), Handled((Fixable,), 2),
                             Handled((FileExistsError,), 0, notice=True)):
            if exc is not None:
                raise exc
        typer.echo("done")

    return app


def test_named_errors_become_one_line_and_their_exit_code():
    runner = CliRunner()
    r = runner.invoke(_app(Refusal("over budget [rho 0.5]")), [])
    assert r.exit_code == 3 and "refused: over budget [rho 0.5]" in r.output  # brackets are not read as markup
    assert "Traceback" not in r.output
    r = runner.invoke(_app(Fixable("no hub at " + "/x" * 60)), [])  # never wrapped at the terminal's width
    assert r.exit_code == 2 and "error: no hub at " + "/x" * 60 in r.output
    r = runner.invoke(_app(FileExistsError("already imported")), [])
    assert r.exit_code == 0 and "already imported" in r.output and "error" not in r.output
    r = runner.invoke(_app(None), [])
    assert r.exit_code == 0 and "done" in r.output


def test_other_errors_propagate_unchanged():
    r = CliRunner().invoke(_app(KeyError("bug")), [])
    assert r.exit_code == 1 and isinstance(r.exception, KeyError)


def test_fail_prints_and_exits():
    with pytest.raises(typer.Exit) as info:
        fail("give one file", 2)
    assert info.value.exit_code == 2


def _defined_in_commands(flag: str) -> list[tuple[str, str]]:
    """(module, the call) for every option `flag` a commands module defines itself."""
    found = []
    for py in [*SRC.rglob("*commands.py")]:
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and any(isinstance(a, ast.Constant) and a.value == flag
                                                  for a in node.args):
                found.append((py.relative_to(SRC).as_posix(), ast.unparse(node)))
    return found


def test_home_and_json_are_defined_once():
    for flag in ("--home", "--json"):
        assert _defined_in_commands(flag) == [], f"define {flag} in cthub.cli_options, not in a commands module"
    from cthub.cli import app

    r = CliRunner().invoke(app, ["status", "--help"], terminal_width=200)
    assert " ".join(HOME_HELP.split()) in " ".join(r.output.split())
