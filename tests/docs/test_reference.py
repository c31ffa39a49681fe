"""The documentation is tested against the code (as Datasette's is): every `cthub.yaml` key and every command.

A key added to `cthub.config` without a line in docs/configuration.md, a documented key that no longer exists, a
command without help, or a docs/cli.md that differs from what the commands print each fail here.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from cthub.config import HubConfig

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cli_reference.py"


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (`X`, `X | None`, `list[X]`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted key of a config model; a list of models is written `key[].field`."""
    out: list[str] = []
    for name, field in model.model_fields.items():
        key = prefix + name
        out.append(key)
        inner = _model_of(field.annotation)
        if inner is not None:
            is_list = typing.get_origin(field.annotation) is list
            out += _keys(inner, key + ("[]." if is_list else "."))
    return out


def _documented() -> set[str]:
    """Keys named in the first column of docs/configuration.md's tables."""
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9_\[\].]+)` \|", text, flags=re.M))


def test_every_config_key_is_documented_and_every_documented_key_exists() -> None:
    keys = set(_keys(HubConfig))
    # sections whose keys are all listed are documented by their keys (a heading names the section)
    sections = {k for k in keys if any(other.startswith(k + ".") or other.startswith(k + "[].") for other in keys)}
    documented = _documented()
    missing = sorted(keys - sections - documented)
    assert not missing, f"cthub.yaml keys with no line in docs/configuration.md: {missing}"
    stale = sorted(documented - keys)
    assert not stale, f"docs/configuration.md documents keys cthub.yaml no longer has: {stale}"
    assert {"release.synth.method", "release.max_rows_per_person", "contributors[].mapping"} <= documented


def _reference() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["cli_reference"] = module
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_generated_from_the_commands() -> None:
    reference = _reference()
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == reference.render(), "docs/cli.md is out of date: run .venv/bin/python scripts/cli_reference.py"


def test_every_command_has_help_and_a_reference_section() -> None:
    import typer.main

    from cthub.cli import app

    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    seen = 0

    def walk(path: list[str], cmd: typing.Any) -> None:
        nonlocal seen
        if len(path) > 1:
            seen += 1
            assert (cmd.help or "").strip(), f"`{' '.join(path)}` has no help text"
            assert f"`{' '.join(path)}`" in committed, f"`{' '.join(path)}` is missing from docs/cli.md"
        if hasattr(cmd, "list_commands"):
            ctx = cmd.context_class(cmd)
            for name in cmd.list_commands(ctx):
                walk([*path, name], cmd.get_command(ctx, name))

    walk(["cthub"], root)
    assert seen >= 20  # the hub has at least init ... serve; a broken walk would check nothing
