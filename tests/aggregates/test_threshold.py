"""Exact and threshold aggregates: counts right, small cells never published, rounding, streaming."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest

from cthub.aggregates import AggregatesError, exact_aggregates, threshold_aggregates
from tests.aggregates.helpers import as_dict, fake_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return fake_table(3000, seed=1)


def test_exact_counts_match_pandas_and_exclude_missing(table: pd.DataFrame) -> None:
    got = as_dict(exact_aggregates(table, 3))
    cols = list(table.columns)
    expected: dict = {}
    for k in (1, 2, 3):
        for combo in combinations(cols, k):
            counts = table.dropna(subset=list(combo)).groupby(list(combo)).size()
            for key, n in counts.items():
                key = key if isinstance(key, tuple) else (key,)
                expected[tuple(zip(combo, map(str, key)))] = int(n)
    assert got == expected


def test_selections_are_in_column_order_with_lengths(table: pd.DataFrame) -> None:
    frame = exact_aggregates(table, 2)
    order = {c: i for i, c in enumerate(table.columns)}
    for sel, length in zip(frame["selections"], frame["length"]):
        names = [p.split(":", 1)[0] for p in sel.split(";")]
        assert len(names) == length
        assert [order[n] for n in names] == sorted(order[n] for n in names)
    assert "gender:Female" in set(frame["selections"])


@pytest.mark.parametrize("threshold,resolution", [(11, 10), (5, 1), (20, 7)])
def test_threshold_never_publishes_small_counts(table: pd.DataFrame, threshold: int, resolution: int) -> None:
    exact = as_dict(exact_aggregates(table, 3))
    frame = threshold_aggregates(table, 3, threshold=threshold, resolution=resolution)
    assert len(frame) > 0
    counts = frame["count"]
    assert not ((counts >= 1) & (counts < threshold)).any()
    assert (counts % resolution == 0).all()
    for key, published in as_dict(frame).items():
        true = exact[key]
        assert true >= threshold
        assert published <= true < published + resolution  # rounded down
    # every combination with a count comfortably above the threshold is published
    big = {k for k, v in exact.items() if v >= max(threshold, 2 * resolution) + resolution}
    assert big <= set(as_dict(frame))


def test_streaming_chunks_give_the_same_result(table: pd.DataFrame) -> None:
    whole = threshold_aggregates(table, 3)
    chunks = (table.iloc[i : i + 700] for i in range(0, len(table), 700))
    streamed = threshold_aggregates(chunks, 3)
    assert as_dict(whole) == as_dict(streamed)


def test_bad_arguments_say_what_to_do(table: pd.DataFrame) -> None:
    with pytest.raises(AggregatesError, match="not in the table"):
        exact_aggregates(table, 2, columns=["gender", "nope"])
    with pytest.raises(AggregatesError, match="--length"):
        exact_aggregates(table[["gender"]], 2)
    with pytest.raises(AggregatesError, match="threshold"):
        threshold_aggregates(table, 2, threshold=0)
