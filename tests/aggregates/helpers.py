"""Fake tables and a selections parser for the aggregates tests (no real records)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def fake_table(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Six dependent categorical columns with some missing values."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n, p=[0.7, 0.3])
    age = np.where(rng.random(n) < 0.3, "9--17", rng.choice(["18--20", "21--23", "30--38"], n))
    labour = np.where((sex == "Male") ^ (rng.random(n) < 0.2), "1", "0")
    sexual = np.where(labour == "1", np.where(rng.random(n) < 0.1, "1", "0"), "1")
    country = rng.choice(["PH", "UA", "NG", "US", "KH"], n, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    year = rng.choice([str(y) for y in range(2015, 2021)], n)
    df = pd.DataFrame(
        {"gender": sex, "ageBroad": age, "isForcedLabour": labour, "isSexualExploit": sexual,
         "citizenship": country, "yearOfRegistration": year}
    ).astype("string")  # fmt: skip
    for col, share in (("ageBroad", 0.15), ("citizenship", 0.1), ("isSexualExploit", 0.05)):
        df.loc[rng.random(n) < share, col] = pd.NA
    return df


def parse(selection: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(part.split(":", 1)) for part in selection.split(";"))  # type: ignore[misc]


def as_dict(frame: pd.DataFrame) -> dict[tuple[tuple[str, str], ...], int]:
    return {parse(s): int(c) for s, c in zip(frame["selections"], frame["count"])}
