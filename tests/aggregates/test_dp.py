"""DP aggregates: consistency of the published counts, privacy accounting, domains. Small tables, real OpenDP noise."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cthub.aggregates import AggregatesError, dp_aggregates, exact_aggregates
from cthub.privacy import OutOfDomainWarning, epsilon_from_rho
from cthub.privacy.consistency import make_consistent
from cthub.privacy.marginals import DpParameters, MarginalsError
from tests.aggregates.helpers import as_dict, fake_table

DOMAIN = {
    "gender": ["Female", "Male"],
    "ageBroad": ["0--8", "9--17", "18--20", "21--23", "30--38", "48+"],
    "isForcedLabour": ["0", "1"],
    "isSexualExploit": ["0", "1"],
    "citizenship": ["PH", "UA", "NG", "US", "KH", "RO"],
    "yearOfRegistration": [str(y) for y in range(2015, 2021)],
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return fake_table(4000, seed=2)


@pytest.fixture(scope="module")
def released(table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    return dp_aggregates(table, 3, epsilon=4.0, max_records=100_000, domain=DOMAIN, fabrication_mode="uncontrolled")


def test_counts_are_consistent(table: pd.DataFrame, released: tuple[pd.DataFrame, dict]) -> None:
    frame, privacy = released
    counts = as_dict(frame)
    assert len(counts) > 50 and (frame["length"] == 3).any()
    assert all(v >= 1 for v in counts.values())  # non-negative, and zeros are not rows
    for key, value in counts.items():
        if len(key) == 1:
            continue
        for i in range(len(key)):
            parent = key[:i] + key[i + 1 :]
            assert parent in counts, "every released combination's parents are released"
            assert value <= counts[parent], "a child never exceeds its parent"
    # the values of one column sum to at most the noisy record count, and children along a column to their parent
    records = privacy["records"]
    for col in table.columns:
        assert sum(v for k, v in counts.items() if len(k) == 1 and k[0][0] == col) <= records
    sums: dict = {}
    for key, value in counts.items():
        for i in range(len(key)):
            group = (key[:i] + key[i + 1 :], key[i][0])
            sums[group] = sums.get(group, 0) + value
    for (parent, _col), total in sums.items():
        if parent:
            assert total <= counts[parent]


def test_noisy_counts_are_close_to_the_truth(table: pd.DataFrame, released: tuple[pd.DataFrame, dict]) -> None:
    frame, privacy = released
    exact = as_dict(exact_aggregates(table, 1))
    one = {k: v for k, v in as_dict(frame).items() if len(k) == 1}
    scale = privacy["levels"][0]["noise_scale"]
    big = [k for k, v in exact.items() if v > 10 * scale]
    assert big and all(k in one for k in big)
    errors = np.array([one[k] - exact[k] for k in big])
    assert np.abs(errors).max() < 6 * scale  # Gaussian noise of that scale, not garbage
    assert abs(privacy["records"] - len(table)) < 200


def test_accounting_adds_up(released: tuple[pd.DataFrame, dict]) -> None:
    _, privacy = released
    spends = privacy["spends"]
    assert math.isclose(sum(s["rho"] for s in spends), privacy["rho"], rel_tol=1e-9)
    assert math.isclose(privacy["rho_spent"], privacy["rho"], rel_tol=1e-9)
    assert math.isclose(privacy["epsilon"], epsilon_from_rho(privacy["rho_spent"], privacy["delta_conversion"]), rel_tol=1e-9)
    assert math.isclose(privacy["epsilon"], 4.0, rel_tol=1e-6)
    # delta = 1 / (N ln N) from the public bound N, not from the data; all columns public: no selection delta
    assert math.isclose(privacy["delta"], 1 / (100_000 * math.log(100_000)), rel_tol=1e-12)
    n = privacy["records_noisy"]
    assert privacy["records"] >= n  # raised to the 1-way floor by post-processing, never lowered
    assert privacy["delta_selection"] == 0 and privacy["delta_conversion"] == privacy["delta"]
    assert len([s for s in spends if "percentile" in s["what"]]) == 3
    assert privacy["parameters"]["reporting_length"] == 3


def test_domain_values_only_and_private_selection(table: pd.DataFrame) -> None:
    dom = {k: v for k, v in DOMAIN.items() if k != "citizenship"}
    dom["gender"] = ["Female"]  # "Male" is not public: it must never appear
    frame, privacy = dp_aggregates(table, 2, epsilon=2.0, delta=1e-6, domain=dom)
    values = {p for s in frame["selections"] for p in s.split(";")}
    assert "gender:Male" not in values
    assert any(v.startswith("citizenship:") for v in values)  # selected privately: common values survive
    assert privacy["delta_selection"] == pytest.approx(5e-7) and privacy["delta_conversion"] == pytest.approx(5e-7)
    assert privacy["epsilon"] == pytest.approx(2.0, rel=1e-6)


def test_make_consistent_enforces_the_rules() -> None:
    noisy = {
        (0,): np.array([np.nan, 60.4, 50.2]),
        (1,): np.array([np.nan, 80.0, -3.0]),
        (0, 1): np.array([[np.nan] * 3, [np.nan, 70.0, 5.0], [np.nan, 55.0, np.nan]]),
    }
    out = make_consistent(noisy, total=100)
    assert out[(0,)][1:].sum() <= 100 and (out[(0,)] >= 0).all()
    assert out[(1,)][2] == 0
    assert (out[(0, 1)] <= out[(0,)][:, None]).all() and (out[(0, 1)] <= out[(1,)][None, :]).all()
    assert (out[(0, 1)].sum(axis=1) <= out[(0,)]).all() and (out[(0, 1)].sum(axis=0) <= out[(1,)]).all()


def test_bad_parameters_are_refused(table: pd.DataFrame) -> None:
    with pytest.raises(AggregatesError, match="epsilon"):
        dp_aggregates(table, 2, epsilon=0)
    with pytest.raises(AggregatesError, match="fabrication_mode"):
        dp_aggregates(table, 2, epsilon=1, fabrication_mode="sometimes")
    with pytest.raises(AggregatesError, match="accuracy_mode"):
        dp_aggregates(table, 2, epsilon=1, accuracy_mode=[1.0])
    with pytest.raises(MarginalsError, match="accuracy_mode"):  # the mechanism's own error, outside the stage
        DpParameters(accuracy_mode=[1.0]).validate()


def test_chunks_are_accepted(table: pd.DataFrame) -> None:
    chunks = (table.iloc[i : i + 1000] for i in range(0, len(table), 1000))
    frame, privacy = dp_aggregates(chunks, 1, epsilon=1.0, delta=1e-6, domain=DOMAIN)
    assert set(frame["length"]) == {1} and privacy["parameters"]["columns"] == list(table.columns)


def test_multi_valued_cells_count_as_sets() -> None:
    df = pd.DataFrame({"gender": ["Female;Male", "Male;Female", "Female"] * 400, "x": ["1", "0", "1"] * 400},
                      dtype="string")  # fmt: skip
    dom = {"gender": ["Female", "Male"], "x": ["0", "1"]}
    frame, privacy = dp_aggregates(df, 1, epsilon=4.0, delta=1e-6, domain=dom, multi_value={"gender": ";"})
    counts = dict(zip(frame["selections"], frame["count"]))
    assert abs(counts["gender:Female|Male"] - 800) < 150 and abs(counts["gender:Female"] - 400) < 150
    assert privacy["parameters"]["multi_value"] == {"gender": ";"}
    # not declared multi-valued: the sets are outside the public list, so they are missing (and the operator warned)
    with pytest.warns(OutOfDomainWarning, match="gender"):
        frame, _ = dp_aggregates(df, 1, epsilon=4.0, delta=1e-6, domain=dom)
    assert not frame["selections"].str.contains("|", regex=False).any()
