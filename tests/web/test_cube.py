"""Filter keys, slugs and the synthetic-data combination index."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cthub.web.cube import FilterError, combination_counts, parse_selections, slug, unslug


@given(st.text(max_size=60))
def test_slug_round_trips_and_is_file_safe(key):
    s = slug(key)
    assert unslug(s) == key
    assert all(ch.isascii() and (ch.isalnum() or ch in "-._") for ch in s)


def test_parse_selections_keeps_multi_values_together():
    assert parse_selections("gender:Female;IP_Gender:Female;Male;ageBroad:9--17") == [
        ("gender", "Female"), ("IP_Gender", "Female;Male"), ("ageBroad", "9--17")]
    assert parse_selections("") == []
    with pytest.raises(FilterError, match="attribute:value"):
        parse_selections("Female")


def test_combination_counts_match_pandas():
    df = pd.DataFrame({
        "a": ["x", "y", "x", None, "x", "y"],
        "b": ["1", "0", "1", "1", None, "0"],
        "c": ["p", "p", "q", "q", "p", None],
    }, dtype="string")
    got = combination_counts(df, ["a", "b", "c"], 3)
    expected = {}
    for r in (1, 2, 3):
        for cols in itertools.combinations("abc", r):
            for key, n in df.dropna(subset=list(cols)).groupby(list(cols)).size().items():
                key = key if isinstance(key, tuple) else (key,)
                expected[frozenset(zip(cols, key))] = int(n)
    assert got == expected
