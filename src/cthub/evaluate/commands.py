"""`cthub evaluate`: the INTERNAL utility and privacy report for outputs made outside a release (or to re-check one).

It reads the raw records, so its report and metrics are internal: they carry no privacy guarantee and must not be
published (the public report of a release is `cthub.evaluate.public`, written by the release pipeline).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cthub.cli_options import HOME

console = Console(stderr=True)


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise typer.BadParameter(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path).astype("string")
    from cthub.tables.csv_safe import read_csv

    return read_csv(path)


def evaluate_command(
    real: Path = typer.Argument(..., help="Real records (CSV or Parquet, standard columns)."),
    synthetic: Path | None = typer.Argument(None, help="Synthetic microdata to evaluate (CSV or Parquet)."),
    kanon: Path | None = typer.Option(None, "--kanon", help="k-anonymized microdata to check."),
    aggregates: Path | None = typer.Option(None, "--aggregates", help="Protected aggregates (selections, length, count)."),
    qi: list[str] | None = typer.Option(None, "--qi", help="A quasi-identifier column (repeat the option)."),
    k: int = typer.Option(11, "--k", min=2, help="Counts below k are rare; k the k-anonymity target."),
    length: int = typer.Option(3, "--length", min=1, max=6, help="Longest attribute combination to compare."),
    epsilon: float | None = typer.Option(None, "--epsilon", help="Epsilon the synthetic data was made with."),
    delta: float | None = typer.Option(None, "--delta", help="Delta the synthetic data was made with."),
    gates: bool = typer.Option(False, "--gates", help="Also apply the hub's release gates (from cthub.yaml)."),
    home: Path | None = HOME,  # read only with --gates
    out: Path = typer.Option(Path("evaluation"), "--out",
                             help="Folder for the internal report.html and metrics.json (keep it private)."),
) -> None:
    """INTERNAL: compare protected outputs with the raw records (utility and privacy), as report.html + metrics.json.

    Internal tool: computed against the raw records, so its output must never be published.

    Example: [bold]cthub evaluate victims.csv victims_synthetic.csv --kanon victims_kanon.csv
    --qi gender --qi ageBroad --qi citizenship --k 11 --out report/[/bold]
    """
    from cthub.config import ConfigError, load_config
    from cthub.evaluate import evaluate

    if synthetic is None and kanon is None and aggregates is None:
        raise typer.BadParameter("give at least one output: SYNTH.csv, --kanon or --aggregates")
    frames = {"real": _read(real)}
    syn = _read(synthetic) if synthetic else None
    kan = _read(kanon) if kanon else None
    agg = pd.read_csv(aggregates, dtype={"selections": "string"}) if aggregates else None
    if agg is not None and not {"selections", "length", "count"} <= set(agg.columns):
        raise typer.BadParameter(f"{aggregates}: needs the columns selections, length, count")
    if kan is not None and not qi:
        raise typer.BadParameter("--kanon needs the quasi-identifiers: add --qi COLUMN for each")
    gate_cfg = None
    if gates:
        try:
            gate_cfg = load_config(home).release.gates
        except ConfigError as exc:
            raise typer.BadParameter(str(exc)) from exc
    privacy = {"epsilon": epsilon, "delta": delta, "synthetic": {"epsilon": epsilon, "delta": delta}} if epsilon else {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("evaluating", total=None)
        metrics = evaluate(
            frames["real"], kanon=kan, synthetic=syn, aggregates=agg, quasi_identifiers=list(qi or []), k=k,
            privacy=privacy, out_dir=out, table=real.stem, gates=gate_cfg, max_length=length,
            progress=lambda s: bar.update(task, description=s),
        )
    t = metrics["tables"][real.stem]
    console.print(f"[green]wrote[/green] {out / 'report.html'} and {out / 'metrics.json'}")
    console.print("[yellow]internal: computed against the raw records; never publish these files[/yellow]")
    if "kanon" in t["privacy"]:
        console.print(f"k achieved: {t['privacy']['kanon']['k_achieved']}")
    if "synthetic" in t["utility"]:
        s = t["utility"]["synthetic"]
        console.print(f"rare combinations reproduced: {s['total']['rare_leaked']} of {s['total']['rare_real']}; "
                      f"2-way mean abs error: {s['by_length'].get('2', {}).get('mean_abs_error')}")
    if metrics["gates"] is not None:
        ok = metrics["gates"]["passed"]
        console.print("[green]gates passed[/green]" if ok else "[red]gates failed[/red]")
        if not ok:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
    app.command("evaluate")(evaluate_command)
