"""The PUBLIC release report: how the release is protected and how accurate its numbers are, from public inputs only.

The internal evaluation (`cthub.evaluate.core`) compares outputs with the raw records; none of that may be
published. This report is the part that can be: its inputs are the release's privacy statement (privacy.json), the
published synthetic and aggregate files, and the privacy dicts the DP mechanisms returned (their parameters, noise
scales and spends). It never receives a raw record, so by construction it can only show

- the parameters and the privacy statement in plain language (per output: what protects it, with its figures),
- the noisy counts the statement publishes,
- data-independent accuracy: the noise's standard deviation and 95% half-width from its scale (`accuracy`),
- comparisons between public outputs (synthetic file against published aggregates, `compare`): post-processing.

Inputs must be declared: a synthetic or aggregates frame, or a mechanism, whose output the statement does not list
is refused, so nothing undeclared can slip into the report. The bytes written depend on the inputs only (no clock,
no random ids), which a neighbouring-dataset test relies on.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from cthub.evaluate import accuracy, compare
from cthub.evaluate.report import _env, _num  # the template environment and filters shared with the internal report

PUBLIC_NOTICE = "Public report — built only from the published files and the privacy parameters"


class PublicReportError(ValueError):
    """The public report's inputs are not what a release publishes; the message says what to pass."""


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):  # numpy scalars
        return _jsonable(obj.item())
    return obj


def _fmt(x: Any) -> str:
    return _num(x, 3) if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def protection(guarantee: dict[str, Any]) -> str:
    """One output's guarantee in plain language, with its figures."""
    kind = guarantee.get("type")
    unit = guarantee.get("unit", "person")
    if kind == "dp":
        figures = ", ".join(f"{name} = {_fmt(guarantee[key])}" for key, name in
                            (("epsilon", "ε"), ("delta", "δ"), ("rho", "ρ")) if guarantee.get(key) is not None)
        mech = f" ({guarantee['mechanism']})" if guarantee.get("mechanism") else ""
        return (f"Differential privacy{mech}, {figures}, per {unit}: adding or removing any one {unit} changes the "
                f"probability of any content of this file by at most a factor e^ε, except with probability δ.")
    if kind == "k-anonymity":
        qi = ", ".join(guarantee.get("quasi_identifiers") or []) or "–"
        ld = guarantee.get("l_diversity") or {}
        ltext = ("; l-diversity: " + ", ".join(f"{c} has at least {v} distinct values in every group"
                                               for c, v in ld.items())) if ld else ""
        cols = guarantee.get("columns")
        ctext = f"; only these columns are published: {', '.join(cols)}" if cols else ""
        return (f"k-anonymity with k = {guarantee.get('k')} over the quasi-identifiers {qi}: every combination of "
                f"their values is shared by at least {guarantee.get('k')} records{ltext}{ctext}.")
    if kind == "threshold":
        t, r, e = guarantee.get("threshold"), guarantee.get("resolution"), guarantee.get("effective_threshold")
        src = guarantee.get("computed_from")
        stext = f" Computed from {src}, so it shows nothing that file does not." if src else ""
        return (f"Threshold rule: counts below {t} are suppressed and the others rounded down to a multiple of {r}, "
                f"so no count below {e} is published (effective threshold {e}).{stext}")
    if kind == "post-processing":
        of = ", ".join(guarantee.get("of") or []) or "other public outputs"
        note = f" ({guarantee['note']})" if guarantee.get("note") else ""
        return (f"Post-processing of {of}{note}: computed from published outputs only, so it carries their guarantee "
                f"and costs no further privacy.")
    if kind == "data-independent":
        basis = guarantee.get("basis") or "fixed inputs"
        return f"Data-independent: it does not depend on any record ({basis})."
    raise PublicReportError(f"unknown guarantee type {kind!r}; use dp, k-anonymity, threshold, post-processing or "
                            f"data-independent")


