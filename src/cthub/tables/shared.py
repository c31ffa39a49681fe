"""Shared comparison codes: one set of integer codes for several tables over the same columns.

The evaluation compares real records with synthetic or protected ones by counting the same combinations in each,
so every table must use the same code for the same value: one pass of encoding, then bincounts. Missing cells
(pd.NA, None, "") get `MISSING_SENTINEL` (-1) and never form part of an attribute combination, as in the Synthetic
Data Showcase, where an empty value means "absent".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cthub.tables.missing import MISSING_SENTINEL, as_strings

__all__ = ["SharedCodes", "combo_keys", "count_pair", "decode_key", "encode"]


@dataclass
class SharedCodes:
    """Codes of several named tables (`codes[name]`) over the same columns, with one category list per column."""

    columns: list[str]
    categories: list[list[str]]  # per column, the labels code 0.. stand for
    codes: dict[str, np.ndarray]  # frame name -> (rows, columns) int32 matrix, MISSING_SENTINEL = missing

    @property
    def radices(self) -> np.ndarray:
        """Per column, the number of categories (at least 1): the base of its digit in a combination key."""
        return np.array([max(len(c), 1) for c in self.categories], dtype=np.int64)

    def rows(self, name: str) -> int:
        """Number of rows of table `name`."""
        return int(self.codes[name].shape[0])


def encode(frames: dict[str, pd.DataFrame], columns: list[str]) -> SharedCodes:
    """Encode `columns` of every frame with categories shared across frames (sorted labels)."""
    names = list(frames)
    sizes = [len(frames[n]) for n in names]
    bounds = np.cumsum([0] + sizes)
    mats = {n: np.full((sz, len(columns)), MISSING_SENTINEL, dtype=np.int32) for n, sz in zip(names, sizes)}
    categories: list[list[str]] = []
    for j, c in enumerate(columns):
        values = as_strings(pd.concat([frames[n][c].astype("string") for n in names], ignore_index=True))
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        categories.append([str(u) for u in uniques])
        for i, n in enumerate(names):
            mats[n][:, j] = codes[bounds[i] : bounds[i + 1]]
    return SharedCodes(columns=list(columns), categories=categories, codes=mats)


def combo_keys(codes: np.ndarray, cols: tuple[int, ...], radices: np.ndarray) -> tuple[np.ndarray, int]:
    """Mixed-radix keys of the rows where every column in `cols` is present, and the key space size."""
    sub = codes[:, cols]
    present = (sub > MISSING_SENTINEL).all(axis=1)
    sub = sub[present].astype(np.int64)
    key = np.zeros(sub.shape[0], dtype=np.int64)
    space = 1
    for j, col in enumerate(cols):
        key = key * radices[col] + sub[:, j]
        space *= int(radices[col])
    return key, space


def count_pair(a: np.ndarray, b: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, counts in a, counts in b) for every key that occurs in a or b."""
    if space <= 4_000_000:
        ca = np.bincount(a, minlength=space)
        cb = np.bincount(b, minlength=space)
        keys = np.flatnonzero((ca > 0) | (cb > 0))
        return keys, ca[keys], cb[keys]
    keys, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    ca = np.bincount(inverse[: len(a)], minlength=len(keys))
    cb = np.bincount(inverse[len(a) :], minlength=len(keys))
    return keys, ca, cb


def decode_key(key: int, cols: tuple[int, ...], enc: SharedCodes) -> list[str]:
    """Labels of one combination key (used only for aggregate labels, never for record rows)."""
    out = []
    for col in reversed(cols):
        r = int(enc.radices[col])
        out.append(enc.categories[col][key % r])
        key //= r
    return list(reversed(out))
