"""Shared helpers for the deid tests: random CTDC-like tables and the independent pycanon check."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pycanon import anonymity

MISSING = "<missing>"  # pycanon's groupby drops NA; a missing value is a value of its own in our semantics

AGE_HIER = {
    "0--8": ["Minor"], "9--17": ["Minor"], "18--20": ["Adult"], "21--23": ["Adult"], "24--26": ["Adult"],
    "27--29": ["Adult"], "30--38": ["Adult"], "39--47": ["Adult"], "48+": ["Adult"],
}  # fmt: skip


def pycanon_k(table: pd.DataFrame, qis: list[str]) -> int:
    return int(anonymity.k_anonymity(table.astype(object).fillna(MISSING), qis))


def pycanon_l(table: pd.DataFrame, qis: list[str], sensitive: str) -> int:
    return int(anonymity.l_diversity(table.astype(object).fillna(MISSING), qis, [sensitive]))


def random_table(n: int, seed: int, n_countries: int = 40, missing: float = 0.05) -> pd.DataFrame:
    """Skewed categorical table with a long tail, so that many raw combinations are rare."""
    rng = np.random.default_rng(seed)
    countries = [f"C{i:02d}" for i in range(n_countries)]
    p = 1.0 / np.arange(1, n_countries + 1)
    p /= p.sum()
    df = pd.DataFrame(
        {
            "gender": rng.choice(["Female", "Male"], n, p=[0.6, 0.4]),
            "ageBroad": rng.choice(list(AGE_HIER), n),
            "citizenship": rng.choice(countries, n, p=p),
            "year": rng.choice([str(y) for y in range(2010, 2024)], n),
            "outcome": rng.choice(["a", "b", "c"], n),
            "id": [f"r{i}" for i in range(n)],
        }
    ).astype("string")
    for col in ("gender", "ageBroad", "citizenship"):
        df.loc[rng.random(n) < missing, col] = pd.NA
    return df