def _declared(statement: dict[str, Any], table: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in statement.get("outputs") or [] if o.get("table") == table and o.get("kind") == kind]


def _check_inputs(
    statement: dict[str, Any], synthetic: dict[str, pd.DataFrame], aggregates: dict[str, pd.DataFrame],
    mechanisms: dict[str, dict[str, dict]],
) -> None:
    if not isinstance(statement, dict) or "profile" not in statement or "outputs" not in statement:
        raise PublicReportError("statement must be the release's privacy.json content (with profile and outputs)")
    for what, frames in (("synthetic", synthetic), ("aggregates", aggregates)):
        for table in frames:
            if not _declared(statement, table, what):
                raise PublicReportError(f"{what} frame for table {table!r} is not a declared output of the statement; "
                                        f"pass only published files (declare it in privacy.json outputs first)")
    for table, frame in aggregates.items():
        if not {"selections", "length", "count"} <= set(frame.columns):
            raise PublicReportError(f"aggregates for table {table!r} need the columns selections, length, count")
    for table, kinds in mechanisms.items():
        for kind in kinds:
            if not any((o.get("guarantee") or {}).get("type") == "dp" for o in _declared(statement, table, kind)):
                raise PublicReportError(f"mechanism {table}/{kind} has no DP output of that table and kind in the "
                                        f"statement; pass the privacy dicts of the published DP outputs only")


def _derived_from_synthetic(statement: dict[str, Any], table: str) -> bool:
    """Are the table's aggregates declared as post-processing of its synthetic file (counted from the model)?

    Then comparing the two measures only the sampling of one model against itself: no information for a reader,
    and values that are often exactly 0 on one dataset and not on its neighbour by chance."""
    synthetic_paths = {o.get("path") for o in _declared(statement, table, "synthetic")}
    guarantees = [o.get("guarantee") or {} for o in _declared(statement, table, "aggregates")]
    return bool(guarantees) and all(g.get("type") == "post-processing" and synthetic_paths & set(g.get("of") or [])
                                    for g in guarantees)


def _scalars(params: dict[str, Any]) -> dict[str, Any]:
    """A mechanism's scalar parameters (lists and maps are left out: some were derived from the input)."""
    return {k: v for k, v in sorted(params.items()) if isinstance(v, (str, int, float, bool)) or v is None}


def _mechanism_summary(privacy: dict[str, Any]) -> dict[str, Any]:
    keep = ("method", "unit", "max_rows_per_person", "epsilon", "delta", "rho_spent")
    out = {k: privacy[k] for k in keep if k in privacy}
    out["spends"] = [{k: s[k] for k in ("what", "rho", "delta") if k in s} for s in privacy.get("spends") or []]
    out["parameters"] = _scalars(privacy.get("parameters") or {})
    return out


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(obj, dict):
        rows: list[tuple[str, str]] = []
        for k, v in obj.items():
            rows += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return rows
    return [(prefix, json.dumps(obj, ensure_ascii=False) if not isinstance(obj, str) else obj)]


