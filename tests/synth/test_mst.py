"""The default `mst` method: output shape, accounting, domains, utility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cthub.privacy import epsilon_from_rho, rho_from_epsilon
from cthub.synth import SynthError, get_synthesizer
from cthub.synth.mst import DEFAULT_SPLIT, MSTModel


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, MSTModel]:
    from tests.synth.conftest import DOMAIN, make_table

    df = make_table()
    return df, get_synthesizer("mst").fit(df, epsilon=3.0, delta=1e-6, domain=DOMAIN)


def test_sample_has_exactly_n_rows_and_the_fitted_columns(fitted) -> None:
    df, model = fitted
    for n in (0, 1, 37, 5000):
        out = model.sample(n, seed=1)
        assert len(out) == n
        assert list(out.columns) == list(df.columns)
        assert all(str(t) == "string" for t in out.dtypes)


def test_sampling_is_seeded(fitted) -> None:
    _, model = fitted
    pd.testing.assert_frame_equal(model.sample(300, seed=5), model.sample(300, seed=5))
    assert not model.sample(300, seed=5).equals(model.sample(300, seed=6))


def test_accounting_spends_sum_to_rho_and_epsilon_matches(fitted) -> None:
    _, model = fitted
    p = model.privacy
    assert sum(s["rho"] for s in p["spends"]) == pytest.approx(p["rho"], rel=1e-9)
    assert p["rho_spent"] == pytest.approx(p["rho"], rel=1e-9)
    assert p["epsilon"] == pytest.approx(epsilon_from_rho(p["rho"], p["delta_conversion"]), abs=1e-6)
    assert p["epsilon"] == pytest.approx(3.0, abs=1e-6)
    assert p["rho"] == pytest.approx(rho_from_epsilon(3.0, 1e-6), rel=1e-9)
    assert p["delta"] == 1e-6 and p["delta_selection"] == 0.0  # every domain public: no selection delta
    whats = [s["what"] for s in p["spends"]]
    assert any("1-way" in w for w in whats) and any("spanning tree" in w for w in whats)
    assert any("3-way marginals" in w for w in whats)
    # The split in the docstring is the one used: 1-way got its documented share of rho.
    one = next(s["rho"] for s in p["spends"] if s["what"] == "1-way marginals")
    assert one == pytest.approx(DEFAULT_SPLIT["one_way"] / sum(DEFAULT_SPLIT.values()) * p["rho"], rel=1e-9)
    assert p["parameters"]["split"] == DEFAULT_SPLIT


def test_default_delta_and_private_selection_are_accounted() -> None:
    from tests.synth.conftest import make_table

    df = make_table(3000)
    model = get_synthesizer("mst").fit(df, epsilon=2.0, max_records=50_000)  # no delta, no domain
    p = model.privacy
    assert p["delta"] == pytest.approx(1 / (50_000 * math.log(50_000)), rel=1e-12)  # public bound, not the data
    assert p["delta_selection"] == pytest.approx(0.1 * p["delta"])
    assert p["delta_conversion"] + p["delta_selection"] == pytest.approx(p["delta"])
    assert sum(s["rho"] for s in p["spends"]) == pytest.approx(p["rho"], rel=1e-9)
    assert p["epsilon"] == pytest.approx(epsilon_from_rho(p["rho"], p["delta_conversion"]), abs=1e-6)
    assert not any("record count" in s["what"] for s in p["spends"])
    selection = [s for s in p["spends"] if "value selection" in s["what"]]
    assert len(selection) == 1 and selection[0]["delta"] == pytest.approx(p["delta_selection"])
    assert sum(s.get("delta", 0.0) for s in p["spends"]) + p["delta_conversion"] == pytest.approx(p["delta"])
    with pytest.raises(SynthError, match="max-records"):
        get_synthesizer("mst").fit(df, epsilon=2.0)


def test_missing_is_kept_and_no_value_outside_the_domain_appears(fitted) -> None:
    df, model = fitted
    out = model.sample(len(df), seed=2)
    share = out["d"].isna().mean()
    assert 0.05 < share < 0.15  # about 10 % missing in the input
    from tests.synth.conftest import DOMAIN

    for col, values in DOMAIN.items():
        assert set(out[col].dropna()) <= set(values)


def test_a_value_only_one_record_holds_never_appears_without_a_public_domain() -> None:
    from tests.synth.conftest import make_table

    df = make_table(1000)
    df.loc[0, "a"] = "singular"  # a value one record alone holds
    for _ in range(3):
        out = get_synthesizer("mst").fit(df, epsilon=8.0, delta=1e-6).sample(2000, seed=0)
        assert "singular" not in set(out["a"].dropna())


def test_keeps_dependence_between_columns(fitted) -> None:
    df, model = fitted
    out = model.sample(len(df), seed=3)
    real = (df["a"] == df["b"]).mean()
    syn = (out["a"] == out["b"]).mean()
    assert abs(real - syn) < 0.05  # b copies a 80 % of the time; independence would give ~0.38
    # c depends on a and b jointly (c = [a == b] flipped 10 %): the 3-way clique carries it.
    agree = ((out["a"] == out["b"]) == (out["c"] == "1")).mean()
    assert agree > 0.8


def test_multi_value_column_as_subsets() -> None:
    rng = np.random.default_rng(0)
    cells = rng.choice(["Female", "Male", "Female;Male", "Male;Female", None], 3000, p=[0.4, 0.3, 0.1, 0.1, 0.1])
    df = pd.DataFrame({"g": cells, "h": rng.choice(["0", "1"], 3000)}).astype("string")
    model = get_synthesizer("mst", multi_value={"g": ";"}).fit(
        df, epsilon=4.0, delta=1e-6, domain={"g": ["Female", "Male"], "h": ["0", "1"]}
    )
    out = model.sample(3000, seed=0)
    assert set(out["g"].dropna()) <= {"Female", "Male", "Female;Male"}
    assert abs((out["g"] == "Female;Male").mean() - 0.2) < 0.05  # "Male;Female" is the same set


def test_sets_need_the_schema_or_an_argument_and_unknown_values_warn_without_quoting_them() -> None:
    from cthub.privacy import Domain, OutOfDomainWarning

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": rng.choice(["Female", "Male", "Female;Male", "Secret"], 2000),
                       "h": rng.choice(["0", "1"], 2000)}).astype("string")  # fmt: skip
    dom = {"g": ["Female", "Male"], "h": ["0", "1"]}
    with pytest.warns(OutOfDomainWarning) as caught:
        out = get_synthesizer("mst").fit(df, epsilon=4.0, delta=1e-6, domain=dom).sample(2000, seed=0)
    assert set(out["g"].dropna()) <= {"Female", "Male"}  # not declared multi-valued: sets are outside the list
    message = " ".join(str(w.message) for w in caught)
    assert "'g'" in message and "Secret" not in message and not any(ch.isdigit() for ch in message)
    schema = Domain(dom, multi={"g": ";"})  # as domain_from_standard returns for a `multi` variable
    with pytest.warns(OutOfDomainWarning):
        model = get_synthesizer("mst").fit(df, epsilon=4.0, delta=1e-6, domain=schema)
    assert "Female;Male" in set(model.sample(2000, seed=0)["g"].dropna())
    assert model.privacy["parameters"]["multi_value"] == {"g": ";"}


def test_rejects_bad_parameters() -> None:
    from tests.synth.conftest import make_table

    df = make_table(100)
    with pytest.raises(SynthError, match="epsilon"):
        get_synthesizer("mst").fit(df, epsilon=0)
    with pytest.raises(SynthError, match="delta"):
        get_synthesizer("mst").fit(df, epsilon=1, delta=2)
    with pytest.raises(SynthError, match="columns not in the input"):
        get_synthesizer("mst", columns=["nope"]).fit(df, epsilon=1, delta=1e-6)
    with pytest.raises(SynthError, match="split"):
        get_synthesizer("mst", split={"bogus": 1.0})


def test_tree_only_variant_spends_everything() -> None:
    from tests.synth.conftest import DOMAIN, make_table

    model = get_synthesizer("mst", three_way=False).fit(make_table(), epsilon=1.0, delta=1e-6, domain=DOMAIN)
    p = model.privacy
    assert p["triples"] == [] and sum(s["rho"] for s in p["spends"]) == pytest.approx(p["rho"], rel=1e-9)
