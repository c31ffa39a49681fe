"""Exact and threshold-protected aggregates (the Showcase's non-DP "reporting threshold + resolution" release).

Counts below the threshold K are not published; the others are rounded DOWN to a multiple of the resolution R.
A rounded count that would fall below K is not published either, so no published number ever looks like a small
cell: the rule actually applied is "below `effective_threshold(K, R)`" (with K=11, R=10: below 20, since 11-19 round
down to 10). Both work on one table or on an iterable of chunks, so a table larger than memory streams through
(memory: one chunk of codes plus the histograms).

Resolution 1 is refused: exact counts of overlapping cells can be differenced (an integer program over the published
cells and n pins suppressed cells exactly; tests/attacks/test_differencing_milp.py shows it), so a small count
hides behind nothing.

`classic_aggregates` is the `classic` profile's table: counted FROM the k-anonymized microdata, so no cell says more
than the published file itself (a post-processing of it) and none can be recomputed more precisely from the file
than it is published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

from cthub.aggregates.errors import AggregatesError, stage_errors
from cthub.tables.codes import StreamingEncoder, check_columns
from cthub.tables.counting import Tuple, check_size, count_tuples, pad_to
from cthub.tables.selections import to_frame

Chunks: TypeAlias = pd.DataFrame | Iterable[pd.DataFrame]
SUPPRESSED = "*"  # a k-anonymized file's suppressed cell


class ThresholdError(AggregatesError, ValueError):
    """Threshold parameters that would not protect small counts; the message says what to use instead."""


def check_rule(threshold: int, resolution: int) -> None:
    """Refuse parameters that publish small or exact counts, saying why and what to use."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ThresholdError(f"threshold must be a whole number >= 1 (CTDC uses 11), got {threshold!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 1:
        raise ThresholdError(f"resolution must be a whole number >= 2 (CTDC uses 10), got {resolution!r}")
    if resolution == 1:
        raise ThresholdError(
            "resolution 1 publishes exact counts, and exact counts of overlapping cells can be subtracted from each "
            "other (and from the number of records) to recover the suppressed small cells exactly; use resolution 10 "
            "(CTDC's rule) or at least 2, or the dp profile's DP aggregates"
        )


def effective_threshold(threshold: int, resolution: int) -> int:
    """The smallest count actually published: the first multiple of `resolution` at or above `threshold`.

    What the site must state as the rule: with threshold 11 and resolution 10, "below 11" is really "below 20",
    because 11 to 19 round down to 10, which is below 11 and so is not published either.
    """
    check_rule(threshold, resolution)
    return -(-int(threshold) // int(resolution)) * int(resolution)


def _check_length(length: int) -> None:
    if not isinstance(length, int) or length < 1:
        raise AggregatesError(f"length must be a whole number >= 1, got {length!r}")


@stage_errors()
def count_chunks(
    data: Chunks,
    length: int,
    columns: Sequence[str] | None = None,
    domain: dict[str, list[str]] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[list[str], list[list[str]], dict[Tuple, np.ndarray], int]:
    """Exact counts of every column tuple up to `length`: (columns, values, histograms, number of rows)."""
    _check_length(length)
    chunks = [data] if isinstance(data, pd.DataFrame) else data
    encoder: StreamingEncoder | None = None
    counts: dict[Tuple, np.ndarray] = {}
    rows = 0
    for chunk in chunks:
        if encoder is None:
            cols = check_columns(chunk, columns)
            if length > len(cols):
                raise AggregatesError(f"length {length} is more than the {len(cols)} columns; use --length {len(cols)}")
            encoder = StreamingEncoder(cols, domain)
        codes = encoder.encode(chunk)
        check_size(len(encoder.columns), [len(v) for v in encoder.values], length)
        count_tuples(codes, [len(v) for v in encoder.values], length, out=counts)
        rows += len(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    if encoder is None:
        raise AggregatesError("the input has no rows or chunks; nothing to aggregate")
    cards = [len(v) for v in encoder.values]
    return encoder.columns, [list(v) for v in encoder.values], pad_to(counts, cards), rows


def exact_aggregates(
    df: Chunks, length: int, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """True counts of every combination of up to `length` values. For evaluation only: never publish these."""
    cols, values, counts, _ = count_chunks(df, length, columns)
    return to_frame(cols, values, counts)


def protect_counts(counts: np.ndarray, threshold: int, resolution: int) -> np.ndarray:
    """Drop counts below `threshold`, round the rest down to a multiple of `resolution`, drop any that fall below.

    Low level: it does not check the rule; the public functions call `check_rule` first.
    """
    rounded = (counts // resolution) * resolution
    return np.where((counts >= threshold) & (rounded >= threshold), rounded, 0)


def threshold_aggregates(
    df: Chunks,
    length: int,
    threshold: int = 11,
    resolution: int = 10,
    columns: Sequence[str] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Counts of every combination of up to `length` values, small ones suppressed and the rest rounded down.

    Raises `ThresholdError` (a ValueError) for resolution 1 or a threshold below 1 (see `check_rule`).
    """
    check_rule(threshold, resolution)
    cols, values, counts, _ = count_chunks(df, length, columns, on_chunk=on_chunk)
    protected = {t: protect_counts(a, threshold, resolution) for t, a in counts.items()}
    return to_frame(cols, values, protected)


@stage_errors()
def classic_aggregates(
    kanon_df: pd.DataFrame,
    length: int,
    threshold: int = 11,
    resolution: int = 10,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Threshold aggregates of the k-anonymized microdata itself (the `classic` profile's public aggregates).

    Counting the published file, with its generalized values as published ("citizenship:Western Asia" when the file
    shows sub-regions), makes every cell a function of that file: a reader who counts the file gets the count the
    cell rounds, nothing finer, and the raw records' exact counts (which the file's suppression and recoding hide)
    never enter. A suppressed cell ("*") is left out like a missing value: its record still counts in n and in the
    selections of its other columns, but "*" is no category (it would tell a reader nothing and would mix cells hidden
    for different reasons). Same rule as `threshold_aggregates`: below `effective_threshold` not published, the
    rest rounded down to `resolution`.
    """
    check_rule(threshold, resolution)
    if not isinstance(kanon_df, pd.DataFrame):
        raise AggregatesError("classic_aggregates counts the k-anonymized table; pass it as a DataFrame")
    cols = check_columns(kanon_df, columns)
    frame = kanon_df[cols].astype("string")
    frame = frame.mask((frame == SUPPRESSED).fillna(False))
    return threshold_aggregates(frame, length, threshold=threshold, resolution=resolution, columns=cols)
