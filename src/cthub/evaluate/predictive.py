"""Predictive utility: can a model trained on the output predict real outcomes as well as one trained on real data?

For a few target columns we train logistic regression on one-hot features of the other columns, once on real
training rows and once on the output, and score both on the same held-out real rows (macro-F1 and accuracy). The
gap is what an analyst loses by working with the protected data. The held-out rows were seen by the synthesizer,
so the synthetic score is, if anything, slightly optimistic; the report says so.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from threadpoolctl import threadpool_limits

from cthub.tables.shared import encode


def choose_targets(real: pd.DataFrame, columns: list[str], n: int = 3) -> list[str]:
    """Columns worth predicting: 2 to 12 categories, at most half missing, most balanced first."""
    scored = []
    for c in columns:
        s = real[c].dropna()
        if len(s) < 0.5 * len(real) or len(s) < 50:
            continue
        p = s.value_counts(normalize=True).to_numpy()
        if not 2 <= len(p) <= 12 or p.max() > 0.97:
            continue
        entropy = float(-(p * np.log(p)).sum() / np.log(len(p)))
        scored.append((entropy, c))
    return [c for _, c in sorted(scored, reverse=True)[:n]]


def one_hot(codes: np.ndarray, radices: np.ndarray) -> sparse.csr_matrix:
    """Sparse one-hot of integer codes; missing (-1) is its own category."""
    n, c = codes.shape
    width = radices + 1
    offsets = np.r_[0, np.cumsum(width)[:-1]]
    cols = (codes + 1 + offsets).ravel()
    rows = np.repeat(np.arange(n), c)
    return sparse.csr_matrix((np.ones(n * c), (rows, cols)), shape=(n, int(width.sum())))


def predictive_utility(
    real: pd.DataFrame,
    output: pd.DataFrame,
    targets: list[str] | None = None,
    seed: int = 0,
    max_train: int = 10_000,
    max_test: int = 5_000,
) -> dict[str, Any]:
    """Train-on-output/test-on-real against train-on-real/test-on-real, per target column."""
    columns = [c for c in real.columns if c in output.columns]
    targets = targets if targets is not None else choose_targets(real, columns)
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(real))
    n_test = min(max_test, max(len(real) // 5, 1))
    frames = {
        "test": real.iloc[idx[:n_test]],
        "real": real.iloc[idx[n_test : n_test + max_train]],
        "output": output.iloc[rng.permutation(len(output))[:max_train]],
    }
    enc = encode(frames, columns)
    results: list[dict[str, Any]] = []
    for target in targets:
        j = columns.index(target)
        feats = [i for i in range(len(columns)) if i != j]
        if not feats:
            continue
        y_test = enc.codes["test"][:, j]
        keep = y_test >= 0
        if keep.sum() < 20:
            continue
        x_test = one_hot(enc.codes["test"][keep][:, feats], enc.radices[feats])
        rows: dict[str, Any] = {}
        for name in ("real", "output"):
            y = enc.codes[name][:, j]
            m = y >= 0
            if m.sum() < 20 or len(np.unique(y[m])) < 2:
                rows[name] = None
                continue
            x = one_hot(enc.codes[name][m][:, feats], enc.radices[feats])
            model = LogisticRegression(max_iter=200)
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x, y[m])
                pred = model.predict(x_test)
            rows[name] = {
                "macro_f1": float(f1_score(y_test[keep], pred, average="macro", zero_division=0)),
                "accuracy": float(accuracy_score(y_test[keep], pred)),
            }
        majority = float(np.bincount(y_test[keep]).max() / keep.sum())
        results.append({"target": target, "train_real": rows.get("real"), "train_output": rows.get("output"),
                        "majority_baseline_accuracy": majority, "test_rows": int(keep.sum())})
    f1_gaps = [
        r["train_real"]["macro_f1"] - r["train_output"]["macro_f1"]
        for r in results
        if r["train_real"] and r["train_output"]
    ]
    return {"targets": results, "mean_macro_f1_gap": float(np.mean(f1_gaps)) if f1_gaps else None}
