"""`cthub kanon`: k-anonymize any CSV with the engine the release pipeline uses.

The command writes nothing it has not re-read and recounted: the output goes to a temporary file next to the target,
is read back as a publisher's user would read it, its classes are counted again, and only a k-anonymous file is
renamed into place. Summaries show counts and levels, never record values.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cthub.cli_options import Handled, friendly_errors
from cthub.deid.hierarchy import HierarchyError, load_hierarchy_files
from cthub.deid.kanon import KAnonymityError, anonymize, parse_l_diversity
from cthub.deid.metrics import violations

console = Console(stderr=True)


def read_table_csv(path: Path) -> pd.DataFrame:
    """Every column as text; an empty cell is missing (docs/contracts.md). pyarrow's reader is 4x faster."""
    opts: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    try:
        df = pd.read_csv(path, engine="pyarrow", **opts)
    except Exception:  # noqa: BLE001 - odd files (ragged rows, BOMs): let the C parser try and explain
        try:
            df = pd.read_csv(path, encoding="utf-8-sig", **opts)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise KAnonymityError(f"{path} is not a readable CSV ({exc}); save it as UTF-8 CSV with a header row") from None
    return df.astype("string")


def write_table_csv(table: pd.DataFrame, path: Path) -> None:
    """Missing as an empty cell, quotes only where needed."""
    arrow = pa.Table.from_pandas(table.astype("string"), preserve_index=False)
    pacsv.write_csv(arrow, path, pacsv.WriteOptions(quoting_style="needed"))


