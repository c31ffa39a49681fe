"""The INTERNAL evaluation: measure what a release keeps (utility) and what it could reveal (privacy).

Everything here is computed against the raw records (exact combination counts, errors against them, rare
combinations, distances to the closest record, membership inference, predictive utility, association heatmaps), so
none of it is covered by the release's guarantee: the pipeline writes it to `<hub>/evaluations/<version>/`, which
only admins see, and never into a release folder. The public report is `cthub.evaluate.public`, built from public
artifacts only.

`evaluate` handles one table as in docs/contracts.md; `evaluate_tables` handles a whole release (one report and
one metrics file for all its tables). Metrics are plain JSON; charts are computed alongside and only go into the
HTML report. Nothing here ever emits a record: only counts, shares and category labels.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cthub.config import Gates
from cthub.evaluate import charts
from cthub.evaluate.association import cramers_v_matrix
from cthub.evaluate.gates import check_gates
from cthub.evaluate.marginals import aggregate_stats, combination_stats, one_way
from cthub.evaluate.predictive import predictive_utility
from cthub.evaluate.privacy import distance_to_closest, dp_advantage_bound, k_anonymity, membership_inference
from cthub.tables.shared import encode

Progress = Callable[[str], None]


@dataclass
class Membership:
    """Data for the membership-inference attack: a synthesizer fitted on `members` only, its output `synthetic`."""

    members: pd.DataFrame
    non_members: pd.DataFrame
    synthetic: pd.DataFrame


@dataclass
class TableEvaluation:
    name: str
    metrics: dict[str, Any]
    charts: dict[str, Any] = field(default_factory=dict)


def _noop(_: str) -> None:
    return None


def evaluate_table(
    name: str,
    real: pd.DataFrame,
    kanon: pd.DataFrame | None = None,
    synthetic: pd.DataFrame | None = None,
    aggregates: pd.DataFrame | None = None,
    quasi_identifiers: list[str] | None = None,
    k: int = 11,
    privacy: dict[str, Any] | None = None,
    max_length: int = 3,
    membership: Membership | None = None,
    targets: list[str] | None = None,
    seed: int = 0,
    progress: Progress = _noop,
) -> TableEvaluation:
    """All metrics and charts of one table."""
    privacy = dict(privacy or {})
    qi = list(quasi_identifiers or [])
    started = time.perf_counter()
    util: dict[str, Any] = {}
    priv: dict[str, Any] = {"aggregates_protection": (privacy.get("aggregates") or {}).get("protection")}
    ch: dict[str, Any] = {}
    if kanon is not None:
        progress("k-anonymity check")
        priv["kanon"] = k_anonymity(kanon, qi, k)
        if priv["kanon"].get("class_size_histogram"):
            ch["class_sizes"] = charts.class_sizes(priv["kanon"]["class_size_histogram"], k)
    err_series: dict[str, dict[str, float | None]] = {}
    if synthetic is not None:
        cols = [c for c in real.columns if c in synthetic.columns]
        progress("combination counts (synthetic)")
        enc = encode({"real": real, "syn": synthetic}, cols)
        stats = combination_stats(enc, "real", "syn", max_length, k)
        util["synthetic"] = stats | {"columns": cols}
        err_series["synthetic"] = {L: v["mean_abs_error"] for L, v in stats["by_length"].items()}
        ch["bucket"] = charts.error_by_bucket(stats["by_bucket"])
        resolution = int((privacy.get("aggregates") or {}).get("resolution") or 1)
        ch["one_way"] = [charts.one_way_bars(c, one_way(enc, "real", "syn", j, min_count=k, resolution=resolution))
                         for j, c in enumerate(cols)]
        progress("associations")
        v_real, v_syn = cramers_v_matrix(enc, "real"), cramers_v_matrix(enc, "syn")
        off = ~np.eye(len(cols), dtype=bool)
        util["association"] = {
            "mean_abs_cramers_v_difference": float(np.abs(v_real - v_syn)[off].mean()) if off.any() else 0.0,
            "max_abs_cramers_v_difference": float(np.abs(v_real - v_syn)[off].max()) if off.any() else 0.0,
        }
        ch["heatmaps"] = charts.heatmaps(cols, v_real, v_syn)
        progress("predictive utility")
        util["predictive"] = predictive_utility(real[cols], synthetic[cols], targets=targets, seed=seed)
        if util["predictive"]["targets"]:
            ch["predictive"] = charts.predictive_bars(util["predictive"]["targets"])
        priv["synthetic_leakage"] = {
            L: {key: v[key] for key in ("rare_real", "rare_leaked", "rare_leaked_share", "fabricated", "fabricated_share")}
            for L, v in stats["by_length"].items()
        }
        progress("distance to closest record")
        priv["distance_to_closest"] = distance_to_closest(real, synthetic, cols, seed=seed)
        ch["dcr"] = charts.distance_hist(
            priv["distance_to_closest"]["synthetic_to_real"], priv["distance_to_closest"]["real_to_real"]
        )
        syn_priv = privacy.get("synthetic") or {}
        bound = dp_advantage_bound(syn_priv.get("epsilon"), syn_priv.get("delta"))
        if membership is not None:
            progress("membership inference")
            mia = membership_inference(membership.members, membership.non_members, membership.synthetic, cols, seed=seed)
        else:
            mia = {"run": False, "reason": "no held-out split was provided"}
        priv["membership_inference"] = mia | {"dp_advantage_bound": bound}
    if aggregates is not None:
        progress("aggregates against exact counts")
        sel = aggregates["selections"].astype(str)
        agg_cols = [c for c in real.columns if (sel.str.startswith(f"{c}:") | sel.str.contains(f";{c}:", regex=False)).any()]
        enc_a = encode({"real": real}, agg_cols)
        util["aggregates"] = aggregate_stats(enc_a, "real", aggregates, k)
        err_series["aggregates"] = {L: v["mean_abs_error"] for L, v in util["aggregates"]["by_length"].items()}
    if err_series:
        ch["by_length"] = charts.error_by_length(err_series)
    metrics = {
        "table": name,
        "records": int(len(real)),
        "k": k,
        "max_length": max_length,
        "outputs": [n for n, d in (("kanon", kanon), ("synthetic", synthetic), ("aggregates", aggregates)) if d is not None],
        "privacy_spent": privacy,
        "utility": util,
        "privacy": priv,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return TableEvaluation(name=name, metrics=_jsonable(metrics), charts=ch)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def evaluate_tables(
    tables: list[TableEvaluation],
    out_dir: Path,
    gates: Gates | None = None,
    privacy: dict[str, Any] | None = None,
    title: str = "Internal evaluation",
    context: dict[str, Any] | None = None,
    gate_result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the internal `report.html` and `metrics.json` for several tables; returns the metrics (with gates).

    `out_dir` is `<hub>/evaluations/<version>/` in a release: both files are computed against the raw records and
    say so (title, banner, `notice`), so they are never to be copied into a release folder. `gate_result` lets the
    release pipeline put its own verdict (which has checks beyond the metrics) in the report.
    """
    from cthub.evaluate.report import INTERNAL_NOTICE, render_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    per_table = {t.name: t.metrics for t in tables}
    if gate_result is None and gates is not None:
        gate_result = check_gates(per_table, gates)
    metrics = {
        "notice": INTERNAL_NOTICE,
        "internal": True,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "privacy": privacy or {},
        "gates": gate_result,
        "tables": per_table,
    }
    (out_dir / "metrics.json").write_text(json.dumps(_jsonable(metrics), indent=2) + "\n", encoding="utf-8")
    html = render_report(metrics, {t.name: t.charts for t in tables}, title=title, context=context or {})
    (out_dir / "report.html").write_text(html, encoding="utf-8")
    return metrics


def evaluate(
    real: pd.DataFrame,
    kanon: pd.DataFrame | None = None,
    synthetic: pd.DataFrame | None = None,
    aggregates: pd.DataFrame | None = None,
    quasi_identifiers: list[str] | None = None,
    k: int = 11,
    privacy: dict[str, Any] | None = None,
    out_dir: Path | str = "evaluation",
    table: str = "table",
    gates: Gates | None = None,
    max_length: int = 3,
    membership: Membership | None = None,
    targets: list[str] | None = None,
    seed: int = 0,
    progress: Progress = _noop,
) -> dict[str, Any]:
    """Evaluate one table's protected outputs against the real records; writes the internal report.html and
    metrics.json to `out_dir` (an internal folder: the figures are computed against the raw records)."""
    te = evaluate_table(table, real, kanon, synthetic, aggregates, quasi_identifiers, k, privacy, max_length,
                        membership, targets, seed, progress)
    return evaluate_tables([te], Path(out_dir), gates=gates, privacy=privacy)