def build_public_report(
    statement: dict[str, Any],
    synthetic: dict[str, pd.DataFrame],
    aggregates: dict[str, pd.DataFrame],
    mechanisms: dict[str, dict[str, dict]],
    title: str,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The report's content (what report.json holds), from public inputs only."""
    _check_inputs(statement, synthetic, aggregates, mechanisms)
    outputs = [{"path": o.get("path"), "table": o.get("table"), "kind": o.get("kind"),
                "protection": protection(o.get("guarantee") or {}), "guarantee": o.get("guarantee")}
               for o in statement.get("outputs") or []]
    st_tables = statement.get("tables") or {}
    names = list(dict.fromkeys([*st_tables, *synthetic, *aggregates, *mechanisms]))
    tables: dict[str, Any] = {}
    for name in names:
        record = (st_tables.get(name) or {}).get("records") or {}
        rows = []
        count = accuracy.count_row("record count", record) if record.get("guarantee") == "dp" else None
        if count:
            rows.append(count | {"output": "records"})
        mech = {}
        for kind, privacy in (mechanisms.get(name) or {}).items():
            width = synthetic[name].shape[1] if kind == "synthetic" and name in synthetic else None
            rows += [r | {"output": kind} for r in accuracy.mechanism_rows(privacy, columns=width)]
            mech[kind] = _mechanism_summary(privacy)
        entry: dict[str, Any] = {"records": record, "accuracy": rows, "mechanisms": mech}
        if name in synthetic:
            entry["synthetic_rows"] = int(len(synthetic[name]))
        if name in synthetic and name in aggregates and _derived_from_synthetic(statement, name):
            entry["comparison_note"] = ("the aggregates are counted from the synthesizer's model (post-processing), "
                                        "so they agree with the synthetic file up to sampling; not compared")
        elif name in synthetic and name in aggregates:
            n = record.get("value") if isinstance(record.get("value"), (int, float)) else None
            entry["comparison"] = {"one_way": compare.one_way(synthetic[name], aggregates[name], n),
                                   "two_way": compare.two_way(synthetic[name], aggregates[name], n)}
        tables[name] = entry
    return _jsonable({
        "kind": "public-report",
        "notice": PUBLIC_NOTICE,
        "title": title,
        "hub": context.get("hub"),
        "version": context.get("version"),
        "created": context.get("created"),
        "profile": statement.get("profile"),
        "unit": statement.get("unit"),
        "composed": statement.get("composed"),
        "budget": statement.get("budget"),
        "parameters": context.get("parameters") or {},
        "outputs": outputs,
        "tables": tables,
        "formulas": {"gaussian": accuracy.GAUSSIAN_FORMULA, "laplace": accuracy.LAPLACE_FORMULA,
                     "z_0975": accuracy.Z95},
    })


def _charts(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from cthub.evaluate import charts

    out: dict[str, dict[str, Any]] = {}
    for name, t in content["tables"].items():
        c: dict[str, Any] = {}
        gaussian = [(f"{r['output']}: {r['what']}", r["half_width_95"]) for r in t["accuracy"]]
        if gaussian:
            c["half_widths"] = Markup(charts.half_widths(gaussian))
        comp = (t.get("comparison") or {}).get("one_way") or {}
        c["one_way"] = [
            Markup(charts.share_bars(column, pd.DataFrame(
                {"label": list(col["values"]),
                 "left": [x["aggregates_share"] for x in col["values"].values()],
                 "right": [x["synthetic_share"] for x in col["values"].values()]})))
            for column, col in comp.items()
        ]
        out[name] = c
    return out


def render_public_report(
    out_dir: Path,
    statement: dict,
    synthetic: dict[str, pd.DataFrame],
    aggregates: dict[str, pd.DataFrame],
    mechanisms: dict[str, dict[str, dict]],
    title: str,
    context: dict,
) -> list[Path]:
    """Write `out_dir/report.html` (self-contained, SVG charts, no scripts) and `out_dir/report.json`.

    `statement` is the release's privacy.json; `synthetic` and `aggregates` the published frames by table;
    `mechanisms[table][kind]` the privacy dict the DP mechanism of that output returned; `context` may give
    hub, version, created (the release's, so the bytes do not depend on the clock) and parameters (the config).
    Returns the two paths, for the release's list of outputs (both are post-processing of the public outputs).
    """
    content = build_public_report(statement, synthetic, aggregates, mechanisms, title, context)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = _env.get_template("public_report.html").render(
        r=content, charts=_charts(content), title=title, notice=PUBLIC_NOTICE,
        parameters=_flatten(content["parameters"]), top=compare.TOP,
    )
    html_path, json_path = out_dir / "report.html", out_dir / "report.json"
    html_path.write_text(html, encoding="utf-8")
    json_path.write_text(json.dumps(content, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    return [html_path, json_path]
