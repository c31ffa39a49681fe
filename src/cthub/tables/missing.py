"""Missing values: one rule for what counts as missing, and a name for where each code layout puts it.

In a table handed between stages a missing cell is `pd.NA` (and an empty cell in CSV); an empty string is missing
too, as it would be once written to CSV and read back. That is `as_strings`, which every codec starts with.

Codes are small integers, and three layouts exist because each serves its arithmetic; unifying the numbers would
change saved models and histogram shapes, so each keeps its numbering, named here:

- `MISSING_FIRST` (0): counting codes (`cthub.tables.codes.CountCodes`, aggregates and DP marginals). Value i of a
  column is code i + 1, so the slice `[1:, 1:, ...]` of a histogram drops every combination with a missing part.
- `MISSING_SENTINEL` (-1): shared comparison codes (`cthub.tables.shared.SharedCodes`, evaluation). Pandas' NA
  sentinel; values are 0..m-1 and a combination with a missing part is dropped by `code >= 0`.
- `missing_last(m)` (m): model codes (`cthub.tables.categories.Encoder`, the synthesizers). Missing is one more
  category after the m public groups, so a model learns it and can sample it like any other value.

k-anonymization (`cthub.deid.encode`) keeps missing as a value of its own with an ordinary code at every level
below the top, since a query for "missing" must return at least k records like any other value.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["MISSING_FIRST", "MISSING_SENTINEL", "as_strings", "missing_last"]

MISSING_FIRST = 0
MISSING_SENTINEL = -1


def missing_last(n_groups: int) -> int:
    """The missing code of a column with `n_groups` public groups in the model layout (codes 0..n-1 are groups)."""
    return int(n_groups)


def as_strings(series: pd.Series, *, blank: bool = False) -> pd.Series:
    """The column as `string` dtype with empty cells missing; `blank=True` also makes whitespace-only cells missing.

    The synthesizers' encoder has always treated blank cells as missing and the counting codes only empty ones;
    the flag keeps both exactly as they were.
    """
    s = series.astype("string")
    if blank:
        return s.mask(s.str.strip() == "", pd.NA)
    return s.mask(s.str.len() == 0)
