"""Cell values before they get codes: multi-valued cells as canonical sets, and numbers in public bands.

Which columns are multi-valued comes from the schema (`Domain.multi`, set by `domain_from_standard` for the
standard's `multi` variables) or an argument (`multi_value=`, CLI `--multi COL[:SEP]`), never from a separator
found in a cell: one record could otherwise turn a column into sets and create a category. A cell is a *set* of
atoms, written sorted and joined with the separator ("Female;Male"), and every stage treats one set as one value.
With a public atom list the values are the subsets of up to `max_subset_size` atoms (all subsets when there are at
most 6 atoms). Set-as-value keeps co-occurrence inside a cell exact, which per-atom flags would lose.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy.domain import warn_out_of_domain
from cthub.tables.errors import TableError

__all__ = [
    "DEFAULT_SEPARATOR", "bin_numeric", "canonical_sets", "normalize_multi", "parse_multi_value", "subset_domain",
]

DEFAULT_SEPARATOR = ";"


def parse_multi_value(specs: list[str] | None) -> dict[str, str]:
    """`["IP_Gender", "IP_Relation:|"]` -> {"IP_Gender": ";", "IP_Relation": "|"} (separator defaults to ";")."""
    out: dict[str, str] = {}
    for spec in specs or []:
        name, _, sep = spec.partition(":")
        if not name:
            raise TableError(f"--multi-value {spec!r}: give a column name, e.g. IP_Gender or IP_Gender:;")
        out[name] = sep or DEFAULT_SEPARATOR
    return out


def normalize_multi(series: pd.Series, sep: str, atoms: list[str] | None = None) -> pd.Series:
    """Each cell as a canonical set: atoms stripped, duplicates dropped, sorted (as the contract joins them); atoms
    outside a given public list make the cell missing (and the operator is warned, by column name only)."""
    order = {a: i for i, a in enumerate(atoms)} if atoms else None
    outside = False

    def canon(cell: Any) -> Any:
        if cell is pd.NA or cell is None or (isinstance(cell, float) and math.isnan(cell)):
            return pd.NA
        parts = {p.strip() for p in str(cell).split(sep) if p.strip()}
        if not parts:
            return pd.NA
        if order is not None:
            if any(p not in order for p in parts):
                nonlocal outside
                outside = True
                return pd.NA  # an atom outside the public list: not publishable, so treated as missing
        return sep.join(sorted(parts))

    out = series.map(canon).astype("string")
    if outside:
        warn_out_of_domain(str(series.name))
    return out


def subset_domain(atoms: list[str], sep: str = DEFAULT_SEPARATOR, max_subset_size: int | None = None) -> list[str]:
    """Categories for a multi-valued column: non-empty subsets of the public atoms, in atom order."""
    if max_subset_size is None:
        max_subset_size = len(atoms) if len(atoms) <= 6 else 2
    out: list[str] = []
    for size in range(1, min(max_subset_size, len(atoms)) + 1):
        out.extend(sep.join(sorted(c)) for c in combinations(atoms, size))  # cells join sorted values
    return out


def canonical_sets(values: list[str], sep: str) -> list[str]:
    """A domain that already lists sets, each put in the canonical (sorted) form cells use."""
    return [sep.join(sorted(p.strip() for p in v.split(sep))) for v in values]


def bin_numeric(series: pd.Series, edges: list[float], labels: list[str] | None = None) -> pd.Series:
    """Numbers into public bands [edges[i], edges[i+1]) with a last open band; labels default to "a--b" / "a+".

    The bands must be public (the standard's, e.g. CTDC age bands), never derived from the data.
    """
    edges = sorted(float(e) for e in edges)
    if labels is None:
        labels = [f"{_num(a)}--{_num(b - 1)}" for a, b in zip(edges, edges[1:])] + [f"{_num(edges[-1])}+"]
    if len(labels) != len(edges):
        raise TableError(f"{len(edges)} band edges need {len(edges)} labels, got {len(labels)}")
    values = pd.to_numeric(series, errors="coerce")
    idx = np.searchsorted(np.asarray(edges), values.to_numpy(dtype=float, na_value=np.nan), side="right") - 1
    out = pd.Series(pd.NA, index=series.index, dtype="string")
    ok = values.notna().to_numpy() & (idx >= 0)
    out[ok] = np.asarray(labels, dtype=object)[idx[ok]]
    return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
