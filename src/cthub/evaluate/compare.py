"""Comparisons between two PUBLIC outputs: the synthetic file against the published aggregates.

Both sides are published, so anything computed from them is post-processing and reveals nothing either does not:
this is the only kind of utility figure the public report may show. For each value (or pair of values) the
aggregates publish, its share of all records on each side: published count / the table's published record count,
and synthetic rows with it / synthetic rows. The distance is half the sum of absolute share differences over the
published cells (0 = the same shares). Only published cells count: the aggregates may leave values out on purpose
(suppressed, below a DP threshold, or the "no" of a yes/no flag), and a missing cell is not a zero count.
A multi-valued cell ("A;B") is matched to the aggregates' set ("A|B"). Results are keyed by column name, so the
structure of the report does not shift when one column happens to have no published cell.
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


def _distance(published: dict[Any, float], total: float, syn: dict[Any, float], rows: float) -> float:
    # sorted: summing in set order would make the last bits depend on the process's string hash seed
    return 0.5 * sum(abs(published[key] / total - syn.get(key, 0.0) / rows) for key in sorted(published))


def _total(aggregates: pd.DataFrame, records: float | None) -> float:
    """The published record count, or (without one) the largest 1-way column total, a floor for it."""
    if records is not None and records > 0:
        return float(records)
    sums = [sum(cells.values()) for cells in parse_aggregates(aggregates, 1).values()]
    return max(sums + [1.0])


def one_way(synthetic: pd.DataFrame, aggregates: pd.DataFrame, records: float | None = None) -> dict[str, Any]:
    """Per column in both outputs: the distance between the two outputs' 1-way shares over the published values,
    and the shares of the values with the largest published counts (for a chart)."""
    total, rows = _total(aggregates, records), float(max(len(synthetic), 1))
    out: dict[str, Any] = {}
    for (col,), cells in sorted(parse_aggregates(aggregates, 1).items()):
        if col not in synthetic.columns:
            continue
        syn: dict[tuple[str, ...], float] = {
            (str(k),): float(v) for k, v in _values(synthetic, col).dropna().value_counts().items()}
        top = sorted(cells, key=lambda key: (-cells[key], key))[:TOP]
        out[col] = {
            "distance": _distance(cells, total, syn, rows),
            "values": {key[0]: {"aggregates_share": cells[key] / total, "synthetic_share": syn.get(key, 0.0) / rows}
                       for key in top},
        }
    return out


def two_way(synthetic: pd.DataFrame, aggregates: pd.DataFrame, records: float | None = None) -> dict[str, Any]:
    """The same distance over each published pair of columns: how many pairs, the mean and the largest.

    Each column is coded once and a pair's cells counted with one bincount: a 60-column table has 1,770 pairs."""
    total, rows = _total(aggregates, records), float(max(len(synthetic), 1))
    codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}

    def coded(col: str) -> tuple[np.ndarray, dict[str, int]]:
        if col not in codes:
            c, uniques = pd.factorize(_values(synthetic, col), use_na_sentinel=True)
            c = np.asarray(c, dtype=np.int64)
            c[c < 0] = len(uniques)  # missing gets a code of its own, never looked up
            codes[col] = (c, {str(u): i for i, u in enumerate(uniques)})
        return codes[col]

    dist: dict[str, float] = {}
    for cols, cells in sorted(parse_aggregates(aggregates, 2).items()):
        if not all(c in synthetic.columns for c in cols):
            continue
        (ca, ia), (cb, ib) = coded(cols[0]), coded(cols[1])
        width = len(ib) + 1
        counts = np.bincount(ca * width + cb, minlength=(len(ia) + 1) * width)
        syn = {key: float(counts[ia[key[0]] * width + ib[key[1]]]) for key in cells
               if key[0] in ia and key[1] in ib}
        dist[" × ".join(cols)] = _distance(cells, total, syn, rows)
    if not dist:
        return {"pairs": 0, "mean_distance": None, "max_distance": None}
    return {"pairs": len(dist), "mean_distance": float(np.mean([dist[k] for k in sorted(dist)])),
            "max_distance": max(dist.values())}
