"""Every synthesizer obeys the standard's structural rules (zero violations) and the reference date (no later year).

The violations are counted by the standard (`Table.rule_violations`), independently of the synthesizers' own
structural zeros; the check for codes outside the standard is `Standard.check_frame`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cthub.sample.benchmark_table import make_benchmark_table
from cthub.standard import load_standard
from cthub.synth import domain_from_standard, get_synthesizer, load_model
from cthub.synth.rules import Structure

MAX_YEAR = 2019


@pytest.fixture(scope="module")
def victims() -> pd.DataFrame:
    return make_benchmark_table(4000, seed=3)


@pytest.fixture(scope="module")
def std_table():
    return load_standard().table("victims")


def _fit(method: str, df: pd.DataFrame, table, epsilon: float, rules=None):  # noqa: ANN001, ANN202
    domain = domain_from_standard(table, list(df.columns), max_year=MAX_YEAR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # years after MAX_YEAR are out of the cut domain: warned, treated as missing
        return get_synthesizer(method, rules=rules).fit(df, epsilon=epsilon, delta=1e-6, domain=domain)


def test_without_structural_zeros_the_rules_do_get_broken(victims, std_table) -> None:
    # The test below would pass vacuously if the synthesizers never produced an impossible record anyway.
    model = _fit("mst", victims, std_table, 1.0, rules=[])
    assert sum(std_table.rule_violations(model.sample(20_000, seed=0)).values()) > 0


@pytest.mark.parametrize("method", ["mst", "aggregate-seeded"])
@pytest.mark.parametrize("epsilon", [0.5, 4.0])
def test_no_synthetic_record_breaks_a_rule_or_leaves_the_support(method, epsilon, victims, std_table, tmp_path) -> None:
    assert sum(std_table.rule_violations(victims).values()) == 0  # the input obeys the rules
    model = _fit(method, victims, std_table, epsilon)
    assert len(model.privacy["rules"]) == 7  # the rules over the benchmark table's 20 columns
    reloaded = load_model(model.save(tmp_path / "m.npz"))
    for seed, m in [(0, model), (1, model), (2, model), (3, reloaded)]:
        out = m.sample(4000, seed=seed)
        counts = std_table.rule_violations(out)
        assert len(counts) == 7 and sum(counts.values()) == 0, counts
        years = out["yearOfRegistration"].dropna().astype(int)
        assert len(years) > 0 and years.max() <= MAX_YEAR
        assert load_standard().check_frame("victims", out.reindex(columns=std_table.columns)) == []


def test_max_year_cuts_only_year_variables(std_table) -> None:
    full = domain_from_standard(std_table, ["yearOfRegistration", "ageBroad"])
    cut = domain_from_standard(std_table, ["yearOfRegistration", "ageBroad"], max_year=2020)
    assert cut["yearOfRegistration"] == [y for y in full["yearOfRegistration"] if int(y) <= 2020]
    assert cut["yearOfRegistration"][-1] == "2020" and cut["ageBroad"] == full["ageBroad"]
    assert [r["name"] for r in cut.rules] == []  # no rule lies within these two columns
    assert {r["name"] for r in domain_from_standard(std_table, ["ageBroad", "majorityStatus"]).rules} == {
        "minor-age-band", "adult-age-band"}


def test_structure_masks_the_last_column_drawn_and_zeroes_tables() -> None:
    rules = [{"name": "r", "clauses": [["a", ["1"], False], ["b", ["1"], True]]}]  # a = 1 => b = 1
    s = Structure(rules, ["a", "b"], [["0", "1", None], ["0", "1", None]])
    codes = np.array([[0, 0], [1, 0], [2, 0]])
    ids, allowed = s.mask(1, codes, {0})
    assert allowed[ids].tolist() == [[True, True, True], [False, True, False], [True, True, True]]
    assert s.forbidden([3, 3], [0, 1]).tolist() == [[False] * 3, [True, False, True], [False] * 3]
    assert s.mask(0, codes, set()) is None  # b not drawn yet: nothing to enforce on a
    assert s.violations(np.array([[1, 0], [1, 1], [1, 2], [0, 0]])) == 2
