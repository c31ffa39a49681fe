"""Small tables for the synth tests (fake data; nothing sensitive)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_table(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Four dependent columns: b copies a 80% of the time, c depends on a and b jointly, d has missing values."""
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])
    b = np.where(rng.random(n) < 0.8, a, rng.choice(["x", "y", "z"], n))
    c = np.where((a == b) ^ (rng.random(n) < 0.1), "1", "0")
    d = rng.choice(["p", "q", None], n, p=[0.45, 0.45, 0.1])
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d}).astype("string")


DOMAIN = {"a": ["x", "y", "z"], "b": ["x", "y", "z"], "c": ["0", "1"], "d": ["p", "q"]}


@pytest.fixture
def table() -> pd.DataFrame:
    return make_table()


@pytest.fixture
def domain() -> dict[str, list[str]]:
    return {k: list(v) for k, v in DOMAIN.items()}
