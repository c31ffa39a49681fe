"""`cthub sample generate|table`: write fake contributor exports or a CTDC-shaped benchmark table."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(
    name="sample",
    help="Realistic fake data for trying cthub out and for benchmarks (never real records).\n\n"
    "Example: [bold]cthub sample generate --out sample-exports[/bold]",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.command("generate")
def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write the exports and expected.json into (created)."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed and scale give byte-identical files."),
    scale: float = typer.Option(
        1.0, "--scale", help="Row-count factor: 1.0 = 20,000 casesys + 12,000 hotline + 6,000 htcds-ngo rows."
    ),
) -> None:
    """Write three fictional contributors' raw exports (XLSX, CSV, HTCDS template XLSX) with planted dirt.

    The files carry fake names and phone numbers on purpose: ingest must drop them. expected.json lists the row
    counts and the exact dirt planted (invalid ages, future dates, unknown countries, blank rows).

    Example: [bold]cthub sample generate --out exports --seed 1 --scale 0.1[/bold]
    """
    from rich.progress import Progress

    from cthub.sample.contributors import CONTRIBUTORS, EXPECTED_FILE, write_sample_exports

    if scale <= 0:
        raise typer.BadParameter("must be > 0, e.g. --scale 0.1 for a tenth of the rows", param_hint="--scale")
    with Progress(transient=True) as progress:
        task = progress.add_task("writing exports", total=len(CONTRIBUTORS))
        paths = write_sample_exports(out, seed=seed, scale=scale, progress=lambda _c: progress.advance(task))
    expected = json.loads((out / EXPECTED_FILE).read_text(encoding="utf-8"))["contributors"]
    for contributor, path in paths.items():
        info = expected[contributor]
        dirt = ", ".join(f"{k} {v}" for k, v in info["dirt"].items())
        typer.echo(f"{contributor:10} {path}  {info['records']:,} records ({dirt})")
    typer.echo(f"expected counts: {out / EXPECTED_FILE}")


@app.command("table")
def table(
    out: Path = typer.Option(..., "--out", help="File to write: .csv or .parquet."),
    rows: int = typer.Option(80_000, "--rows", help="Number of rows."),
    columns: int = typer.Option(20, "--columns", help="20 = the benchmark table; more = the wide variant."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same table."),
) -> None:
    """Write a CTDC-shaped victims table in the standard's codes (for benchmarks against other tools).

    Example: [bold]cthub sample table --out bench.csv --rows 80000[/bold]
    """
    from cthub.sample.benchmark_table import iter_wide_chunks

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise typer.BadParameter("use a .csv or .parquet file name, e.g. --out bench.csv", param_hint="--out")
    if rows < 0:
        raise typer.BadParameter("must be >= 0", param_hint="--rows")
    try:
        chunks = iter_wide_chunks(rows, chunk=max(rows, 1), n_columns=columns, seed=seed)
        frame = next(chunks, None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--columns") from exc
    if frame is None:
        from cthub.sample.benchmark_table import make_wide_table

        frame = make_wide_table(0, n_columns=columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    typer.echo(f"wrote {len(frame):,} rows x {frame.shape[1]} columns to {out}")


def register(app_: typer.Typer) -> None:
    """Add `cthub sample ...` to the `cthub` app."""
    app_.add_typer(app, name="sample")
