"""Attribute-combination counts: the utility and leakage metrics of the Synthetic Data Showcase, and more.

For each combination length 1..L and every set of L columns we count every combination of values in the real data
and in the output. From those two count vectors come: mean absolute error (output counts scaled to the real record
count), total variation distance, errors by real-count bucket, rare combinations (real count below k) that the
output reproduces ("leaked"), combinations the output invents ("fabricated"), and common ones it keeps.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cthub.tables.shared import SharedCodes, combo_keys, count_pair


def bucket_edges(k: int) -> list[tuple[str, int, float]]:
    """Real-count buckets: fabricated (0), rare (1..k-1), then k..99, 100..999, 1000+."""
    edges: list[tuple[str, int, float]] = [("0 (fabricated)", 0, 1), (f"1-{k - 1} (rare)", 1, k)]
    lo = k
    for hi in (100, 1000):
        if hi > lo:
            edges.append((f"{lo}-{hi - 1}", lo, hi))
            lo = hi
    edges.append((f"{lo}+", lo, float("inf")))
    return edges


def combination_stats(enc: SharedCodes, real: str, output: str, max_length: int, k: int) -> dict[str, Any]:
    """Per-length utility and leakage statistics of `output` against `real` (names of encoded frames)."""
    n_real, n_out = enc.rows(real), enc.rows(output)
    scale = n_real / n_out if n_out else 0.0
    ncols = len(enc.columns)
    by_length: dict[str, dict[str, Any]] = {}
    all_r: list[np.ndarray] = []
    all_s: list[np.ndarray] = []
    for length in range(1, min(max_length, ncols) + 1):
        rs, ss, tvds = [], [], []
        for cols in combinations(range(ncols), length):
            ka, space = combo_keys(enc.codes[real], cols, enc.radices)
            kb, _ = combo_keys(enc.codes[output], cols, enc.radices)
            _, r, s = count_pair(ka, kb, space)
            rs.append(r)
            ss.append(s)
            if n_real and n_out:
                tvds.append(0.5 * np.abs(r / n_real - s / n_out).sum())
        r = np.concatenate(rs) if rs else np.zeros(0, dtype=np.int64)
        s = np.concatenate(ss) if ss else np.zeros(0, dtype=np.int64)
        all_r.append(r)
        all_s.append(s)
        by_length[str(length)] = _summarize(r, s, scale, k) | {
            "column_sets": len(rs),
            "mean_tvd": float(np.mean(tvds)) if tvds else None,
        }
    r_all = np.concatenate(all_r) if all_r else np.zeros(0, dtype=np.int64)
    s_all = np.concatenate(all_s) if all_s else np.zeros(0, dtype=np.int64)
    buckets = []
    for label, lo, hi in bucket_edges(k):
        m = (r_all >= lo) & (r_all < hi)
        err = np.abs(r_all[m] - s_all[m] * scale)
        buckets.append(
            {
                "bucket": label,
                "combinations": int(m.sum()),
                "mean_abs_error": float(err.mean()) if m.any() else None,
                "mean_rel_error": float((err / np.maximum(r_all[m], 1)).mean()) if m.any() and lo > 0 else None,
            }
        )
    total = _summarize(r_all, s_all, scale, k)
    return {
        "records_real": n_real,
        "records_output": n_out,
        "scale": scale,
        "by_length": by_length,
        "by_bucket": buckets,
        "total": total,
    }


def _summarize(r: np.ndarray, s: np.ndarray, scale: float, k: int) -> dict[str, Any]:
    in_out = s > 0
    real_present = r > 0
    rare = real_present & (r < k)
    common = r >= k
    fabricated = (~real_present) & in_out
    err = np.abs(r - s * scale)
    distinct_out = int(in_out.sum())
    return {
        "combinations": int(len(r)),
        "real_combinations": int(real_present.sum()),
        "output_combinations": distinct_out,
        "mean_abs_error": float(err.mean()) if len(r) else None,
        "mean_rel_error": float((err[real_present] / r[real_present]).mean()) if real_present.any() else None,
        "rare_real": int(rare.sum()),
        "rare_leaked": int((rare & in_out).sum()),
        "rare_leaked_share": float((rare & in_out).sum() / rare.sum()) if rare.any() else 0.0,
        "fabricated": int(fabricated.sum()),
        "fabricated_share": float(fabricated.sum() / distinct_out) if distinct_out else 0.0,
        "common_real": int(common.sum()),
        "common_preserved_share": float((common & in_out).sum() / common.sum()) if common.any() else None,
    }


def real_selection_counts(enc: SharedCodes, real: str, max_length: int) -> pd.DataFrame:
    """Exact counts of every combination in the real data, as Synthetic Data Showcase selections.

    Selections read "col:value;col:value" with columns in table order, the format of published aggregates.
    """
    ncols = len(enc.columns)
    labels = [np.array([f"{c}:{v}" for v in cats], dtype=object) for c, cats in zip(enc.columns, enc.categories)]
    parts = []
    for length in range(1, min(max_length, ncols) + 1):
        for cols in combinations(range(ncols), length):
            keys, _ = combo_keys(enc.codes[real], cols, enc.radices)
            if not len(keys):
                continue
            uniq, counts = np.unique(keys, return_counts=True)
            digits = []
            rest = uniq.copy()
            for col in reversed(cols):
                rest, d = np.divmod(rest, enc.radices[col])
                digits.append(d)
            digits.reverse()
            sel = labels[cols[0]][digits[0]]
            for col, d in zip(cols[1:], digits[1:]):
                sel = sel + ";" + labels[col][d]
            parts.append(pd.DataFrame({"selections": sel, "length": length, "real": counts}))
    if not parts:
        return pd.DataFrame({"selections": [], "length": [], "real": []})
    return pd.concat(parts, ignore_index=True)


def aggregate_stats(
    enc: SharedCodes, real: str, aggregates: pd.DataFrame, k: int, exact: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Published aggregates against exact real counts: error, suppression, rare counts published, fabricated.

    `exact` (selections, length, count) may be given when the caller already has the real counts from
    `cthub.aggregates.exact_aggregates` (the same selections, counted by the streaming counter: far faster over
    many columns than `real_selection_counts`).
    """
    agg = aggregates[["selections", "length", "count"]].copy()
    agg["selections"] = agg["selections"].astype(str)
    agg["count"] = pd.to_numeric(agg["count"], errors="coerce").fillna(0).astype("int64")
    agg["length"] = pd.to_numeric(agg["length"], errors="coerce").fillna(0).astype("int64")
    max_len = int(agg["length"].max()) if len(agg) else 0
    if exact is None:
        exact = real_selection_counts(enc, real, max_len)
    else:
        exact = exact[exact["length"] <= max_len].rename(columns={"count": "real"})[["selections", "length", "real"]]
        exact = exact.assign(selections=exact["selections"].astype(str))
    merged = exact.merge(agg.rename(columns={"length": "length_pub"}), on="selections", how="outer")
    merged["real"] = merged["real"].fillna(0).astype("int64")
    merged["count"] = merged["count"].fillna(-1).astype("int64")  # -1: not published
    merged["length"] = merged["length"].fillna(merged["length_pub"]).astype("int64")
    by_length = {}
    for length, g in merged.groupby("length"):
        pub = g["count"] >= 0
        rare = (g["real"] > 0) & (g["real"] < k)
        err = (g.loc[pub, "real"] - g.loc[pub, "count"]).abs()
        by_length[str(int(length))] = {
            "real_combinations": int((g["real"] > 0).sum()),
            "published": int(pub.sum()),
            "published_share_of_real": float((pub & (g["real"] > 0)).sum() / max((g["real"] > 0).sum(), 1)),
            "mean_abs_error": float(err.mean()) if pub.any() else None,
            "rare_leaked": int((rare & pub & (g["count"] > 0)).sum()),
            "fabricated": int(((g["real"] == 0) & pub & (g["count"] > 0)).sum()),
        }
    pub = merged["count"] > 0
    rare = (merged["real"] > 0) & (merged["real"] < k)
    return {
        "rows": int(len(agg)),
        "by_length": by_length,
        "rare_leaked": int((rare & pub).sum()),
        "fabricated": int(((merged["real"] == 0) & pub).sum()),
        "mean_abs_error": float((merged.loc[merged["count"] >= 0, "real"] - merged.loc[merged["count"] >= 0, "count"]).abs().mean())
        if (merged["count"] >= 0).any()
        else None,
        "unmatched_selections": int(((merged["real"] == 0) & (merged["count"] >= 0)).sum()),
    }


def one_way(
    enc: SharedCodes, real: str, output: str, col: int, top: int = 12, min_count: int = 1, resolution: int = 1
) -> pd.DataFrame:
    """Shares of the largest categories of one column (missing included) in real and output, for a chart.

    The report is published with the release, so the real side is protected like threshold aggregates: a category
    with fewer than `min_count` real records is left out (its label would reveal a rare value) and real counts
    are rounded down to a multiple of `resolution` before they become shares.
    """
    r = enc.codes[real][:, col]
    s = enc.codes[output][:, col]
    labels = ["(missing)"] + enc.categories[col]
    counts = np.bincount(r + 1, minlength=len(labels))
    shown = counts >= max(min_count, 1)
    rounded = (counts // max(resolution, 1)) * max(resolution, 1)
    cr = rounded / max(len(r), 1)
    cs = np.bincount(s + 1, minlength=len(labels)) / max(len(s), 1)
    df = pd.DataFrame({"label": labels, "real": cr, "output": cs})
    df = df[shown]
    return df.sort_values("real", ascending=False).head(top)
