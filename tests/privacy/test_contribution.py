"""Per-person bounds: at most c rows per person, chosen reproducibly and independently of other people."""

from __future__ import annotations

import math

import opendp.domains as dpd
import opendp.measurements as dpm
import opendp.metrics as dpt
import pandas as pd
import pytest

from cthub.privacy import bound_contributions, count_sigma, noisy_count, person_rho, rho_from_epsilon, row_rho


def _vp(m: int) -> pd.DataFrame:
    rows = [{"victim": f"v{i}", "k": str(j)} for i in range(30) for j in range(1 + i % 4)]
    rows += [{"victim": "target", "k": str(j)} for j in range(m)]
    rows += [{"victim": None, "k": "x"}] * 5  # no key: each row is a person of its own
    return pd.DataFrame(rows, dtype="string")


@pytest.mark.parametrize("m", [1, 3, 10])
def test_at_most_c_rows_per_person_and_the_count_dropped(m: int) -> None:
    df = _vp(m)
    out, dropped = bound_contributions(df, "victim", 3, seed=1)
    per = out["victim"].value_counts()
    assert per.max() <= 3 and per["target"] == min(m, 3)
    assert out["victim"].isna().sum() == 5  # rows without a key are never dropped
    assert dropped == len(df) - len(out) == sum(max(n - 3, 0) for n in df["victim"].value_counts())
    assert list(out.columns) == ["victim", "k"] and out.index.is_monotonic_increasing  # key kept, order kept


def test_choice_is_reproducible_and_independent_of_other_people() -> None:
    df = _vp(10)
    a, _ = bound_contributions(df, "victim", 3, seed=7)
    b, _ = bound_contributions(df, "victim", 3, seed=7)
    assert a.equals(b)
    kept = set(a.loc[a["victim"] == "target", "k"])
    picks = {frozenset(bound_contributions(df, "victim", 3, seed=s)[0].query("victim == 'target'")["k"]) for s in
             range(20)}  # fmt: skip
    assert len(picks) > 1  # the seed matters
    target_only = df[df["victim"] == "target"]
    alone, _ = bound_contributions(target_only, "victim", 3, seed=7)
    assert set(alone["k"]) == kept  # the target's rows kept do not depend on anyone else's rows


def test_errors_say_what_to_pass() -> None:
    with pytest.raises(ValueError, match="max_rows_per_person"):
        bound_contributions(_vp(1), "victim", 0)
    with pytest.raises(ValueError, match="person column"):
        bound_contributions(_vp(1), "nope", 3)


@pytest.mark.parametrize("c", [1, 3, 10])
def test_noisy_count_per_person_by_opendps_map(c: int) -> None:
    rho = rho_from_epsilon(1.0, 1e-6)
    value, sigma = noisy_count(1000, rho, max_rows_per_person=c)
    assert sigma == pytest.approx(count_sigma(rho, c)) and value >= 0
    meas = dpm.make_gaussian(dpd.atom_domain(T=float, nan=False), dpt.absolute_distance(T=float), scale=sigma)
    assert meas.map(float(c)) <= rho * (1 + 1e-9)  # a person moves the count by at most c
    assert meas.map(float(c + 1)) > rho  # and the scale is not wastefully large
    assert person_rho(row_rho(rho, c), c) == pytest.approx(rho)
    assert abs(noisy_count(pd.DataFrame({"a": range(1000)}), rho, c)[0] - 1000) < 8 * sigma
    assert math.isfinite(sigma)
