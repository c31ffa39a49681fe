"""Comparisons between two PUBLIC outputs: the synthetic file against the published aggregates.

Both sides are published, so anything computed from them is post-processing and reveals nothing either does not:
this is the only kind of utility figure the public report may show. Shares are among the records that have a value
(the aggregates never count missing values); a multi-valued cell ("A;B") is matched to the aggregates' set ("A|B").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

TOP = 12  # categories per column in the 1-way charts


def _split(selection: str) -> list[tuple[str, str]]:
    """`gender:Female;ageBroad:9--17` -> [(gender, Female), (ageBroad, 9--17)] (";" never occurs in a value)."""
    out = []
    for part in selection.split(";"):
        col, _, value = part.partition(":")
        out.append((col, value))
    return out


def parse_aggregates(aggregates: pd.DataFrame, length: int) -> dict[tuple[str, ...], dict[tuple[str, ...], float]]:
    """Published counts of one length, by column tuple then value tuple."""
    rows = aggregates[aggregates["length"].astype(int) == length]
    out: dict[tuple[str, ...], dict[tuple[str, ...], float]] = {}
    for sel, count in zip(rows["selections"].astype(str), rows["count"].astype(float)):
        pairs = _split(sel)
        cols = tuple(c for c, _ in pairs)
        out.setdefault(cols, {})[tuple(v for _, v in pairs)] = float(count)
    return out


def _values(synthetic: pd.DataFrame, column: str) -> pd.Series:
    return synthetic[column].astype("string").str.replace(";", "|", regex=False)


def _tvd(p: dict[Any, float], q: dict[Any, float]) -> float | None:
    sp, sq = sum(p.values()), sum(q.values())
    if sp <= 0 or sq <= 0:
        return None
    # sorted: summing in set order would make the last bits depend on the process's string hash seed
    return 0.5 * sum(abs(p.get(key, 0.0) / sp - q.get(key, 0.0) / sq) for key in sorted(set(p) | set(q)))


def one_way(synthetic: pd.DataFrame, aggregates: pd.DataFrame) -> list[dict[str, Any]]:
    """Per column in both outputs: total variation distance between the two 1-way distributions, and the shares
    of the largest categories (by published count) for a chart."""
    out = []
    for (col,), cells in parse_aggregates(aggregates, 1).items():
        if col not in synthetic.columns:
            continue
        syn = {(str(k),): float(v) for k, v in _values(synthetic, col).dropna().value_counts().items()}
        tvd = _tvd(cells, syn)
        if tvd is None:
            continue
        total_a, total_s = sum(cells.values()), sum(syn.values())
        keys = sorted(set(cells) | set(syn), key=lambda key: (-cells.get(key, 0.0), -syn.get(key, 0.0), key))[:TOP]
        out.append({
            "column": col,
            "tvd": tvd,
            "categories": [{"value": key[0], "aggregates_share": cells.get(key, 0.0) / total_a,
                            "synthetic_share": syn.get(key, 0.0) / total_s} for key in keys],
        })  # fmt: skip
    return out


def two_way(synthetic: pd.DataFrame, aggregates: pd.DataFrame) -> dict[str, Any]:
    """Total variation distance between the two outputs' distributions over each published pair of columns."""
    tvds: dict[str, float] = {}
    for cols, cells in parse_aggregates(aggregates, 2).items():
        if not all(c in synthetic.columns for c in cols):
            continue
        frame = pd.DataFrame({c: _values(synthetic, c) for c in cols}).dropna()
        syn = {tuple(map(str, k)): float(v) for k, v in frame.groupby(list(cols), observed=True).size().items()}
        tvd = _tvd(cells, syn)
        if tvd is not None:
            tvds[" × ".join(cols)] = tvd
    if not tvds:
        return {"pairs": 0, "mean_tvd": None, "max_tvd": None, "worst_pair": None}
    worst = max(sorted(tvds), key=lambda k: tvds[k])
    return {"pairs": len(tvds), "mean_tvd": float(np.mean(list(tvds.values()))), "max_tvd": tvds[worst],
            "worst_pair": worst}
