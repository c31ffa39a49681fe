"""A plain greedy local-suppression baseline, kept to measure the engine against (benchmarks, tests).

It is what one would write first: in every class smaller than k, hide the QI value of each record that is rarest in
its column, and repeat. It never generalizes and never looks for the cheapest set of cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cthub.deid.groups import group_ids


def greedy_suppress(df: pd.DataFrame, qis: list[str], k: int) -> pd.DataFrame:
    """Baseline: in every class smaller than k, hide the QI value of each record that is rarest in its column."""
    m, n = len(qis), len(df)
    codes = np.empty((n, m), dtype=np.int64)
    labels = []
    for j, q in enumerate(qis):
        c, u = pd.factorize(df[q], use_na_sentinel=False)
        codes[:, j] = c
        labels.append(np.array([*[None if pd.isna(x) else x for x in u], "*"], dtype=object))
    star = np.array([len(lab) - 1 for lab in labels])
    while True:
        gid, ng = group_ids([codes[:, j] for j in range(m)], [len(lab) for lab in labels])
        size = np.bincount(gid, minlength=ng)
        small = np.flatnonzero(size[gid] < k)
        if len(small) == 0:
            break
        freq = np.empty((len(small), m))
        for j in range(m):
            counts = np.bincount(codes[:, j], minlength=len(labels[j])).astype(float)
            counts[star[j]] = np.inf  # already hidden
            freq[:, j] = counts[codes[small, j]]
        open_rows = np.isfinite(freq).any(axis=1)
        if not open_rows.any():
            break
        rows = small[open_rows]
        cols = freq[open_rows].argmin(axis=1)
        codes[rows, cols] = star[cols]
    # the all-"*" class may still be too small: move records from the largest classes that can spare them
    gid, ng = group_ids([codes[:, j] for j in range(m)], [len(lab) for lab in labels])
    size = np.bincount(gid, minlength=ng)
    bad = np.flatnonzero(size < k)
    if len(bad):
        need = k - int(size[bad].sum())
        for g in np.argsort(-size):
            if need <= 0:
                break
            spare = int(size[g]) - k
            if spare <= 0 or g in bad:
                continue
            take = np.flatnonzero(gid == g)[: min(spare, need)]
            codes[take] = star
            need -= len(take)
    out = df.copy()
    for j, q in enumerate(qis):
        out[q] = pd.array(labels[j][codes[:, j]], dtype="string")
    return out
