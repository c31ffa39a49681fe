"""Empirical DP audits with canaries at epsilon 0.5 (issue 11): the noisy count and `dp_aggregates`, per record and
per person, including the multi-value canary of the review. A broken mechanism is shown to fail the same audit."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from cthub.aggregates import dp_aggregates
from cthub.privacy import discrete_gaussian, noisy_count, rho_from_epsilon
from tests.privacy.audit import Audit

EPSILON, DELTA = 0.5, 1e-6
COUNT_RUNS = 3000
AGG_RUNS = 100


def _count_audit(count, n: int, shift: int, runs: int) -> Audit:
    """Event: the output is at least n + shift + 2 sigma-ish (the tail where the likelihood ratio is largest)."""
    outs_d = np.array([count(n) for _ in range(runs)])
    outs_dp = np.array([count(n + shift) for _ in range(runs)])
    cut = n + shift + 20
    return Audit(int((outs_d >= cut).sum()), int((outs_dp >= cut).sum()), runs, EPSILON, DELTA)


@pytest.mark.parametrize("rows", [1, 3])
def test_noisy_count_keeps_epsilon_for_a_person_with_up_to_c_rows(rows: int) -> None:
    rho = rho_from_epsilon(EPSILON, DELTA)
    audit = _count_audit(lambda n: noisy_count(n, rho, max_rows_per_person=rows)[0], 500, rows, COUNT_RUNS)
    assert audit.violation() is None, audit.violation()


def test_the_audit_catches_a_count_with_too_little_noise() -> None:
    """The same audit fails on a count whose noise is far too small for its claimed epsilon: it can fail."""
    broken = lambda n: int(discrete_gaussian(np.array([n]), 0.3)[0])  # noqa: E731 - far below its claimed epsilon
    hits_d = sum(broken(500) >= 503 for _ in range(300))
    hits_d_prime = sum(broken(503) >= 503 for _ in range(300))  # one person's 3 rows
    assert Audit(hits_d, hits_d_prime, 300, EPSILON, DELTA).violation() is not None


def _base(n: int = 200, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "gender": rng.choice(["Female", "Male"], n),
        "x": rng.choice(["0", "1"], n),
        "country": rng.choice(["PH", "UA", "NG"], n),  # no public list: selected privately
    }).astype("string")  # fmt: skip


DOMAIN = {"gender": ["Female", "Male", "Other"], "x": ["0", "1"]}


def _agg_rate(df: pd.DataFrame, event: str, runs: int, **kw) -> int:
    hits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(runs):
            frame, _ = dp_aggregates(df, 1, epsilon=EPSILON, delta=DELTA, domain=DOMAIN, **kw)
            hits += bool(frame["selections"].str.contains(event, regex=False).any())
    return hits


def _old_rule(df: pd.DataFrame) -> dict[str, str]:
    """The rule the review broke: a column with a public list became multi-valued when a cell held ";"."""
    return {c: ";" for c in DOMAIN if df[c].str.contains(";", regex=False).any()}


CANARIES = {
    # a value only the canary holds, in a privately selected column: must not escape (rate <= delta)
    "unique selected value": ({"gender": "Female", "x": "1", "country": "ZZ"}, "country:ZZ", 1),
    # the review's multi-value canary: gender is not declared multi-valued, so its set is outside the public list
    "multi-value cell": ({"gender": "Female;Male", "x": "1", "country": "PH"}, "Female|Male", 1),
    # a public value no one else has, held by one person's 3 rows (the mechanism is told c = 3)
    "person with 3 rows": ({"gender": "Other", "x": "1", "country": "PH"}, "gender:Other", 3),
}


@pytest.mark.parametrize("case", list(CANARIES))
def test_dp_aggregates_keep_epsilon_against_canaries(case: str) -> None:
    row, event, rows = CANARIES[case]
    d = _base()
    canary = pd.DataFrame([row] * rows, dtype="string")
    d_prime = pd.concat([d, canary], ignore_index=True)
    kw = {"max_rows_per_person": rows}
    audit = Audit(_agg_rate(d, event, AGG_RUNS, **kw), _agg_rate(d_prime, event, AGG_RUNS, **kw), AGG_RUNS, EPSILON,
                  DELTA)  # fmt: skip
    assert audit.violation() is None, audit.violation()
    if case != "person with 3 rows":
        assert audit.hits_d == 0 and audit.hits_d_prime == 0  # the canary's value can only come from the canary
    assert math.isfinite(audit.epsilon)


def test_the_audit_catches_the_old_multi_value_rule() -> None:
    """Declaring a column multi-valued because a cell holds ";" (the old rule) fails this audit: it can fail."""
    row, event, _ = CANARIES["multi-value cell"]
    d = _base()
    d_prime = pd.concat([d, pd.DataFrame([row], dtype="string")], ignore_index=True)
    hits_d = _agg_rate(d, event, AGG_RUNS, multi_value=_old_rule(d))
    hits_dp = _agg_rate(d_prime, event, AGG_RUNS, multi_value=_old_rule(d_prime))
    assert Audit(hits_d, hits_dp, AGG_RUNS, EPSILON, DELTA).violation() is not None
