"""Per-person contribution bounds: the person, not the row, is the unit of privacy.

A victim with m perpetrator rows moves a row-level rho-zCDP mechanism by m^2 rho (group privacy of zCDP), so an
unbounded m makes any stated epsilon meaningless. Every DP mechanism therefore takes `max_rows_per_person = c`: the
caller first keeps at most c rows per person (`bound_contributions`), and the mechanism runs at row-level rho / c^2,
which is rho per person. The rows kept are chosen from the seed and the person key only, so a rerun keeps the same
rows and the choice reveals nothing about other people.
"""

from __future__ import annotations

import math
import secrets

import numpy as np
import pandas as pd
from pandas.util import hash_pandas_object

from cthub.privacy.delta import resolve_delta

__all__ = ["bound_contributions", "check_max_rows", "check_spend", "person_rho", "row_rho"]


def check_max_rows(max_rows_per_person: int) -> int:
    """The bound as an int >= 1, or a ValueError saying what to pass."""
    if isinstance(max_rows_per_person, bool) or not isinstance(max_rows_per_person, (int, np.integer)):
        raise ValueError(f"max_rows_per_person must be a whole number >= 1, got {max_rows_per_person!r}")
    if max_rows_per_person < 1:
        raise ValueError(f"max_rows_per_person must be >= 1, got {max_rows_per_person}")
    return int(max_rows_per_person)


def check_spend(epsilon: float, delta: float | None, max_records: int | None,
                max_rows_per_person: int) -> tuple[float, int]:
    """A mechanism's (delta, rows per person) after checking what it was asked to spend; a ValueError says what to
    pass (every DP fit checks the same four arguments the same way, so each says so in the same words)."""
    if not (epsilon > 0 and math.isfinite(epsilon)):
        raise ValueError(f"epsilon must be a positive number, got {epsilon!r}")
    return resolve_delta(delta, max_records), check_max_rows(max_rows_per_person)


def row_rho(rho_per_person: float, max_rows_per_person: int) -> float:
    """The row-level rho a mechanism may spend so that a person with at most c rows gets `rho_per_person`."""
    c = check_max_rows(max_rows_per_person)
    return rho_per_person / (c * c)


def person_rho(rho_per_row: float, max_rows_per_person: int) -> float:
    """Group privacy of zCDP: a row-level rho-zCDP mechanism is c^2 rho-zCDP for a person with at most c rows."""
    c = check_max_rows(max_rows_per_person)
    return rho_per_row * c * c


def _hash_key(seed: int | None) -> str:
    """pandas' row hash takes a 16-character key; a seed makes it reproducible, else it comes from the OS."""
    if seed is None:
        return secrets.token_hex(8)
    return f"{int(seed) & 0xFFFFFFFFFFFFFFFF:016x}"


def bound_contributions(
    df: pd.DataFrame, person: str, max_rows: int, seed: int | None = None
) -> tuple[pd.DataFrame, int]:
    """At most `max_rows` rows per person; returns the bounded frame (person column kept) and how many rows went.

    Which rows stay is decided by a keyed hash of (person key, the row's rank among that person's rows), keyed by
    the seed (OS randomness without one): reproducible for a seed, and independent of every other person's rows.
    A row without a person key cannot be linked to any other row and counts as a person of its own. Row order is
    kept. The count dropped is for the operator's report; it is not private and must not be published.
    """
    c = check_max_rows(max_rows)
    if person not in df.columns:
        raise ValueError(f"person column {person!r} is not in the table; it has: {', '.join(map(str, df.columns))}")
    if len(df) == 0:
        return df.copy(), 0
    keys = df[person].astype("string")
    missing = keys.isna().to_numpy()
    # Rows without a key are their own person: give each a unique key that no real key can equal.
    filled = keys.to_numpy(dtype=object, na_value=None)
    filled = np.where(missing, np.array([f"\x00row{i}" for i in range(len(df))], dtype=object), filled)
    positions = pd.Series(filled).groupby(filled, sort=False).cumcount().to_numpy()
    hashed = hash_pandas_object(
        pd.DataFrame({"p": pd.array(filled, dtype="string"), "i": positions}), index=False, hash_key=_hash_key(seed)
    ).to_numpy()
    order = pd.DataFrame({"p": filled, "h": hashed})
    rank = order.groupby("p", sort=False)["h"].rank(method="first").to_numpy()
    keep = rank <= c
    return df.loc[keep].copy(), int((~keep).sum())
