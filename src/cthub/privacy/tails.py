"""Gaussian tail quantiles for noise thresholds (how high a noisy count must be before a value or combination is
kept, so that one held by a single record shows up with probability at most a stated delta)."""

from __future__ import annotations

import math
from statistics import NormalDist


def normal_upper_quantile(p: float) -> float:
    """z such that P(Z > z) = p for a standard normal Z (scipy's `norm.isf`, from the standard library: AS241).

    p <= 0 gives +inf and p >= 1 gives -inf, as scipy does; importing scipy.stats costs 1.5 s per command.
    """
    if p <= 0:
        return math.inf
    if p >= 1:
        return -math.inf
    return -NormalDist().inv_cdf(p)
