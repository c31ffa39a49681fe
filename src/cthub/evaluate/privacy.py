"""Privacy checks that do not trust the protecting stage's own report.

- k achieved on the k-anonymized microdata, counted here from the released table itself.
- Distance to closest record: how many synthetic rows are exact copies of a real row, and how far synthetic rows
  are from the nearest real one (Hamming distance over the columns), with the real data's own distances as baseline.
- Membership inference: a distance attack that guesses "member" when a record is close to some synthetic row,
  measured on records the synthesizer saw versus held-out ones, next to the ceiling DP itself guarantees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from cthub.tables.shared import encode

SUPPRESSED = "*"


def k_anonymity(kanon: pd.DataFrame, quasi_identifiers: list[str], k: int) -> dict[str, Any]:
    """Equivalence classes over the quasi-identifiers (missing and "*" are values like any other)."""
    qi = [c for c in quasi_identifiers if c in kanon.columns]
    missing = [c for c in quasi_identifiers if c not in kanon.columns]
    if not qi or kanon.empty:
        return {"quasi_identifiers": qi, "missing_columns": missing, "k_achieved": None, "classes": 0,
                "records": int(len(kanon))}
    sizes = kanon[qi].astype("string").fillna("").groupby(qi, dropna=False, observed=True).size()
    below = sizes[sizes < k]
    suppressed = {c: float((kanon[c].astype("string") == SUPPRESSED).fillna(False).astype(bool).mean()) for c in qi}
    hist_edges = [1, 2, 5, k, 2 * k, 5 * k, 10 * k, 100 * k]
    hist_edges = sorted(set(hist_edges))
    counts, _ = np.histogram(sizes.to_numpy(), bins=hist_edges + [np.inf])
    return {
        "quasi_identifiers": qi,
        "missing_columns": missing,
        "records": int(len(kanon)),
        "k_achieved": int(sizes.min()),
        "classes": int(len(sizes)),
        "classes_below_k": int(len(below)),
        "records_in_classes_below_k": int(below.sum()),
        "median_class_size": float(sizes.median()),
        "suppressed_cell_share": suppressed,
        "class_size_histogram": [
            {"from": int(lo), "to": (None if math.isinf(hi) else int(hi) - 1), "classes": int(c)}
            for lo, hi, c in zip(hist_edges, hist_edges[1:] + [math.inf], counts)
        ],
        "max_reidentification_risk": float(1.0 / sizes.min()),
        "mean_reidentification_risk": float(len(sizes) / len(kanon)),
    }


def _min_hamming(a: np.ndarray, b: np.ndarray, exclude_self: np.ndarray | None = None, chunk: int = 64) -> np.ndarray:
    """For each row of a, the smallest number of differing columns to any row of b (missing = its own value)."""
    out = np.empty(len(a), dtype=np.int32)
    a8, b8 = a.astype(np.int32), b.astype(np.int32)
    for start in range(0, len(a), chunk):
        block = a8[start : start + chunk]
        d = (block[:, None, :] != b8[None, :, :]).sum(axis=2)
        if exclude_self is not None:
            rows = exclude_self[start : start + chunk]
            valid = rows >= 0
            d[np.flatnonzero(valid), rows[valid]] = np.iinfo(np.int32).max
        out[start : start + chunk] = d.min(axis=1) if d.shape[1] else a.shape[1]
    return out


def distance_to_closest(
    real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], sample: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Exact-copy share over all synthetic rows; Hamming distances for a sample of them and of real rows."""
    enc = encode({"real": real, "syn": synthetic}, columns)
    r, s = enc.codes["real"], enc.codes["syn"]
    uniq, inverse, counts = np.unique(r, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    real_rows = {row.tobytes() for row in uniq}
    identical = np.fromiter((row.tobytes() in real_rows for row in s), dtype=bool, count=len(s))
    rng = np.random.default_rng(seed)
    s_idx = rng.choice(len(s), size=min(sample, len(s)), replace=False) if len(s) else np.array([], dtype=int)
    syn_d = _min_hamming(s[s_idx], uniq) if len(uniq) else np.zeros(0, dtype=np.int32)
    # Baseline: each sampled real record's distance to the other real records (its own row excluded if unique).
    r_idx = rng.choice(len(r), size=min(sample, len(r)), replace=False) if len(r) else np.array([], dtype=int)
    own = inverse[r_idx]
    exclude = np.where(counts[own] == 1, own, -1)
    real_d = _min_hamming(r[r_idx], uniq, exclude_self=exclude) if len(uniq) > 1 else np.zeros(0, dtype=np.int32)
    ncols = len(columns)
    real_dup_share = float((counts[inverse] > 1).mean()) if len(r) else 0.0
    return {
        "columns": ncols,
        "synthetic_rows": int(len(s)),
        "identical_share": float(identical.mean()) if len(s) else 0.0,
        "real_duplicate_share": real_dup_share,
        "sampled": int(len(s_idx)),
        "synthetic_to_real": _hist(syn_d, ncols),
        "real_to_real": _hist(real_d, ncols),
        "median_synthetic_distance": float(np.median(syn_d)) if len(syn_d) else None,
        "median_real_distance": float(np.median(real_d)) if len(real_d) else None,
    }


def _hist(d: np.ndarray, ncols: int) -> list[float]:
    if not len(d):
        return []
    return (np.bincount(np.minimum(d, ncols), minlength=ncols + 1) / len(d)).tolist()


def dp_advantage_bound(epsilon: float | None, delta: float | None) -> float | None:
    """The most any membership attack can gain (TPR - FPR) against an (epsilon, delta)-DP release."""
    if epsilon is None:
        return None
    delta = delta or 0.0
    e = math.exp(min(epsilon, 700))
    return float(min(1.0, (e - 1 + 2 * delta) / (e + 1)))


def membership_inference(
    members: pd.DataFrame,
    non_members: pd.DataFrame,
    synthetic: pd.DataFrame,
    columns: list[str],
    sample: int = 500,
    synthetic_sample: int = 5000,
    seed: int = 0,
) -> dict[str, Any]:
    """Distance attack: score = -(distance to the closest synthetic row); AUC and best TPR - FPR."""
    rng = np.random.default_rng(seed)
    m = min(sample, len(members), len(non_members))
    if m < 10 or len(synthetic) == 0:
        return {"run": False, "reason": "too few records for the attack"}
    mem = members.iloc[rng.choice(len(members), m, replace=False)]
    non = non_members.iloc[rng.choice(len(non_members), m, replace=False)]
    syn = synthetic.iloc[rng.choice(len(synthetic), min(synthetic_sample, len(synthetic)), replace=False)]
    enc = encode({"mem": mem, "non": non, "syn": syn}, columns)
    syn_u = np.unique(enc.codes["syn"], axis=0)
    d_mem = _min_hamming(enc.codes["mem"], syn_u)
    d_non = _min_hamming(enc.codes["non"], syn_u)
    y = np.r_[np.ones(m), np.zeros(m)]
    score = -np.r_[d_mem, d_non].astype(float)
    auc = float(roc_auc_score(y, score))
    fpr, tpr, _ = roc_curve(y, score)
    return {
        "run": True,
        "pairs": int(m),
        "auc": auc,
        "advantage": float(max(0.0, (tpr - fpr).max())),
        "mean_distance_members": float(d_mem.mean()),
        "mean_distance_non_members": float(d_non.mean()),
    }
