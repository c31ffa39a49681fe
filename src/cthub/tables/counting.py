"""Histograms of every column tuple up to a length, computed with vectorized numpy one chunk at a time.

Each column tuple (a, b, c) gets a dense array of shape (m_a + 1, m_b + 1, m_c + 1) (index 0 = missing) filled by
one `np.bincount` over mixed-radix keys. Keys of a tuple extend the keys of its prefix, so a length-3 pass costs one
multiply-add and one bincount per tuple. Memory is one chunk of codes plus the arrays, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import combinations
from math import prod

import numpy as np

from cthub.tables.errors import TableError

Tuple = tuple[int, ...]

#: Refuse to allocate more histogram cells than this (about 4 GB of float64) and say how to shrink the job.
MAX_CELLS = 500_000_000


def column_tuples(n_columns: int, length: int) -> list[Tuple]:
    """Every tuple of 1..length column indexes, in order (the order selections are written in)."""
    return [t for k in range(1, length + 1) for t in combinations(range(n_columns), k)]


def tuple_shape(t: Tuple, cards: list[int]) -> tuple[int, ...]:
    return tuple(cards[c] + 1 for c in t)


def check_size(n_columns: int, cards: list[int], length: int) -> None:
    """Fail early, with advice, when the dense histograms would not fit in memory."""
    cells = sum(prod(tuple_shape(t, cards)) for t in column_tuples(n_columns, length))
    if cells > MAX_CELLS:
        raise TableError(
            f"{cells:,} combination cells at length {length} are too many to count in memory; lower --length or "
            "leave out the columns with the most values (e.g. countries) with --columns"
        )


def iter_keys(
    codes_t: np.ndarray, cards: list[int], length: int, only_length: int | None = None
) -> Iterator[tuple[Tuple, np.ndarray]]:
    """(tuple, flat keys of every row) for each column tuple, depth first so prefix keys are reused.

    `codes_t` is the code matrix transposed (columns contiguous). With `only_length`, only tuples of that length are
    yielded (their prefixes are still computed).
    """
    n_columns = codes_t.shape[0]

    def walk(prefix: Tuple, key: np.ndarray) -> Iterator[tuple[Tuple, np.ndarray]]:
        for c in range(prefix[-1] + 1 if prefix else 0, n_columns):
            t = prefix + (c,)
            k = codes_t[c].astype(np.int64) if not prefix else key * (cards[c] + 1) + codes_t[c]
            if only_length is None or len(t) == only_length:
                yield t, k
            if len(t) < length and (only_length is None or len(t) < only_length):
                yield from walk(t, k)

    yield from walk((), np.empty(0, dtype=np.int64))


def count_tuples(
    codes: np.ndarray,
    cards: list[int],
    length: int,
    weights: np.ndarray | None = None,
    only_length: int | None = None,
    out: dict[Tuple, np.ndarray] | None = None,
    on_tuple: Callable[[], None] | None = None,
) -> dict[Tuple, np.ndarray]:
    """Add this chunk's (optionally weighted) counts of every column tuple into `out` (created if None)."""
    out = {} if out is None else out
    codes_t = np.ascontiguousarray(codes.T)
    for t, key in iter_keys(codes_t, cards, length, only_length):
        shape = tuple_shape(t, cards)
        size = prod(shape)
        counts = np.bincount(key, weights=weights, minlength=size).reshape(shape)
        if t in out:
            prev = out[t]
            if prev.shape != shape:  # new values appeared in this chunk: pad the earlier counts
                prev = np.pad(prev, [(0, s - p) for s, p in zip(shape, prev.shape)])
            out[t] = prev + counts
        else:
            out[t] = counts
        if on_tuple is not None:
            on_tuple()
    return out


def pad_to(arrays: dict[Tuple, np.ndarray], cards: list[int]) -> dict[Tuple, np.ndarray]:
    """Pad every histogram to the final number of values per column (values first seen in later chunks)."""
    for t, a in arrays.items():
        shape = tuple_shape(t, cards)
        if a.shape != shape:
            arrays[t] = np.pad(a, [(0, s - p) for s, p in zip(shape, a.shape)])
    return arrays
