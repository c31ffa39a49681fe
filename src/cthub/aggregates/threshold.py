"""Exact and threshold-protected aggregates (the Showcase's non-DP "reporting threshold + resolution" release).

Counts below the threshold K are not published; the others are rounded DOWN to a multiple of the resolution R.
A rounded count that would fall below K is not published either, so no published number ever looks like a small
cell (with K=11, R=10 the smallest published count is 20). Both work on one table or on an iterable of chunks, so a
table larger than memory streams through (memory: one chunk of codes plus the histograms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from cthub.aggregates.counting import Tuple, check_size, count_tuples, pad_to
from cthub.aggregates.encoding import AggregatesError, StreamingEncoder, check_columns
from cthub.aggregates.selections import to_frame

Chunks = pd.DataFrame | Iterable[pd.DataFrame]


def _check_length(length: int) -> None:
    if not isinstance(length, int) or length < 1:
        raise AggregatesError(f"length must be a whole number >= 1, got {length!r}")


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
    """Drop counts below `threshold`, round the rest down to a multiple of `resolution`, drop any that fall below."""
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
    """Counts of every combination of up to `length` values, small ones suppressed and the rest rounded down."""
    if threshold < 1 or resolution < 1:
        raise AggregatesError(f"threshold and resolution must be >= 1, got {threshold} and {resolution}")
    cols, values, counts, _ = count_chunks(df, length, columns, on_chunk=on_chunk)
    protected = {t: protect_counts(a, threshold, resolution) for t, a in counts.items()}
    return to_frame(cols, values, protected)
