"""The delta of a DP mechanism, chosen without looking at the data.

A delta computed from the records, even from a noisy count of them, is itself a random, data-dependent number: the
stated guarantee would differ between neighbouring datasets. So delta is the caller's, or 1 / (N ln N) from a public
upper bound N on the number of records that the user states (the Synthetic Data Showcase's rule, with a public N).
"""

from __future__ import annotations

import math

__all__ = ["DeltaRequired", "delta_from_bound", "resolve_delta"]


class DeltaRequired(ValueError):
    """Neither a delta nor a public bound on the number of records was given."""


def delta_from_bound(max_records: int) -> float:
    """1 / (N ln N) for a public upper bound N (>= 3) on the number of records."""
    if isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 3:
        raise ValueError(f"max_records must be a whole number >= 3 (a public upper bound on the records), got "
                         f"{max_records!r}")
    return 1.0 / (max_records * math.log(max_records))


def resolve_delta(delta: float | None, max_records: int | None = None) -> float:
    """The caller's delta, else 1 / (N ln N) from `max_records`; with neither, a DeltaRequired error that says what
    to pass."""
    if delta is not None:
        if not (isinstance(delta, (int, float)) and 0 < delta < 1):
            raise ValueError(f"delta must be in (0, 1), got {delta!r}")
        return float(delta)
    if max_records is None:
        raise DeltaRequired(
            "no delta given: pass delta= (CLI --delta, e.g. 1e-6), or a public upper bound on the number of records "
            "max_records= (CLI --max-records N) for delta = 1/(N ln N); delta is never derived from the data"
        )
    return delta_from_bound(max_records)
