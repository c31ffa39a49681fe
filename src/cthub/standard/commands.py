"""`cthub standard codebook|dictionary|datapackage`: render the standard's documents into a folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from cthub.cli_options import fail
from cthub.standard.base import StandardError
from cthub.standard.model import Standard

app = typer.Typer(
    name="standard",
    help="The data standard: render its codebook, data dictionary and datapackage.json.\n\nExample: [bold]cthub standard codebook --out docs[/bold]",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

OUT_HELP = "Folder to write into (created if missing)."
TABLE_HELP = "Only this table (victims or victim_perpetrator); default: every table."
SCHEMA_HELP = "A standard folder (with standard.yaml) to use instead of the packaged one."


def _load(schema: Path | None, table: str | None) -> Standard:
    from cthub.standard.loader import load_standard

    try:
        std = load_standard(schema)
        if table is not None:
            std = Standard(
                version=std.version,
                title=std.title,
                description=std.description,
                tables_={table: std.table(table)},
                codelists=std.codelists,
                hierarchies=std.hierarchies,
                path=std.path,
            )
    except StandardError as exc:
        fail(str(exc), 2)
    return std


def _run(render: Callable[[Standard, Path], list[Path]], out: Path, table: str | None, schema: Path | None) -> None:
    std = _load(schema, table)
    try:
        paths = render(std, out)
    except StandardError as exc:
        fail(str(exc), 2)
    for path in paths:
        typer.echo(str(path))


@app.command("codebook")
def codebook(
    out: Path = typer.Option(..., "--out", "-o", help=OUT_HELP),
    table: str | None = typer.Option(None, "--table", "-t", help=TABLE_HELP),
    schema: Path | None = typer.Option(None, "--schema", help=SCHEMA_HELP),
) -> None:
    """Write codebook.html (one self-contained page) and codebook.md.

    Example: [bold]cthub standard codebook --out site/docs[/bold]
    """
    from cthub.standard.codebook import render_codebook

    _run(render_codebook, out, table, schema)


@app.command("dictionary")
def dictionary(
    out: Path = typer.Option(..., "--out", "-o", help=OUT_HELP),
    table: str | None = typer.Option(None, "--table", "-t", help=TABLE_HELP),
    schema: Path | None = typer.Option(None, "--schema", help=SCHEMA_HELP),
) -> None:
    """Write dictionary.csv (one row per variable) and dictionary.xlsx (plus every code and hierarchy step).

    Example: [bold]cthub standard dictionary --out docs --table victims[/bold]
    """
    from cthub.standard.dictionary import render_dictionary

    _run(render_dictionary, out, table, schema)


@app.command("datapackage")
def datapackage(
    out: Path = typer.Option(..., "--out", "-o", help=OUT_HELP),
    table: str | None = typer.Option(None, "--table", "-t", help=TABLE_HELP),
    schema: Path | None = typer.Option(None, "--schema", help=SCHEMA_HELP),
) -> None:
    """Write datapackage.json (Frictionless Table Schema per table, resources pointing at <table>.csv).

    Example: [bold]cthub standard datapackage --out release/ && frictionless validate release/datapackage.json[/bold]
    """
    from cthub.standard.datapackage import render_datapackage

    _run(render_datapackage, out, table, schema)


def register(app_: typer.Typer) -> None:
    """Add `cthub standard ...` to the `cthub` app."""
    app_.add_typer(app, name="standard")