def write_checked_csv(table: pd.DataFrame, out: Path, qis: list[str], k: int, ldiv: dict[str, int]) -> None:
    """Write, re-read, recount; rename into place only when the file itself is k-anonymous."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write_table_csv(table, tmp)
        problems = violations(read_table_csv(tmp), qis, k, ldiv)
        if problems:
            raise KAnonymityError(
                f"refusing to write {out}: the output is not {k}-anonymous ({'; '.join(problems)}). "
                "This is a bug in cthub; please report it with the command you ran (not the data)."
            )
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def _parse_fix(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        col, sep, level = item.rpartition(":")
        if not sep or not col or not level.strip().isdigit():
            raise KAnonymityError(f"--fix takes COLUMN:LEVEL (e.g. citizenship:0), got {item!r}")
        out[col] = int(level)
    return out


def _parse_coarsest(items: list[str]) -> dict[str, int | str] | None:
    """None (the standard's limits) unless given; 'none' lifts every limit."""
    if not items:
        return None
    out: dict[str, int | str] = {}
    for item in items:
        if item.strip().lower() == "none":
            continue
        col, sep, level = item.rpartition(":")
        if not sep or not col or not level.strip():
            raise KAnonymityError(f"--coarsest takes COLUMN:LEVEL (e.g. citizenship:1 or citizenship:un_region), got {item!r}")
        out[col] = int(level) if level.strip().isdigit() else level.strip()
    return out


def _parse_weights(items: list[str]) -> dict[str, float] | None:
    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        col, sep, w = item.rpartition(":")
        try:
            out[col] = float(w)
        except ValueError:
            col, sep = "", ""
        if not sep or not col:
            raise KAnonymityError(f"--weight takes COLUMN:W (e.g. CountryOfExploitation:3), got {item!r}")
    return out


def _summary(report: dict[str, Any], out: Path) -> None:
    sup = report["suppression"]
    loss = report["information_loss"]
    risk = report["risk"]
    head = Table(title=f"k-anonymized {report['records']} records -> {out}", show_header=True)
    head.add_column("quasi-identifier")
    head.add_column("level")
    head.add_column("suppressed cells", justify="right")
    head.add_column("loss", justify="right")
    head.add_column("hierarchy from")
    for q in report["quasi_identifiers"]:
        lv = report["levels"][q]
        head.add_row(
            q,
            f"{lv['level']}/{lv['depth'] - 1} {lv['name']}",
            str(sup["cells_per_column"][q]),
            f"{loss['per_column'][q]:.3f}",
            report["hierarchy_source"].get(q, ""),
        )
    console.print(head)
    cls = report["classes"]
    console.print(
        f"k requested {report['k']}, achieved [bold]{report['k_achieved']}[/bold]; {cls['classes']} classes "
        f"(median size {cls['median']:g}, largest {cls['max']})"
    )
    for col, d in report["l_diversity"].items():
        console.print(f"l-diversity of {col}: asked {d['l']}, achieved {d['achieved']}")
    console.print(
        f"suppressed {sup['cells']} QI cells in {sup['records_touched']} records "
        f"({100 * sup['records_touched_share']:.2f} %, limit {sup['budget_records']} records); "
        f"{sup['records_fully_suppressed']} records have every QI hidden"
    )
    console.print(
        f"information loss {loss['total']:.4f} (generalization {loss['generalization']:.4f}, suppression "
        f"{loss['suppression']:.4f}); discernibility {loss['discernibility']}"
    )
    console.print(
        f"prosecutor risk: max {risk['output']['max']:.3f} (input {risk['input']['max']:.3f}), average "
        f"{risk['output']['average']:.4f} (input {risk['input']['average']:.4f}); records above "
        f"{risk['output']['threshold']}: {risk['output']['records_above_threshold']} "
        f"(input {risk['input']['records_above_threshold']})"
    )
    if report.get("dropped_columns"):
        console.print(f"dropped direct identifiers: {', '.join(report['dropped_columns'])}")
    if report.get("uncovered_values"):
        console.print(
            "[yellow]values outside their hierarchy (generalized straight to '*'): "
            + ", ".join(f"{c}: {n}" for c, n in report["uncovered_values"].items())
        )


def kanon(
    input_csv: Annotated[Path, typer.Argument(metavar="INPUT.csv", help="CSV to protect (all columns read as text).")],
    qi: Annotated[str, typer.Option("--qi", help="Quasi-identifier columns, comma-separated.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the k-anonymized CSV.")],
    k: Annotated[int, typer.Option("--k", min=1, help="Every QI combination must match at least k records.")] = 11,
    report_path: Annotated[Path | None, typer.Option("--report", help="Also write the full report as JSON.")] = None,
    hierarchies: Annotated[
        list[str] | None,
        typer.Option(
            "--hierarchies",
            help="Hierarchy file: YAML (column -> {value: [level1, ...]}) or ARX-style CSV given as COLUMN=FILE.csv. "
            "Repeatable. Columns without one use the standard's hierarchy, else value -> '*'.",
        ),
    ] = None,
    max_suppression: Annotated[
        float, typer.Option("--max-suppression", min=0.0, max=1.0, help="Share of records local suppression may touch.")
    ] = 0.05,
    l_diversity: Annotated[
        list[str] | None,
        typer.Option("--l-diversity", help="COLUMN:L: every class needs L distinct values of COLUMN. Repeatable."),
    ] = None,
    drop: Annotated[str | None, typer.Option("--drop", help="Direct identifiers to remove, comma-separated.")] = None,
    fix: Annotated[
        list[str] | None,
        typer.Option("--fix", help="COLUMN:LEVEL pins a QI's generalization level (0 = original). Repeatable."),
    ] = None,
    risk_threshold: Annotated[
        float, typer.Option("--risk-threshold", help="Report the records whose prosecutor risk exceeds this.")
    ] = 0.2,
    suppression_weight: Annotated[
        float, typer.Option("--suppression-weight", min=0.0, help="Loss of one suppressed cell (1 = loss of '*').")
    ] = 1.0,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help="Columns the output may carry, comma-separated (default: every column)."),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option("--person", help="Column holding a person key: classes count distinct persons; not written."),
    ] = None,
    no_l_diversity: Annotated[
        bool, typer.Option("--no-l-diversity", help="Switch off the standard's default l-diversity (l=2 on flags).")
    ] = False,
    coarsest: Annotated[
        list[str] | None,
        typer.Option("--coarsest", help="COLUMN:LEVEL (number or level name): the coarsest level the search may pick "
                     "for a QI; 'none' lifts the standard's limits. Repeatable."),
    ] = None,
    weight: Annotated[
        list[str] | None,
        typer.Option("--weight", help="COLUMN:W: weight of a QI's information loss (default: the standard's, else 1). "
                     "Repeatable."),
    ] = None,
) -> None:
    """k-anonymize a CSV with the least information lost (generalization lattice + local cell suppression).

    Example: cthub kanon victims.csv --qi gender,ageBroad,citizenship,CountryOfExploitation,yearOfRegistration
    --k 11 --out victims_k11.csv --report k11.json
    """
    qis = [q.strip() for q in qi.split(",") if q.strip()]
    with friendly_errors(Handled((KAnonymityError, HierarchyError), 2)):
        if not input_csv.is_file():
            raise KAnonymityError(f"{input_csv} does not exist; give the path of a CSV file")
        df = read_table_csv(input_csv)
        # None: the standard's default (l=2 on the published sensitive flags it lists); {}: off
        ldiv_arg: dict[str, int] | None = parse_l_diversity(l_diversity) if l_diversity else None
        if no_l_diversity:
            ldiv_arg = {}
        allow = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
        fixed = _parse_fix(fix or [])
        caps = _parse_coarsest(coarsest or [])
        weights = _parse_weights(weight or [])
        hier = load_hierarchy_files(hierarchies or [], list(df.columns))
        with Progress(
            TextColumn("searching generalizations"), BarColumn(), TextColumn("{task.completed}/{task.total} nodes"),
            TimeElapsedColumn(), console=console, transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("search", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            res = anonymize(
                df, qis, k=k, hierarchies=hier, max_suppression=max_suppression, l_diversity=ldiv_arg,
                columns=allow, person=person, coarsest=caps, weights=weights,
                suppression_weight=suppression_weight, risk_threshold=risk_threshold,
                drop=[c.strip() for c in (drop or "").split(",") if c.strip()], fixed_levels=fixed, progress=tick,
            )  # fmt: skip
        ldiv = {c: int(d["l"]) for c, d in (res.report.get("l_diversity") or {}).items()}
        published = [q for q in qis if q in res.table.columns]
        write_checked_csv(res.table, out, published, k, ldiv)
        if report_path is not None:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(json.dumps(res.report, indent=2), encoding="utf-8")
    _summary(res.report, out)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
    app.command("kanon")(kanon)
