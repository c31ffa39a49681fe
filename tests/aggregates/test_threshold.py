"""Exact and threshold aggregates: counts right, small cells never published, rounding, streaming."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from cthub.aggregates import AggregatesError, exact_aggregates, threshold_aggregates
from cthub.aggregates.threshold import classic_aggregates, effective_threshold, protect_counts
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


@pytest.mark.parametrize("threshold,resolution", [(11, 10), (5, 2), (20, 7)])
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


def test_resolution_1_is_refused_with_the_reason_and_what_to_use(table: pd.DataFrame) -> None:
    """Finding 4: resolution 1 was accepted, and its exact counts let an integer program recover suppressed cells."""
    for call in (lambda: threshold_aggregates(table, 2, threshold=11, resolution=1),
                 lambda: classic_aggregates(table, 2, threshold=11, resolution=1),
                 lambda: effective_threshold(11, 1)):
        with pytest.raises(ValueError, match="resolution 1 publishes exact counts.*resolution 10"):
            call()
    with pytest.raises(AggregatesError):  # still the stage's error type for the CLI
        threshold_aggregates(table, 2, resolution=1)
    with pytest.raises(ValueError, match="resolution must be a whole number"):
        threshold_aggregates(table, 2, resolution=0)


@pytest.mark.parametrize("threshold,resolution,expected", [(11, 10, 20), (20, 10, 20), (11, 2, 12), (5, 3, 6), (1, 5, 5)])
def test_effective_threshold_is_the_smallest_count_ever_published(threshold: int, resolution: int, expected: int) -> None:
    assert effective_threshold(threshold, resolution) == expected
    counts = np.arange(0, 200)
    published = protect_counts(counts, threshold, resolution)
    assert int(published[published > 0].min()) == expected  # the rule as applied, not as configured
    assert published[counts == expected][0] == expected and (published[counts < expected] == 0).all()


def _file_counts(kanon: pd.DataFrame, columns: list[str], length: int) -> dict:
    """Independent recount of the published file (pandas): "*" and missing are no value, as in classic_aggregates."""
    frame = kanon[columns].astype(object).where(lambda f: f != "*")
    out: dict = {}
    for size in range(1, length + 1):
        for combo in combinations(columns, size):
            counts = frame.dropna(subset=list(combo)).groupby(list(combo)).size()
            for key, n in counts.items():
                key = key if isinstance(key, tuple) else (key,)
                out[tuple(zip(combo, map(str, key)))] = int(n)
    return out


@pytest.fixture(scope="module")
def classic_release() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    from cthub.deid import anonymize
    from cthub.sample.benchmark_table import make_benchmark_table
    from cthub.standard import load_standard

    victims = load_standard().table("victims")
    raw = make_benchmark_table(40_000, 0)
    qis = [q for q in victims.quasi_identifiers if q in raw.columns]
    kanon = anonymize(raw, qis, k=11, columns=victims.kanon_columns).table
    return raw, kanon, list(kanon.columns)


def test_classic_aggregates_are_the_files_own_counts(classic_release) -> None:
    """No aggregate cell can be computed more precisely from the microdata than it is published: each cell is a
    rounded count of the published file itself (post-processing of it), and the file's counts of every selection
    agree with the table (a reader recounting the file learns nothing the aggregates add)."""
    _, kanon, cols = classic_release
    agg = as_dict(classic_aggregates(kanon, 2, threshold=11, resolution=10, columns=cols))
    recount = _file_counts(kanon, cols, 2)
    eff = effective_threshold(11, 10)
    assert agg and len(recount) > len(agg)  # some cells are suppressed
    for key, published in agg.items():
        assert published % 10 == 0 and published >= eff
        assert published <= recount[key] < published + 10  # the file's count lies inside the published interval
    for key, count in recount.items():
        if key not in agg:
            assert count < eff  # what the table hides, the file does not show above the rule
    # values as published: generalized codes, never a "*" category and never a finer code than the file shows
    published_values = {c: set(kanon[c].dropna().unique()) - {"*"} for c in cols}
    for key in agg:
        for col, value in key:
            assert value in published_values[col]


def test_legacy_pairing_let_the_file_recount_suppressed_cells(classic_release) -> None:
    """Finding 3, reproduced: raw-data threshold aggregates beside an all-column k-anonymized file; the file gives
    the exact count of cells the aggregates suppressed. The classic profile no longer publishes this pair."""
    from cthub.deid import anonymize
    from cthub.sample.benchmark_table import QUASI_IDENTIFIERS

    raw, _, _ = classic_release
    legacy = anonymize(raw, list(QUASI_IDENTIFIERS), k=11, l_diversity={}, coarsest={}, weights={}).table
    cols = ["isForcedLabour", "isSexualExploit", "isOtherExploit", "typeOfLabourAgriculture", "typeOfSexPornography",
            "meansOfControlDebtBondage", "isAbduction", "Datasource"]  # exact in the legacy file (not QIs)
    aggregates = as_dict(threshold_aggregates(raw, 3, threshold=11, resolution=10, columns=cols))
    truth = _file_counts(raw, cols, 3)
    from_file = _file_counts(legacy, cols, 3)
    leaked = [key for key, n in truth.items() if key not in aggregates and from_file.get(key) == n]
    assert len(leaked) > 0  # exact small counts, recovered by counting the published file
    # the classic file does not carry those columns at all
    _, kanon, _ = classic_release
    assert not set(cols[2:]) & set(kanon.columns)
