"""`cthub aggregates`: protected counts of every combination of up to L values, from a CSV file.

Threshold protection streams the file in chunks (any size, bounded memory); DP protection reads it once into small
integer codes (2 bytes per cell) because its algorithm passes over the records several times.

DP needs a data-independent delta (`--delta`, or `--max-records N` for 1/(N ln N)); multi-valued columns are named
(`--multi COL`), never guessed from a ";" in a cell; `--person COL` bounds each person to `--max-rows-per-person`
rows first, so the stated epsilon is per person.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cthub.aggregates.errors import AggregatesError
from cthub.aggregates.selections import write_aggregates
from cthub.aggregates.threshold import threshold_aggregates
from cthub.cli_options import Handled, friendly_errors
from cthub.privacy.domain import OutOfDomainWarning
from cthub.privacy.marginals import DpParameters, dp_marginals
from cthub.tables.codes import StreamingEncoder, check_columns, prepare_multi
from cthub.tables.errors import TableError

CHUNK_ROWS = 500_000

EPILOG = (
    "Examples:\n\n"
    "  cthub aggregates victims.csv --length 3 --threshold 11 --resolution 10 --out out/victims_aggregates\n\n"
    "  cthub aggregates victims.csv --length 3 --epsilon 4 --delta 1e-6 --out out/victims_aggregates\n\n"
    "  cthub aggregates vp.csv --epsilon 4 --max-records 1000000 --multi IP_Gender --person victim --out out/vp\n\n"
    "Writes OUT.csv, OUT.parquet and OUT.privacy.json (rule or DP budget, and every parameter used)."
)


def _read_chunks(path: Path, columns: list[str] | None):  # noqa: ANN202 - an iterator of DataFrames
    return pd.read_csv(
        path, dtype="string", keep_default_na=False, na_values=[""], usecols=columns, chunksize=CHUNK_ROWS
    )


def _dp_chunks(path: Path, columns: list[str] | None, person: str | None, max_rows: int):  # noqa: ANN202
    """The records for DP: chunks, or with a person column the whole file bounded to `max_rows` rows per person
    (the person column dropped; how many rows were dropped is not published)."""
    if person is None:
        yield from _read_chunks(path, columns)
        return
    from cthub.privacy import bound_contributions

    use = None if columns is None else list(dict.fromkeys([*columns, person]))
    df = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""], usecols=use)
    if person not in df.columns:
        raise AggregatesError(f"--person column {person!r} is not in {path.name}")
    bounded, _dropped = bound_contributions(df, person, max_rows)
    yield bounded.drop(columns=[person])


def _count_rows(path: Path) -> int:
    with path.open("rb") as fh:
        return max(sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)


def _load_domain(path: Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AggregatesError(f"cannot read the domain file {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise AggregatesError(f"{path} must be a JSON object mapping each column to its list of values")
    return {str(k): [str(x) for x in v] for k, v in data.items()}


def aggregates(
    input: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV of records (empty cell = missing)."),
    length: int = typer.Option(3, "--length", "-l", min=1, help="Longest combination to count (reporting length)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output path without extension: writes OUT.csv/.parquet/.privacy.json."),
    threshold: int | None = typer.Option(None, "--threshold", "-k", min=1, help="Counts below this are not published (default 11)."),
    resolution: int | None = typer.Option(None, "--resolution", "-r", min=1, help="Round published counts down to a multiple of this (default 10)."),
    epsilon: float | None = typer.Option(None, "--epsilon", "-e", help="Use differential privacy with this epsilon instead of a threshold."),
    delta: float | None = typer.Option(None, "--delta", help="DP delta; or give --max-records."),
    max_records: int | None = typer.Option(None, "--max-records", min=3, help="DP: a public upper bound N on the records; delta = 1/(N ln N) when --delta is not given."),
    multi: list[str] | None = typer.Option(None, "--multi", help="DP: a multi-valued column, COL or COL:SEP (default ';'). Repeatable."),
    person: str | None = typer.Option(None, "--person", help="DP: column holding the person key; each person is bounded to --max-rows-per-person rows (the column is not aggregated)."),
    max_rows_per_person: int = typer.Option(1, "--max-rows-per-person", min=1, help="DP: at most this many rows per person (the input must hold no more, or give --person)."),
    columns: str | None = typer.Option(None, "--columns", help="Comma-separated columns to use (default: all, in file order)."),
    domain: Path | None = typer.Option(None, "--domain", exists=True, dir_okay=False, help="JSON {column: \\[values]} of public value lists (DP); other columns' values are selected privately."),
    fabrication_mode: str = typer.Option("uncontrolled", help="DP: uncontrolled | progressive | balanced | minimize (tolerated share of combinations that do not exist: 1, 1..0.01, 0.1, 0.01)."),
    accuracy_mode: str = typer.Option("prioritize_long_combinations", help="DP: prioritize_long_combinations | prioritize_short_combinations | balanced."),
    percentile: float = typer.Option(99.0, help="DP: percentile of per-record contributions used as the cap."),
) -> None:
    """Protected counts of every combination of up to --length values, in the Synthetic Data Showcase format."""
    console = Console(stderr=True)
    use = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    with friendly_errors(Handled((AggregatesError, TableError), 2)):
        if epsilon is not None and (threshold is not None or resolution is not None):
            raise AggregatesError("give either --epsilon (DP) or --threshold/--resolution, not both")
        total = _count_rows(input)
        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(), console=console)  # fmt: skip
        with progress:
            if epsilon is None:
                k, r = threshold or 11, resolution or 10
                task = progress.add_task("counting combinations", total=total)
                frame = threshold_aggregates(
                    _read_chunks(input, use), length, k, r, use, on_chunk=lambda n: progress.advance(task, n)
                )
                privacy: dict[str, Any] = {"method": "threshold", "threshold": k, "resolution": r, "length": length,
                           "rule": "counts below threshold not published; others rounded down to a multiple of "
                                   "resolution; a rounded count below threshold is not published"}  # fmt: skip
            else:
                params = DpParameters(reporting_length=length, fabrication_mode=fabrication_mode,
                                      accuracy_mode=accuracy_mode, percentile_percentage=percentile)  # fmt: skip
                params.validate()
                from cthub.tables.values import parse_multi_value

                mv = parse_multi_value(multi)
                dom = _load_domain(domain)
                task = progress.add_task("reading records", total=total)
                encoder, parts = None, []
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    for chunk in _dp_chunks(input, use, person, max_rows_per_person):
                        frame_c, dom_c, mv = prepare_multi(chunk, check_columns(chunk, use), dom, mv)
                        if encoder is None:
                            encoder = StreamingEncoder(list(frame_c.columns), dom_c)
                            public = [c in dom_c for c in encoder.columns]
                        parts.append(encoder.encode(frame_c))
                        progress.advance(task, len(chunk))
                for w in {str(w.message) for w in caught if issubclass(w.category, OutOfDomainWarning)}:
                    console.print(f"[yellow]warning:[/yellow] {w}")
                if encoder is None:
                    raise AggregatesError(f"{input} has no records")
                enc = encoder.encoded(np.concatenate(parts))
                level = progress.add_task("DP levels", total=length)
                result = dp_marginals(enc, epsilon, delta, public, params,
                                      on_level=lambda _k: progress.advance(level),
                                      max_rows_per_person=max_rows_per_person, max_records=max_records)  # fmt: skip
                frame, privacy = result.frame(), result.privacy
                privacy["parameters"]["multi_value"] = mv
        written = write_aggregates(frame, out, privacy)
    counts = frame.groupby("length").size().to_dict()
    console.print(f"{len(frame):,} combinations published ({', '.join(f'{v:,} of length {k}' for k, v in counts.items())})")
    for path in written:
        console.print(f"  wrote {path}")


def register(app: typer.Typer) -> None:
    """Add `cthub aggregates` to the `cthub` app."""
    app.command("aggregates", epilog=EPILOG)(aggregates)
