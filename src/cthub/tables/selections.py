"""The Synthetic Data Showcase's aggregate format: `selections`, `length`, `count`, one row per combination.

A selection names each attribute as `column:value`, joined with `;` in column order (`gender:Female;ageBroad:9--17`),
so files are comparable with what the Showcase and pac-synth publish. A multi-valued cell's set is written with
"|" inside a selection (`IP_Gender:Female|Male`), since ";" separates attributes. Writing the files is the aggregates
stage's (`cthub.aggregates.selections.write_aggregates`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cthub.tables.counting import Tuple

__all__ = ["COLUMNS", "MULTI_JOINER", "empty_frame", "to_frame"]

COLUMNS = ["selections", "length", "count"]
MULTI_JOINER = "|"


def empty_frame() -> pd.DataFrame:
    """An aggregate table with no rows and the format's dtypes, so empty results concatenate and write alike."""
    return pd.DataFrame(
        {"selections": pd.Series([], dtype="string"), "length": pd.Series([], dtype="int64"),
         "count": pd.Series([], dtype="int64")}
    )  # fmt: skip


def _value(value: str) -> str:
    """A value as written in a selection: a multi-valued set's ";" becomes "|" (";" separates attributes)."""
    return value.replace(";", MULTI_JOINER)


def to_frame(columns: list[str], values: list[list[str]], counts: dict[Tuple, np.ndarray]) -> pd.DataFrame:
    """Rows for every nonzero cell of every tuple's histogram (index 0 = missing is never written)."""
    labels = [np.array([f"{col}:{_value(v)}" for v in [""] + vals], dtype=object) for col, vals in zip(columns, values)]
    parts_sel: list[np.ndarray] = []
    parts_len: list[np.ndarray] = []
    parts_cnt: list[np.ndarray] = []
    for t in sorted(counts, key=lambda t: (len(t), t)):
        arr = counts[t]
        core = arr[(slice(1, None),) * len(t)]
        idx = np.nonzero(core)
        if not idx[0].size:
            continue
        sel = labels[t[0]][idx[0] + 1]
        for pos in range(1, len(t)):
            sel = sel + ";" + labels[t[pos]][idx[pos] + 1]
        parts_sel.append(sel)
        parts_len.append(np.full(idx[0].size, len(t), dtype=np.int64))
        parts_cnt.append(np.asarray(core[idx], dtype=np.int64))
    if not parts_sel:
        return empty_frame()
    return pd.DataFrame(
        {
            "selections": pd.array(np.concatenate(parts_sel), dtype="string"),
            "length": np.concatenate(parts_len),
            "count": np.concatenate(parts_cnt),
        }
    )
