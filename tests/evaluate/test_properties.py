"""The vectorized combination counts agree with a plain-Python count on random tables."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cthub.evaluate.marginals import combination_stats, real_selection_counts
from cthub.tables.shared import encode

COLS = ["a", "b", "c"]
cell = st.one_of(st.none(), st.sampled_from(["x", "y", "z", "48+", "-"]))
rows = st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=40)


def brute(df: pd.DataFrame, length: int) -> Counter:
    out: Counter = Counter()
    for rec in df.itertuples(index=False):
        for cols in combinations(range(len(COLS)), length):
            vals = [rec[i] for i in cols]
            if all(v is not None and v is not pd.NA for v in vals):
                out[tuple((COLS[i], v) for i, v in zip(cols, vals))] += 1
    return out


def frame(r: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(r, columns=COLS).astype("string")


@settings(max_examples=30, deadline=None)
@given(rows, rows, st.integers(2, 5))
def test_counts_match_brute_force(real_rows: list[tuple], out_rows: list[tuple], k: int) -> None:
    real, out = frame(real_rows), frame(out_rows)
    s = combination_stats(encode({"r": real, "o": out}, COLS), "r", "o", 3, k)
    scale = len(real) / len(out)
    for length in (1, 2, 3):
        r = brute(real.astype(object).where(real.notna(), None), length)
        o = brute(out.astype(object).where(out.notna(), None), length)
        keys = set(r) | set(o)
        got = s["by_length"][str(length)]
        assert got["combinations"] == len(keys)
        assert got["rare_leaked"] == sum(1 for key in r if r[key] < k and o.get(key, 0) > 0)
        assert got["fabricated"] == sum(1 for key in o if key not in r)
        if keys:
            mae = sum(abs(r.get(key, 0) - o.get(key, 0) * scale) for key in keys) / len(keys)
            assert got["mean_abs_error"] == pytest.approx(mae)


@settings(max_examples=20, deadline=None)
@given(rows)
def test_selections_match_brute_force(real_rows: list[tuple]) -> None:
    real = frame(real_rows)
    got = real_selection_counts(encode({"r": real}, COLS), "r", 3)
    want = {}
    for length in (1, 2, 3):
        for key, n in brute(real.astype(object).where(real.notna(), None), length).items():
            want[";".join(f"{c}:{v}" for c, v in key)] = n
    assert dict(zip(got["selections"], got["real"])) == want
