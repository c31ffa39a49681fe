"""What changed between two releases: parameters, record counts, files and headline metrics.

The headline metrics come from the INTERNAL evaluations (`Release.metrics`): `cthub diff` is an operator's tool.
"""

from __future__ import annotations

from typing import Any

from cthub.release.reader import Release, record_count

# Metrics worth comparing, as paths into metrics.json's per-table dict.
HEADLINE_METRICS = {
    "k achieved": ("privacy", "kanon", "k_achieved"),
    "rare combos reproduced (synthetic)": ("utility", "synthetic", "total", "rare_leaked"),
    "rare counts published (aggregates)": ("utility", "aggregates", "rare_leaked"),
    "1-way mean abs error": ("utility", "synthetic", "by_length", "1", "mean_abs_error"),
    "2-way mean abs error": ("utility", "synthetic", "by_length", "2", "mean_abs_error"),
    "3-way mean abs error": ("utility", "synthetic", "by_length", "3", "mean_abs_error"),
    "3-way fabricated share": ("utility", "synthetic", "by_length", "3", "fabricated_share"),
    "Cramér's V mean difference": ("utility", "association", "mean_abs_cramers_v_difference"),
    "prediction gap (macro-F1)": ("utility", "predictive", "mean_macro_f1_gap"),
    "synthetic rows identical to real": ("privacy", "distance_to_closest", "identical_share"),
    "membership attack advantage": ("privacy", "membership_inference", "advantage"),
}


def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; lists are kept as values."""
    if not isinstance(d, dict):
        return {prefix: d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v:
            out |= flatten(v, key)
        else:
            out[key] = v
    return out


def _get(d: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def diff_releases(a: Release, b: Release) -> dict[str, Any]:
    """Differences from release `a` to release `b` (each list holds only what differs)."""
    pa, pb = flatten(a.meta.get("parameters", {})), flatten(b.meta.get("parameters", {}))
    parameters = [
        {"name": k, "a": pa.get(k), "b": pb.get(k)} for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k)
    ]
    privacy = []
    for key in ("profile", "k", "epsilon", "delta", "threshold", "resolution", "effective_threshold"):
        va, vb = (a.meta.get("privacy") or {}).get(key), (b.meta.get("privacy") or {}).get(key)
        if va != vb:
            privacy.append({"name": key, "a": va, "b": vb})
    ta, tb = a.meta.get("tables") or {}, b.meta.get("tables") or {}
    records = [
        {"table": t, "a": record_count(ta.get(t)), "b": record_count(tb.get(t))}
        for t in sorted(set(ta) | set(tb))
    ]
    fa, fb = {f.name: f.sha256 for f in a.files()}, {f.name: f.sha256 for f in b.files()}
    files = {
        "added": sorted(set(fb) - set(fa)),
        "removed": sorted(set(fa) - set(fb)),
        "changed": sorted(n for n in set(fa) & set(fb) if fa[n] != fb[n]),
        "unchanged": sorted(n for n in set(fa) & set(fb) if fa[n] == fb[n]),
    }
    ma, mb = a.metrics().get("tables", {}), b.metrics().get("tables", {})
    metrics = []
    for t in sorted(set(ma) | set(mb)):
        for label, path in HEADLINE_METRICS.items():
            va, vb = _get(ma.get(t), path), _get(mb.get(t), path)
            if va is None and vb is None:
                continue
            delta = vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
            metrics.append({"table": t, "metric": label, "a": va, "b": vb, "delta": delta})
    gates = {"a": a.gates_passed, "b": b.gates_passed}
    return {"a": a.version, "b": b.version, "parameters": parameters, "privacy": privacy, "records": records,
            "files": files, "metrics": metrics, "gates": gates}
