"""Measures computed on a published table itself: classes, k, l, and the prosecutor re-identification risk.

These recount everything from the output strings (a "*" and a missing value each being a value of their own), with
nothing taken from the engine's internal codes, so they double as the self-check that refuses a bad release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cthub.deid.groups import group_ids


def class_ids(table: pd.DataFrame, quasi_identifiers: Sequence[str]) -> tuple[np.ndarray, int]:
    """Equivalence class of every record, from the cell strings alone (missing is a value of its own)."""
    cols, cards = [], []
    for q in quasi_identifiers:
        codes, uniq = pd.factorize(table[q].astype("string"), use_na_sentinel=False)
        cols.append(codes.astype(np.int64))
        cards.append(max(len(uniq), 1))
    return group_ids(cols, cards)


Ids = tuple[np.ndarray, int] | None  # class ids already computed by `class_ids` for the same table


def class_sizes(table: pd.DataFrame, quasi_identifiers: Sequence[str], ids: Ids = None) -> np.ndarray:
    """Size of the equivalence class of every record (aligned with the table's rows)."""
    if len(table) == 0:
        return np.array([], dtype=np.int64)
    gid, n = ids or class_ids(table, quasi_identifiers)
    return np.bincount(gid, minlength=n)[gid]


def class_size_counts(table: pd.DataFrame, quasi_identifiers: Sequence[str], ids: Ids = None) -> np.ndarray:
    """Sizes of the equivalence classes (one entry per class)."""
    if len(table) == 0:
        return np.array([], dtype=np.int64)
    gid, n = ids or class_ids(table, quasi_identifiers)
    return np.bincount(gid, minlength=n)


def class_person_counts(ids: tuple[np.ndarray, int], persons: np.ndarray) -> np.ndarray:
    """Distinct persons in every equivalence class (one entry per class)."""
    gid, n = ids
    p = np.asarray(persons, dtype=np.int64)
    pairs = np.unique(gid * (int(p.max(initial=0)) + 1) + p)
    return np.bincount(pairs // (int(p.max(initial=0)) + 1), minlength=n)


def k_achieved(table: pd.DataFrame, quasi_identifiers: Sequence[str], ids: Ids = None) -> int | None:
    sizes = class_size_counts(table, quasi_identifiers, ids)
    return int(sizes.min()) if len(sizes) else None


def l_achieved(table: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str, ids: Ids = None) -> int | None:
    """Smallest number of distinct sensitive values (missing counted as a value) in any class."""
    if len(table) == 0:
        return None
    gid, n = ids or class_ids(table, quasi_identifiers)
    s = pd.factorize(table[sensitive].astype("string"), use_na_sentinel=False)[0].astype(np.int64)
    pairs = np.unique(gid * (int(s.max()) + 1) + s)
    return int(np.bincount(pairs // (int(s.max()) + 1), minlength=n).min())


def violations(
    table: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    k: int,
    l_diversity: Mapping[str, int] | None = None,
    ids: Ids = None,
    persons: np.ndarray | None = None,
) -> list[str]:
    """Why the table is not k-anonymous (l-diverse); empty when it is. Messages carry counts, never values.

    With `persons` (a person index per row), a class's size is its number of distinct persons.
    """
    problems: list[str] = []
    if len(table) and ids is None:
        ids = class_ids(table, quasi_identifiers)
    if persons is not None and len(table) and ids is not None:  # ids is set above whenever the table has rows
        sizes = class_person_counts(ids, persons)
        unit = "persons"
    else:
        sizes = class_size_counts(table, quasi_identifiers, ids)
        unit = "records"
    small = sizes[sizes < k]
    if len(small):
        problems.append(
            f"{len(small)} equivalence classes have fewer than {k} {unit} ({int(small.sum())} {unit} in them; "
            f"smallest class: {int(small.min())})"
        )
    for col, l in (l_diversity or {}).items():
        got = l_achieved(table, quasi_identifiers, col, ids)
        if got is not None and got < l:
            problems.append(f"a class has only {got} distinct values of {col!r} (l-diversity asks for {l})")
    return problems


def size_distribution(sizes: np.ndarray, k: int) -> dict[str, Any]:
    if len(sizes) == 0:
        return {"classes": 0}
    edges = [1, k, 2 * k, 5 * k, 10 * k]
    hist: dict[str, int] = {}
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        if hi is None:
            hist[f"{lo}+"] = int((sizes >= lo).sum())
        elif hi > lo:
            hist[f"{lo}-{hi - 1}"] = int(((sizes >= lo) & (sizes < hi)).sum())
    return {
        "classes": int(len(sizes)),
        "min": int(sizes.min()),
        "median": float(np.median(sizes)),
        "mean": float(sizes.mean()),
        "max": int(sizes.max()),
        "histogram": hist,
    }


def prosecutor_risk(sizes_per_record: np.ndarray, threshold: float) -> dict[str, float | int]:
    """Prosecutor model: a record's risk is 1 / the size of its class."""
    if len(sizes_per_record) == 0:
        return {"max": 0.0, "average": 0.0, "threshold": threshold, "records_above_threshold": 0, "share_above_threshold": 0.0}
    risk = 1.0 / sizes_per_record.astype(np.float64)
    above = int((risk > threshold).sum())
    return {
        "max": float(risk.max()),
        "average": float(risk.mean()),
        "threshold": threshold,
        "records_above_threshold": above,
        "share_above_threshold": above / len(risk),
    }
