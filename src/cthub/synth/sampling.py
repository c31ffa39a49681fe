"""Sampling that meets counts: every synthesizer's draw should land on its own 1-way estimate.

Drawing rows independently leaves each sampled count about sqrt(n p (1 - p)) off the model's estimate, which was
most of `mst`'s and `aggregate-seeded`'s 1-way error (issue 16). `systematic_counts` splits n into the counts the
estimate asks for; `rebalance` moves drawn rows between categories to meet them, choosing the rows the model finds
likely in their new category. Both are post-processing of DP output (seeded NumPy randomness, never DP noise).
"""

from __future__ import annotations

import numpy as np

__all__ = ["rebalance", "systematic_counts"]


def systematic_counts(share: np.ndarray, n: int, offset: float) -> np.ndarray:
    """n split in proportion to `share` by systematic rounding (offset uniform in [0, 1)): each count is the floor
    or the ceiling of n * share, with the ceiling as often as the fraction says, and the counts sum to n."""
    share = np.clip(np.asarray(share, dtype=float), 0, None)
    if n <= 0 or share.sum() <= 0:
        return np.zeros(len(share), dtype=np.int64)
    cum = np.floor(np.cumsum(share / share.sum() * n) + offset)
    want = np.diff(np.concatenate([[0.0], cum])).astype(np.int64)
    want[-1] += n - int(want.sum())
    return want


def rebalance(
    codes: np.ndarray,
    table: np.ndarray,
    combo: np.ndarray,
    want: np.ndarray,
    rng: np.random.Generator,
    permitted: np.ndarray | None = None,
) -> np.ndarray:
    """Move drawn rows between categories until the column's counts meet `want` (`systematic_counts`).

    `table[combo[i]]` is row i's distribution over the categories. In `aggregate-seeded` the per-row
    distributions are `table` and `combo` is the row index.

    Each category short of its count takes rows from categories over theirs, picked at random with weight P(short
    category | the row's parents): the rows that move are those the model finds likely there, so the 2- and 3-way
    structure moves little while the 1-way totals lose the draw's noise. Rows whose conditional gives the category
    no weight (cells the denoising zeroed) move only when those that do are used up, so that a conditional left
    near-deterministic by small noisy tables cannot hold the column away from its estimate; a row never moves to a
    category the structural rules forbid it (`permitted`). Post-processing only.
    """
    k = table.shape[1]
    n = len(codes)
    want = np.asarray(want, dtype=np.int64)
    if n == 0 or int(want.sum()) != n:
        return codes
    codes = codes.copy()
    have = np.bincount(codes, minlength=k)
    for j in rng.permutation(np.flatnonzero(have < want)):
        need = int(want[j] - have[j])
        surplus = have - want
        ok = permitted[combo, j] if permitted is not None else np.ones(n, dtype=bool)
        donors = np.flatnonzero((surplus[codes] > 0) & ok)
        if need <= 0 or donors.size == 0:
            continue
        # Weighted sampling without replacement (Gumbel top-k on log weights; zero weights last, in random order),
        # capped by each donor category's surplus.
        w = table[combo[donors], j]
        keys = np.where(w > 0, np.log(np.where(w > 0, w, 1.0)), -1e6) + rng.gumbel(size=donors.size)
        ranked = donors[np.argsort(-keys, kind="stable")]
        cats = codes[ranked]
        order = np.argsort(cats, kind="stable")
        first = np.searchsorted(cats[order], np.arange(k))
        rank_in_cat = np.empty(len(ranked), dtype=np.int64)
        rank_in_cat[order] = np.arange(len(ranked)) - first[cats[order]]
        moved = ranked[rank_in_cat < surplus[cats]][:need]
        np.subtract.at(have, codes[moved], 1)
        codes[moved] = j
        have[j] += len(moved)
    return codes
