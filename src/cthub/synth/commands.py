"""`cthub synth`: differentially private synthetic microdata from a CSV, with the privacy spent written beside it.

Domains come from the standard when the columns belong to one of its tables (or `--domain FILE`); any other column
has its values chosen privately. Multi-valued columns are the standard's `multi` variables or `--multi COL`, never
guessed from a ";" in a cell. delta is `--delta` or 1/(N ln N) from `--max-records N`, never derived from the data.
`--person COL` bounds each person to `--max-rows-per-person` rows first, so the stated epsilon is per person. The
summary prints counts and parameters only, never record values.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cthub.cli_options import Handled, friendly_errors
from cthub.privacy.domain import OutOfDomainWarning
from cthub.synth import registry
from cthub.synth.base import SynthError
from cthub.synth.registry import load_model
from cthub.tables.errors import TableError
from cthub.tables.values import bin_numeric, parse_multi_value

console = Console(stderr=True)

EXAMPLE = (
    "Example: cthub synth victims.csv --epsilon 4 --delta 1e-6 --out synthetic.csv --seed 1 --save-model model.npz\n\n"
    "More rows from a saved model (no further privacy cost): cthub synth --from-model model.npz --rows 50000 "
    "--out more.csv"
)


def read_csv_text(path: Path) -> pd.DataFrame:
    """Every column as text; an empty cell is missing (docs/contracts.md)."""
    if not path.exists():
        raise SynthError(f"input file not found: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    return df.astype("string")


def load_domain_file(path: Path) -> dict[str, list[str]]:
    """A JSON or YAML mapping column -> list of values (the public domain)."""
    if not path.exists():
        raise SynthError(f"domain file not found: {path}")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise SynthError(f"{path} must map each column to a list of values, e.g. {{gender: [Female, Male]}}")
    return {str(k): [str(x) for x in v] for k, v in data.items()}


def standard_domain(columns: list[str], table: str | None) -> tuple[dict[str, list[str]], str | None]:
    """Domains from the standard's table holding these columns (the named one, or the first holding them all)."""
    from cthub.synth.base import domain_from_standard

    try:
        from cthub.standard import load_standard

        std = load_standard()
    except Exception as exc:  # the standard is optional here: without it every domain is chosen privately
        console.print(f"[yellow]standard not available ({exc}); all value lists will be chosen privately")
        return {}, None
    names = [table] if table else list(std.tables)
    for name in names:
        if name not in std.tables:
            raise SynthError(f"the standard has no table {name!r}; choose one of {', '.join(std.tables)}")
        t = std.tables[name]
        known = [c for c in columns if c in t.columns]
        if table or len(known) == len(columns):
            return domain_from_standard(t, known), name
    return {}, None


def _parse_bins(specs: list[str] | None) -> dict[str, list[float]]:
    out = {}
    for spec in specs or []:
        name, _, edges = spec.partition(":")
        try:
            out[name] = [float(e) for e in edges.split(",") if e.strip()]
        except ValueError as exc:
            raise SynthError(f"--bins {spec!r}: write COLUMN:EDGE,EDGE,... e.g. age:0,9,18,21,24,27,30,39,48") from exc
        if not name or len(out[name]) < 1:
            raise SynthError(f"--bins {spec!r}: write COLUMN:EDGE,EDGE,... e.g. age:0,9,18,21,24,27,30,39,48")
    return out


def _write(df: pd.DataFrame, out: Path, privacy: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False, na_rep="")
    side = out.with_name(out.stem + ".privacy.json")
    side.write_text(json.dumps(privacy, indent=2, default=str), encoding="utf-8")
    return side


