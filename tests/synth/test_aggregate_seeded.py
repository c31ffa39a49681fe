"""The Synthetic Data Showcase ("aggregate-seeded") synthesizer: exact rows, seeded sampling, save/load, privacy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cthub.privacy import epsilon_from_rho
from cthub.synth import SynthError, get_synthesizer, load_model
from tests.synth.conftest import DOMAIN, make_table


@pytest.fixture(scope="module")
def model():  # noqa: ANN201 - an AggregateSeededModel
    return get_synthesizer("aggregate-seeded").fit(make_table(3000, seed=4), epsilon=4.0, delta=1e-6, domain=DOMAIN)


@pytest.mark.parametrize("n", [0, 1, 999, 5000])
def test_returns_exactly_n_complete_rows(model, n: int) -> None:  # noqa: ANN001
    out = model.sample(n, seed=1)
    assert len(out) == n
    assert list(out.columns) == ["a", "b", "c", "d"]
    assert all(str(t) == "string" for t in out.dtypes)
    for col, values in DOMAIN.items():
        assert set(out[col].dropna()) <= set(values)


def test_same_seed_same_rows(model) -> None:  # noqa: ANN001
    first = model.sample(2000, seed=7)
    assert first.equals(model.sample(2000, seed=7))
    assert not first.equals(model.sample(2000, seed=8))


def test_learns_the_table(model) -> None:  # noqa: ANN001
    real = make_table(3000, seed=4)
    fake = model.sample(6000, seed=0)
    for col in ("a", "c"):
        p = real[col].value_counts(normalize=True)
        q = fake[col].value_counts(normalize=True)
        assert p.sub(q, fill_value=0).abs().sum() / 2 < 0.08
    # b copies a 80% of the time: a 2-way dependence the sampler must keep
    assert (fake["a"] == fake["b"]).mean() > 0.6
    assert 0.02 < fake["d"].isna().mean() < 0.25  # missing drawn, not dropped


def test_save_load_round_trip(model, tmp_path: Path) -> None:  # noqa: ANN001
    path = model.save(tmp_path / "m.npz")
    again = load_model(path)
    assert again.privacy == model.privacy
    assert again.columns == model.columns
    pd.testing.assert_frame_equal(again.sample(500, seed=3), model.sample(500, seed=3))


def test_privacy_dict(model) -> None:  # noqa: ANN001
    p = model.privacy
    assert p["method"] == "aggregate-seeded"
    assert math.isclose(sum(s["rho"] for s in p["spends"]), p["rho_spent"], rel_tol=1e-9)
    assert math.isclose(p["epsilon"], epsilon_from_rho(p["rho_spent"], p["delta_conversion"]), rel_tol=1e-9)
    assert math.isclose(p["epsilon"], 4.0, rel_tol=1e-6)
    params = p["parameters"]
    assert params["reporting_length"] == 3 and params["percentile_percentage"] == 99
    assert params["percentile_epsilon_proportion"] == 0.01 and params["number_of_records_epsilon_proportion"] == 0.005
    assert params["fabrication_mode"] == "uncontrolled" and params["accuracy_mode"] == "prioritize_long_combinations"


def test_multi_valued_cells_and_errors() -> None:
    df = make_table(1500, seed=5)
    df["e"] = pd.array(["Female;Male" if i % 5 == 0 else ("Male" if i % 2 else "Female") for i in range(len(df))],
                       dtype="string")  # fmt: skip
    synth = get_synthesizer("aggregate-seeded", multi_value={"e": ";"}, reporting_length=2)
    m = synth.fit(df, epsilon=3.0, delta=1e-6, domain={**DOMAIN, "e": ["Female", "Male"]})
    out = m.sample(300, seed=0)
    assert set(out["e"].dropna()) <= {"Female", "Male", "Female;Male"}
    with pytest.raises(SynthError, match="fabrication_mode"):
        get_synthesizer("aggregate-seeded", fabrication_mode="never")
    with pytest.raises(SynthError, match="n must be"):
        m.sample(-1)


def test_one_way_counts_follow_the_released_ones_within_a_stated_bound() -> None:
    """Issue 16: the sampler drifted from the released 1-way counts (1-way error 688 on the 80k table), mostly
    because missing was read against the noisy record count. Now every cell of every column's 1-way table is within
    5 s of the real count, s = sqrt(2 sd1^2 + n/4): sd1 is the released 1-way noise (the Gaussian's noise_scale,
    once for the cell and once for the total it is scaled by) and n/4 bounds the variance of a count drawn as a sum
    of n independent Bernoullis (Hoeffding). With Gaussian tails beyond 5 s at 6e-7 per cell, the test fails by
    chance with probability below 1e-4 over the ~100 cells. The two country columns are left out: over 250 public
    codes the DP aggregates fabricate cells whose sum exceeds the records, so their missing share is lost before
    sampling (a gap of the released counts, stated in issue 16's report)."""
    import warnings

    from cthub.sample.benchmark_table import make_benchmark_table
    from cthub.standard import load_standard
    from cthub.synth import domain_from_standard

    df = make_benchmark_table(5000, seed=7)
    domain = domain_from_standard(load_standard().table("victims"), list(df.columns))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = get_synthesizer("aggregate-seeded").fit(df, epsilon=4.0, delta=1e-6, domain=domain)
    sd1 = model.privacy["levels"][0]["noise_scale"]
    out = model.sample(len(df), seed=0)
    bound = 5 * math.sqrt(2 * sd1**2 + len(df) / 4)
    worst = 0.0
    for col in [c for c in df.columns if len(domain.get(c, [])) <= 12]:
        real = df[col].fillna("<NA>").value_counts()
        syn = out[col].fillna("<NA>").value_counts()
        cells = real.index.union(syn.index)
        worst = max(worst, float((real.reindex(cells, fill_value=0) - syn.reindex(cells, fill_value=0)).abs().max()))
    assert worst <= bound, (worst, bound)


def test_one_way_counts_are_the_released_ones_in_fixed_proportions() -> None:
    """Issue 16, the rest of aggregate-seeded's 1-way error: drawn independently, each sampled count sat about
    sqrt(n p (1 - p)) from the released one (50-96 off on this 5k table; ~140 on the 80k). Sampled in fixed
    proportions, every column the structural rules leave free meets n x its released 1-way share within the
    systematic rounding of each 4,096-row block (< 1 per block). No DP noise enters this comparison (released
    counts against sampled ones), so the bound holds for any noise draw: it cannot fail by chance. Rule columns
    (e.g. majority status, fixed by the age band already drawn) can only follow where the rules let rows move."""
    import warnings

    from cthub.sample.benchmark_table import make_benchmark_table
    from cthub.standard import load_standard
    from cthub.synth import domain_from_standard

    df = make_benchmark_table(5000, seed=7)
    domain = domain_from_standard(load_standard().table("victims"), list(df.columns))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = get_synthesizer("aggregate-seeded").fit(df, epsilon=4.0, delta=1e-6, domain=domain)
    ruled = {c for rule in model.rules for c, _, _ in rule["clauses"]}
    free = [j for j, col in enumerate(model.columns) if col not in ruled]
    assert len(free) >= 8
    blocks = math.ceil(len(df) / 4096)
    for seed in (0, 1):
        out = model.sample(len(df), seed=seed)
        for j in free:
            col = model.columns[j]
            target = model._one_way_target(j)
            want = len(df) * target / target.sum()
            have = np.array([out[col].isna().sum()] + [(out[col] == v).sum() for v in model.values[j]])
            assert np.abs(have - want).max() < blocks, (col, float(np.abs(have - want).max()))
