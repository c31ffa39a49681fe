"""Choosing a column's values privately, for columns whose list of values is not public.

A value only a few people hold must not appear in any output just because it is in the data: values are kept only
if their noisy count passes a threshold calibrated so that a value one person holds shows with probability at most
delta. This spends budget (a Gaussian over the value counts) and delta, both booked on the caller's `Budget`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy.accounting import Budget
from cthub.privacy.noise import discrete_gaussian
from cthub.privacy.tails import normal_upper_quantile

__all__ = ["private_domain", "selection_threshold"]


def selection_threshold(sigma: float, delta: float, max_rows_per_person: int = 1) -> float:
    """Noisy-count threshold for choosing values privately, so a value held by one person shows with prob <= delta.

    A person with at most c rows holds at most c values no one else holds, each with a true count of at most c; the
    discrete Gaussian's tail beyond t is at most the continuous one's beyond t - 1, hence c + 1, and a union bound
    over the c values, hence delta / c. With c = 1 this is the one-record rule 2 + sigma z(delta).
    """
    c = int(max_rows_per_person)
    return c + 1.0 + sigma * normal_upper_quantile(delta / c)


def private_domain(
    columns: dict[str, pd.Series],
    budget: Budget,
    rho: float,
    delta: float,
    max_rows_per_person: int = 1,
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Choose each column's values privately: noisy counts of the values present, kept if over a threshold.

    One row adds 1 to one count per column, so the row-level L2 sensitivity over all d columns is sqrt(d) and the
    discrete Gaussian sigma is sqrt(d / (2 rho)) for a row-level `rho` (the budget's unit). A value only one person
    holds could still pass the threshold: that is the `delta` this step adds (split over the columns), booked with
    the spend. Returns the domains and a parameter dict for the report (no count of the values present).
    """
    if not columns:
        return {}, {}
    budget.spend(f"private value selection ({', '.join(columns)})", rho, delta)
    sigma = math.sqrt(len(columns) / (2.0 * rho))
    threshold = selection_threshold(sigma, delta / len(columns), max_rows_per_person)
    domains: dict[str, list[str]] = {}
    for name, series in columns.items():
        counts = series.dropna().value_counts()
        if counts.empty:
            domains[name] = []
            continue
        noisy = discrete_gaussian(counts.to_numpy(dtype=np.int64), sigma)
        keep = [str(v) for v, c in zip(counts.index, noisy) if c >= threshold]
        domains[name] = sorted(keep)
    return domains, {"sigma": sigma, "threshold": threshold, "delta": delta, "columns": list(columns)}
