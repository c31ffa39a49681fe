"""Write docs/cli.md, the command reference, from the commands themselves.

Hand-kept references drift from the code; this one is generated from the same click objects `--help` renders, and
`tests/docs/test_reference.py` fails when the committed file differs from what this script writes (as Datasette's
cog-generated docs do). Run it after changing a command, an option or a help text:

    .venv/bin/python scripts/cli_reference.py          # rewrite docs/cli.md
    .venv/bin/python scripts/cli_reference.py --check  # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import typer.main

from cthub.cli import app

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
HEADER = """# Command reference

Generated from the commands by `scripts/cli_reference.py` (a test fails when it is out of date): do not edit by
hand. Every command also answers `--help`, with examples.
"""


def _plain(text: str) -> str:
    """Help text without rich markup ([bold]...[/bold]) or click's no-rewrap marks."""
    return re.sub(r"\[/?[a-z ]+\]", "", text.replace("\b\n", "")).strip()


def _param_row(param: Any) -> str | None:
    """One table row for an option or argument, as --help describes it (typer vendors click: duck-typed)."""
    kind = getattr(param, "param_type_name", "")
    if kind == "option":
        if param.hidden or param.name == "help":
            return None
        names = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
        help_text = _plain(param.help or "").replace("|", "\\|").replace("\n", " ")
        default = ""
        if param.show_default is not False and param.default not in (None, False, (), []) and not param.is_flag:
            default = f" (default: `{param.default}`)"
        required = " **required**" if param.required else ""
        return f"| {names} |{required} {help_text}{default} |"
    if kind == "argument":
        meta = (param.name or "").upper()
        required = "" if param.required else " (optional)"
        help_text = _plain(getattr(param, "help", None) or "").replace("|", "\\|").replace("\n", " ")
        return f"| `{meta}`{required} | {help_text} |"
    return None


def _section(path: list[str], cmd: Any) -> list[str]:
    """The reference for one command, and for each subcommand of a group after it."""
    lines: list[str] = []
    if len(path) > 1:
        ctx = cmd.context_class(cmd, info_name=" ".join(path))
        pieces = [p if p == "[OPTIONS]" else p.replace("{", "").replace("}", "").upper()
                  for p in cmd.collect_usage_pieces(ctx)]
        lines += [f"{'#' * min(len(path), 4)} `{' '.join(path)}`", ""]
        if cmd.help:
            lines += [_plain(cmd.help), ""]
        lines += ["```", f"{' '.join(path)} {' '.join(pieces)}".rstrip(), "```", ""]
        rows = [r for r in (_param_row(p) for p in cmd.params) if r]
        if rows:
            lines += ["| option | meaning |", "|---|---|", *rows, ""]
    if hasattr(cmd, "list_commands"):
        ctx = cmd.context_class(cmd)
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines += _section([*path, name], sub)
    return lines


def render() -> str:
    """The whole reference as Markdown."""
    root = typer.main.get_command(app)
    return HEADER + "\n" + "\n".join(_section(["cthub"], root)).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md differs from the commands")
    args = ap.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run .venv/bin/python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
