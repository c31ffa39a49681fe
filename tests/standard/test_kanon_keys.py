"""The standard's k-anonymity keys: the microdata allow-list, QI weights and coarsest levels, l for sensitive flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from cthub.standard import StandardError, load_standard
from tests.standard.test_invalid_yaml import GOOD_TABLE, make_standard


def _with(age_kanon: str | None = None, hurt_kanon: str | None = None) -> str:
    table = GOOD_TABLE
    if age_kanon is not None:
        table = table.replace("    hierarchy: majority\n", f"    hierarchy: majority\n    kanon: {age_kanon}\n")
    if hurt_kanon is not None:
        table = table.rstrip("\n") + f"\n    kanon: {hurt_kanon}\n"
    return table


def test_packaged_allow_lists_are_short_and_keep_the_quasi_identifiers_analysts_need() -> None:
    std = load_standard()
    victims = std.table("victims")
    cols = victims.kanon_columns
    assert 5 <= len(cols) <= 15 < len(victims.columns)  # an allow-list, not every column
    assert {"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation"} <= set(cols)
    assert "majorityEntry" not in cols and "meansOfControlDebtBondage" not in cols
    # defaults asked by analysts: year no coarser than 5-year periods, countries no coarser than UN sub-region
    year = victims.variable("yearOfRegistration")
    assert year.coarsest == "period_5y" and year.hierarchy.levels[year.coarsest_level] == "period_5y"
    # countries may go to UN region (measured: at sub-region gender or minor/adult would be lost), never to "*"
    for country in ("citizenship", "CountryOfExploitation"):
        assert victims.variable(country).coarsest == "un_region"
        assert victims.kanon_coarsest[country] == 2 < victims.variable(country).hierarchy.depth - 1
    # no published quasi-identifier may be recoded to "*" as a whole: such a column publishes nothing
    for q in set(victims.quasi_identifiers) & set(cols):
        assert victims.variable(q).coarsest != "*"
    assert victims.variable("gender").coarsest_level == 0 and victims.variable("ageBroad").coarsest == "majority"
    assert victims.kanon_weights["CountryOfExploitation"] > victims.kanon_weights["Datasource"]
    # every published sensitive flag is l-diverse (l=2) by default; unpublished ones need nothing
    assert victims.kanon_l_diversity == {c: 2 for c in cols if victims.variable(c).role == "sensitive"}
    assert victims.kanon_l_diversity
    vp = std.table("victim_perpetrator")
    assert set(vp.quasi_identifiers) <= set(vp.kanon_columns) < set(vp.columns)
    assert all(vp.variable(q).coarsest != "*" for q in vp.quasi_identifiers)
    assert "IP_PayMoney" not in vp.kanon_columns


def test_kanon_absent_means_dropped_and_publish_shorthand(tmp_path: Path) -> None:
    t = load_standard(make_standard(tmp_path / "a")).table("people")
    assert t.kanon_columns == [] and t.kanon_l_diversity == {}
    assert t.variable("age").coarsest == "*"  # a categorical QI without `coarsest` may go up to "*"
    t = load_standard(make_standard(tmp_path / "b", _with("publish", "publish"))).table("people")
    assert t.kanon_columns == ["age", "hurt"]
    assert t.kanon_l_diversity == {"hurt": 2}
    assert t.variable("age").weight == 1.0


def test_weight_coarsest_and_l_are_read(tmp_path: Path) -> None:
    t = load_standard(make_standard(tmp_path, _with("{publish: true, weight: 2.5, coarsest: minor/adult}",
                                                     "{publish: true, l: 1}"))).table("people")
    age = t.variable("age")
    assert age.weight == 2.5 and age.coarsest_level == 1 and age.coarsest == "minor/adult"
    assert t.kanon_l_diversity == {}  # l: 1 switches it off for that flag


@pytest.mark.parametrize(
    "age,hurt,fragment",
    [
        ("yes", None, "'kanon' must be 'publish' or a mapping"),
        ("{publish: 1}", None, "'kanon.publish' must be true or false"),
        ("{publish: true, wieght: 2}", None, "unknown key"),
        ("{publish: true, weight: 0}", None, "'kanon.weight' must be a number above 0"),
        ("{publish: true, coarsest: region}", None, "is not a level of hierarchy 'majority'"),
        (None, "{publish: true, weight: 2}", "only applies to a quasi_identifier"),
        (None, "{l: 2}", "'kanon.l' only applies to a sensitive variable with 'publish: true'"),
        (None, "{publish: true, l: 0}", "'kanon.l' must be a whole number"),
    ],
)
def test_bad_kanon_keys_are_refused_with_the_variable_named(tmp_path: Path, age, hurt, fragment) -> None:
    with pytest.raises(StandardError) as info:
        load_standard(make_standard(tmp_path, _with(age, hurt)))
    assert fragment in str(info.value)
    assert "people.yaml" in str(info.value) and ("'age'" in str(info.value) or "'hurt'" in str(info.value))


YEAR_TABLE = """
table: people
variables:
  - name: year
    label: Year
    definition: Year of registration.
    type: year
    years: [2000, 2009]
    role: quasi_identifier
    missing: Empty cell.
    hierarchy: halves
    kanon: publish
"""

HALVES = """
name: halves
levels:
  - name: year
  - name: half
    values: [early, late]
    parents: {"2000": early, "2001": early, "2002": early, "2003": early, "2004": early,
              "2005": late, "2006": late, "2007": late, "2008": late, "2009": late}
"""


def test_year_and_country_default_to_level_1(tmp_path: Path) -> None:
    t = load_standard(make_standard(tmp_path, YEAR_TABLE, HALVES)).table("people")
    assert t.variable("year").coarsest_level == 1 and t.variable("year").coarsest == "half"
    assert t.kanon_coarsest == {"year": 1}
