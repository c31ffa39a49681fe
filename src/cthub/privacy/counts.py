"""A DP record count: the one number about "how many" that may stand beside DP outputs.

Neighbouring datasets differ in n, so an exact n published next to DP outputs would undo them. One person with at
most c rows moves the count by c, hence the discrete Gaussian's scale c / sqrt(2 rho) (rho-zCDP per person).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cthub.privacy.contribution import check_max_rows
from cthub.privacy.noise import discrete_gaussian

__all__ = ["count_sigma", "noisy_count"]


def count_sigma(rho: float, max_rows_per_person: int = 1) -> float:
    """The discrete Gaussian scale that makes a count rho-zCDP per person: c / sqrt(2 rho)."""
    if not (rho > 0 and math.isfinite(rho)):
        raise ValueError(f"rho must be a positive number, got {rho!r}")
    return check_max_rows(max_rows_per_person) / math.sqrt(2.0 * rho)


def noisy_count(n_or_df: int | pd.DataFrame, rho: float, max_rows_per_person: int = 1) -> tuple[int, float]:
    """(noisy count clipped at 0, sigma) of a table's rows (or of an int count), rho-zCDP per person.

    The caller must have bounded each person to at most `max_rows_per_person` rows; clipping is post-processing.
    """
    n = len(n_or_df) if isinstance(n_or_df, pd.DataFrame) else int(n_or_df)
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    sigma = count_sigma(rho, max_rows_per_person)
    value = int(discrete_gaussian(np.array([n], dtype=np.int64), sigma)[0])
    return max(value, 0), sigma
