"""Cramér's V between every pair of columns: does the output keep the relationships, not just the counts?"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from cthub.tables.shared import SharedCodes, combo_keys


def cramers_v_matrix(enc: SharedCodes, name: str) -> np.ndarray:
    """Symmetric matrix of Cramér's V (rows with a missing value in either column are left out)."""
    c = len(enc.columns)
    out = np.eye(c)
    codes = enc.codes[name]
    for i, j in combinations(range(c), 2):
        keys, space = combo_keys(codes, (i, j), enc.radices)
        out[i, j] = out[j, i] = _cramers_v(keys, int(enc.radices[i]), int(enc.radices[j]))
    return out


def _cramers_v(keys: np.ndarray, ra: int, rb: int) -> float:
    n = len(keys)
    if n == 0:
        return 0.0
    table = np.bincount(keys, minlength=ra * rb).reshape(ra, rb).astype(np.float64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    r, c = table.shape
    if r < 2 or c < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(r, c) - 1))))
