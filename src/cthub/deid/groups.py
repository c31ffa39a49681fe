"""Equivalence classes from integer codes, and whether each class satisfies k-anonymity (and l-diversity).

Items are weighted (an item stands for all records sharing its codes), so the same functions serve the raw records,
the distinct original combinations and the classes of a lattice node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_LIMIT = 1 << 62


def group_ids(cols: Sequence[np.ndarray], cards: Sequence[int]) -> tuple[np.ndarray, int]:
    """Class id per item for the combination of code columns (mixed radix, re-compacted before overflow)."""
    if not cols:
        raise ValueError("no columns to group by")
    key = cols[0].astype(np.int64)
    radix = int(cards[0])
    for col, card in zip(cols[1:], cards[1:], strict=True):
        card = int(card)
        if radix * card >= _LIMIT:
            key, uniq = pd.factorize(key)
            radix = len(uniq)
        key = key * card + col
        radix *= card
    ids, uniq = pd.factorize(key)
    return ids.astype(np.int64), len(uniq)


@dataclass(frozen=True)
class Diversity:
    """l-diversity requirement on one sensitive column, as distinct (item, value) pairs of the items."""

    column: str
    l: int
    item: np.ndarray  # item index of each distinct (item, value) pair
    value: np.ndarray  # value code of that pair

    def remap(self, new_item_of_item: np.ndarray) -> Diversity:
        """Pairs for coarser items (e.g. classes made of the current items), duplicates removed."""
        items = new_item_of_item[self.item]
        key = items * (int(self.value.max(initial=0)) + 1) + self.value
        _, first = np.unique(key, return_index=True)
        return Diversity(self.column, self.l, items[first], self.value[first])

    def distinct(self, gid: np.ndarray, n_groups: int) -> np.ndarray:
        """Number of distinct sensitive values per group."""
        g = gid[self.item]
        key = g * (int(self.value.max(initial=0)) + 1) + self.value
        uniq = np.unique(key)
        return np.bincount(uniq // (int(self.value.max(initial=0)) + 1), minlength=n_groups)


def group_ok(
    gid: np.ndarray, n_groups: int, weights: np.ndarray, k: int, diversity: Sequence[Diversity] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Per group: (ok, size). A group is ok when it has at least k records and l distinct values per sensitive column."""
    size = np.bincount(gid, weights=weights, minlength=n_groups)
    ok = size >= k
    for d in diversity:
        ok &= d.distinct(gid, n_groups) >= d.l
    return ok, size


class Rollup:
    """Classes of evaluated nodes, kept so that a coarser node is grouped from them instead of from every item.

    Each class of a node is stored as one representative item plus its size; a coarser node's classes are unions of
    those classes (every level is a function of the level below), so grouping the representatives at the coarser
    levels, weighted by size, gives the same class sizes with far fewer items. The cache is capped in items.
    """

    def __init__(self, item_codes: list[list[np.ndarray]], w0: np.ndarray, k: int, max_items: int = 4_000_000) -> None:
        self.item_codes, self.k, self.max_items = item_codes, k, max_items
        n0 = len(w0)
        self.nodes: list[np.ndarray] = []
        self.reps: list[np.ndarray] = [np.arange(n0)]
        self.weights: list[np.ndarray] = [w0]
        self.nodes.append(np.zeros(len(item_codes), dtype=np.int64))
        self.items = n0

    def small_records(self, node: np.ndarray, cards: list[int]) -> int:
        """Records in classes smaller than k at `node`, grouped from the finest cached node below it."""
        stack = np.array(self.nodes)
        below = np.flatnonzero(np.all(stack <= node, axis=1))
        src = min(below, key=lambda i: len(self.reps[i]))  # node 0 (the bottom) is always below
        reps, w = self.reps[src], self.weights[src]
        if src == 0:  # the bottom: the items themselves
            cols = [self.item_codes[j][l] for j, l in enumerate(node)]
        else:
            cols = [self.item_codes[j][l][reps] for j, l in enumerate(node)]
        gid, n = group_ids(cols, cards)
        size = np.bincount(gid, weights=w, minlength=n)
        small = int(w[size[gid] < self.k].sum())
        if n < len(reps) and self.items + n <= self.max_items:
            first = np.zeros(n, dtype=np.int64)
            first[gid[::-1]] = np.arange(len(gid) - 1, -1, -1)
            self.nodes.append(node.copy())
            self.reps.append(reps[first])
            self.weights.append(size)
            self.items += n
        return small
