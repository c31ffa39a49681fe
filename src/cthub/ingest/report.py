"""The validation report of one import: JSON for machines and the web, CSV for the contributor, a rich table for the
terminal. Values in it come from `transform.safe_value` (never a raw identifier) or are standard codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table as RichTable

MAX_GROUPS = 50


def problem_groups(problems: pd.DataFrame, limit: int = MAX_GROUPS) -> list[dict[str, Any]]:
    """Problems grouped by column, reason and severity, biggest first, with the first few row numbers."""
    if problems.empty:
        return []
    keys = ["column", "variable", "reason", "severity"]
    frame = problems[[*keys, "row"]].astype({k: "object" for k in keys})
    frame[keys] = frame[keys].where(frame[keys].notna(), "")
    sizes = frame.groupby(keys, sort=False).size().sort_values(ascending=False, kind="stable").head(limit)
    firsts = frame.groupby(keys, sort=False).head(10)
    rows: dict[tuple[str, ...], list[int]] = {}
    for rec in firsts.itertuples(index=False):
        key = (rec.column, rec.variable, rec.reason, rec.severity)
        if key in sizes.index:
            rows.setdefault(key, []).append(int(rec.row))
    out = []
    for key, count in sizes.items():
        out.append({**dict(zip(keys, key, strict=True)), "count": int(count), "rows": rows.get(key, [])})
    return out


def write_report(folder: Path, summary: dict[str, Any], problems: pd.DataFrame) -> dict[str, Path]:
    """report.json (summary + grouped problems), problems.csv (every bad cell), rejected.csv (quarantined rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = dict(summary)
    body["problem_groups"] = problem_groups(problems)
    files = {"json": folder / "report.json", "problems": folder / "problems.csv", "rejected": folder / "rejected.csv"}
    files["json"].write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
    safe = problems.copy()
    for col in ("column", "variable", "value", "reason", "severity"):
        if col in safe:
            text = safe[col].astype("string")
            risky = text.str.match(r"^[=+@\t\r]|^-(?!\d)").fillna(False).astype(bool)
            safe[col] = text.where(~risky, "'" + text)
    _write_csv(safe, files["problems"])
    _write_csv(safe[safe["severity"] == "rejected"], files["rejected"])
    return files


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV through pyarrow (a million-problem report in a second); every cell quoted, so no formula slips in."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="all_valid"))


def print_report(summary: dict[str, Any], problems: pd.DataFrame, console: Console | None = None) -> None:
    console = console or Console()
    t = RichTable(title=f"Import of {summary.get('file')}", show_header=False)
    t.add_column("what", style="bold")
    t.add_column("value")
    for key, label in (("contributor", "Contributor"), ("batch_id", "Batch"), ("mapping", "Mapping"),
                       ("table", "Standard table"), ("rows_read", "Rows read"), ("accepted", "Accepted"),
                       ("warned", "  of which with warnings"), ("rejected", "Rejected (quarantined)"),
                       ("report_dir", "Report")):
        if summary.get(key) is not None:
            t.add_row(label, str(summary[key]))
    cases = summary.get("cases") or {}
    if "new" in cases:
        t.add_row("Cases new / updated / unchanged",
                  f"{cases['new']:,} / {cases['updated']:,} / {cases['unchanged']:,}")
    if cases.get("without_case_id"):
        t.add_row("  rows without a case ID", f"{cases['without_case_id']:,}")
    if summary.get("export") == "full" and "new" in cases:
        gone = sum(int(m["cases"]) for m in cases.get("missing", []))
        t.add_row("Stored cases not in this full export", f"{gone:,}"
                  + (f" ({cases.get('removed', 0):,} superseded)" if cases.get("removed") else ""))
    console.print(t)
    for note in summary.get("notes", []):
        console.print(f"[yellow]note:[/] {note}")
    if summary.get("columns_unmapped"):
        console.print("[yellow]note:[/] columns nothing in the mapping names (read by no rule, not identifiers): "
                      + ", ".join(repr(c) for c in summary["columns_unmapped"]))
    if summary.get("columns_missing"):
        absent = ", ".join(f"{var} (from {' / '.join(cols)})" for var, cols in summary["columns_missing"].items())
        console.print(f"[yellow]note:[/] not in the file, left empty: {absent}")
    groups = problem_groups(problems, limit=15)
    if groups:
        p = RichTable(title="Problems (by column and reason)")
        for col in ("Column", "Variable", "Severity", "Count", "Reason", "First rows"):
            p.add_column(col, overflow="fold")
        for g in groups:
            p.add_row(str(g["column"] or "-"), str(g["variable"] or "-"), g["severity"], str(g["count"]),
                      str(g["reason"]), ", ".join(map(str, g["rows"][:5])))
        console.print(p)