def synth(
    input_csv: Annotated[
        Path | None, typer.Argument(metavar="INPUT.csv", help="CSV to synthesize (all columns read as text).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the synthetic CSV.")] = Path("synthetic.csv"),
    epsilon: Annotated[float | None, typer.Option("--epsilon", help="Total privacy loss epsilon (> 0).")] = None,
    delta: Annotated[
        float | None, typer.Option("--delta", help="delta (or give --max-records).")
    ] = None,
    max_records: Annotated[
        int | None,
        typer.Option("--max-records", min=3, help="Public upper bound N on the records: delta = 1/(N ln N) if no --delta."),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option("--person", help="Column with the person key: bound each person to --max-rows-per-person rows "
                                      "(the column is not synthesized)."),
    ] = None,
    max_rows_per_person: Annotated[
        int, typer.Option("--max-rows-per-person", min=1, help="At most this many rows per person (default 1).")
    ] = 1,
    method: Annotated[str, typer.Option("--method", help=f"One of: {', '.join(registry.methods())}.")] = "mst",
    rows: Annotated[
        int | None, typer.Option("--rows", min=0, help="Rows to write; default the model's noisy record count.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for sampling (the DP noise is never seeded).")] = None,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Columns to synthesize, comma-separated (default: all).")
    ] = None,
    multi_value: Annotated[
        list[str] | None,
        typer.Option("--multi", "--multi-value", help="Multi-valued column as COL or COL:SEP (default ';'). Repeatable."),
    ] = None,
    domain_file: Annotated[
        Path | None, typer.Option("--domain", help="JSON/YAML: column -> public list of values (overrides the standard).")
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Standard table for domains (default: the one holding all columns).")
    ] = None,
    bins: Annotated[
        list[str] | None,
        typer.Option("--bins", help="Band a numeric column by public edges: COL:E1,E2,... (last band open). Repeatable."),
    ] = None,
    save_model: Annotated[
        Path | None, typer.Option("--save-model", help="Also save the fitted model (.npz) to sample more later.")
    ] = None,
    from_model: Annotated[
        Path | None, typer.Option("--from-model", help="Sample from a saved model instead of fitting (no privacy cost).")
    ] = None,
) -> None:
    """Write differentially private synthetic rows and OUT.privacy.json (epsilon, delta, rho, spends, parameters).

    [bold]Example:[/bold] cthub synth victims.csv --epsilon 4 --delta 1e-6 --out synthetic.csv --seed 1 --save-model model.npz

    More rows from a saved model, at no further privacy cost:
    cthub synth --from-model model.npz --rows 50000 --out more.csv
    """
    with friendly_errors(Handled((SynthError, TableError), 2)):
        if from_model is not None:
            model = load_model(from_model)
            n = registry.synthetic_rows(model, rows)
            data = model.sample(n, seed=seed)
            privacy = model.privacy | {"sampled_from": str(from_model), "rows": n, "seed": seed}
            side = _write(data, out, privacy)
            console.print(f"sampled {n} rows from {from_model} -> {out} (no further privacy cost); {side}")
            return
        if input_csv is None or epsilon is None:
            raise SynthError("give INPUT.csv and --epsilon (or --from-model FILE to sample a saved model)")
        df = read_csv_text(input_csv)
        if person is not None:
            from cthub.privacy import bound_contributions

            if person not in df.columns:
                raise SynthError(f"--person column {person!r} is not in {input_csv.name}")
            df, _dropped = bound_contributions(df, person, max_rows_per_person, seed=seed)
            df = df.drop(columns=[person])  # the key is never synthesized; the dropped count is not published
        cols = [c.strip() for c in columns.split(",") if c.strip()] if columns else list(df.columns)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise SynthError(f"--columns not in {input_csv.name}: {', '.join(missing)}")
        for name, edges in _parse_bins(bins).items():
            if name not in df.columns:
                raise SynthError(f"--bins column {name!r} is not in {input_csv.name}")
            df[name] = bin_numeric(df[name], edges)
        domain, std_table = standard_domain(cols, table)
        if domain_file is not None:
            domain.update(load_domain_file(domain_file))
        for name in _parse_bins(bins):
            edges = _parse_bins(bins)[name]
            domain[name] = list(dict.fromkeys(bin_numeric(pd.Series(edges), edges).dropna()))
        registry.method(method)  # an unknown name is refused before anything is read or spent
        mv = parse_multi_value(multi_value)
        if method == "mst":
            params: dict[str, Any] = {"columns": cols, "multi_value": mv}
        else:
            params = {"columns": cols}
            if mv:
                params["multi_value"] = mv
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True
        ) as bar:
            task = bar.add_task(f"fitting {method}", total=1.0)

            def progress(step: str, frac: float) -> None:
                bar.update(task, completed=frac, description=f"{method}: {step}")

            try:
                synthesizer = registry.build(method, progress=progress, **params)
            except TypeError:  # a method without a progress hook
                synthesizer = registry.build(method, **params)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = synthesizer.fit(df[cols], epsilon=epsilon, delta=delta, domain=domain,
                                        max_rows_per_person=max_rows_per_person, max_records=max_records)
            for message in sorted({str(w.message) for w in caught if issubclass(w.category, OutOfDomainWarning)}):
                console.print(f"[yellow]warning:[/yellow] {message}")
            n = registry.synthetic_rows(model, rows)
            bar.update(task, description="sampling")
            data = model.sample(n, seed=seed)
        privacy = model.privacy | {
            "input": input_csv.name,
            "rows": n,
            "seed": seed,
            "domains_from": {"standard_table": std_table, "file": str(domain_file) if domain_file else None},
        }
        side = _write(data, out, privacy)
        if save_model is not None:
            model.save(save_model)
        console.print(
            f"{method}: {n} synthetic rows x {len(cols)} columns -> {out}\n"
            f"spent epsilon={privacy['epsilon']:.4g}, delta={privacy['delta']:.3g} (rho={privacy['rho_spent']:.4g}); "
            f"details in {side}" + (f"; model saved to {save_model}" if save_model else "")
        )


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
    app.command("synth", epilog=EXAMPLE)(synth)
