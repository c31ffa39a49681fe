"""Empirical privacy: a membership-inference attacker cannot beat what epsilon allows.

We plant one record with a combination no other record has, fit `mst` many times on the table with and without
it, and let the attacker say "in" when the planted combination appears in the synthetic output. For an
(epsilon, delta)-DP mechanism any test's TPR - FPR is at most (e^eps - 1 + 2 delta) / (e^eps + 1) (the
hypothesis-testing bound of Kairouz et al.); the measured advantage must stay below it plus a sampling margin of
three standard errors of the difference of two proportions over the runs. A control at a huge epsilon shows the
attack has power (the planted record then shows through), so the first check is not vacuous.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cthub.synth import get_synthesizer

DOMAIN = {c: ["x", "y", "z"] for c in "abc"}
PLANTED = ("z", "z", "z")


def _tables(n: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    a = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])
    b = np.where(rng.random(n) < 0.7, a, rng.choice(["x", "y"], n))
    c = rng.choice(["x", "y", "z"], n, p=[0.4, 0.4, 0.2])
    base = pd.DataFrame({"a": a, "b": b, "c": c})
    base = base[~((base.a == "z") & (base.b == "z") & (base.c == "z"))].reset_index(drop=True)
    with_planted = pd.concat([base, pd.DataFrame([PLANTED], columns=list("abc"))], ignore_index=True)
    return base.astype("string"), with_planted.astype("string")


def _hit_rate(df: pd.DataFrame, runs: int, epsilon: float, seed0: int) -> float:
    synth = get_synthesizer("mst")
    hits = 0
    for r in range(runs):
        out = synth.fit(df, epsilon=epsilon, delta=1e-5, domain=DOMAIN).sample(len(df), seed=seed0 + r)
        hits += bool(((out.a == "z") & (out.b == "z") & (out.c == "z")).any())
    return hits / runs


@pytest.mark.slow
def test_membership_advantage_within_the_dp_bound() -> None:
    out_table, in_table = _tables()
    epsilon, delta, runs = 1.0, 1e-5, 100
    tpr = _hit_rate(in_table, runs, epsilon, 0)
    fpr = _hit_rate(out_table, runs, epsilon, 10_000)
    bound = (math.exp(epsilon) - 1 + 2 * delta) / (math.exp(epsilon) + 1)
    margin = 3 * math.sqrt(0.25 / runs + 0.25 / runs)  # worst-case standard error of TPR - FPR, times three
    assert tpr - fpr <= bound + margin, f"advantage {tpr - fpr:.3f} > bound {bound:.3f} + margin {margin:.3f}"


@pytest.mark.slow
def test_control_attack_has_power_without_privacy() -> None:
    out_table, in_table = _tables()
    runs = 15
    tpr = _hit_rate(in_table, runs, 1e4, 0)
    fpr = _hit_rate(out_table, runs, 1e4, 10_000)
    assert tpr - fpr > 0.5  # with next to no noise the planted combination shows through
