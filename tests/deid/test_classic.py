"""The `classic` profile's k-anonymity: allow-list, l-diversity by default, weights and coarsest levels, persons.

Each guarantee is recounted independently (pycanon and a pandas groupby on the published table), and the first tests
reproduce what the review of release 2026.12.01 found (issue 11, findings 3; issue 12, item 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cthub.deid import KAnonymityError, anonymize, suppression_failures
from cthub.sample.benchmark_table import make_benchmark_table
from cthub.standard import load_standard
from tests.deid.helpers import MISSING, pycanon_k, pycanon_l, random_table
from tests.deid.test_anonymize import QIS, _hier

VICTIMS = load_standard().table("victims")


def _groupby_min(table: pd.DataFrame, qis: list[str], column: str, how: str) -> int:
    """Independent recount: smallest per-class number of rows ("size") or distinct values ("nunique")."""
    filled = table.astype(object).fillna(MISSING)
    grouped = filled.groupby(qis, dropna=False)[column]
    return int((grouped.size() if how == "size" else grouped.nunique()).min())


def _star_share(column: pd.Series) -> float:
    """Share of all the column's cells (missing ones included) published as "*"."""
    return sum(1 for v in column.tolist() if isinstance(v, str) and v == "*") / len(column)


@pytest.fixture(scope="module")
def classic() -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict]:
    df = make_benchmark_table(40_000, 0)
    qis = [q for q in VICTIMS.quasi_identifiers if q in df.columns]
    res = anonymize(df, qis, k=11, columns=VICTIMS.kanon_columns)
    return df, res.table, qis, res.report


def test_the_file_carries_only_the_standards_allow_list(classic) -> None:
    df, out, qis, report = classic
    assert list(out.columns) == [c for c in df.columns if c in VICTIMS.kanon_columns]
    assert len(out.columns) < len(df.columns)
    # a quasi-identifier the standard does not publish is not published (nor searched)
    assert set(report["quasi_identifiers_not_published"]) == set(qis) - set(VICTIMS.kanon_columns)
    published = [q for q in qis if q in out.columns]
    assert pycanon_k(out, published) >= 11
    assert _groupby_min(out, published, published[0], "size") >= 11
    with pytest.raises(KAnonymityError, match="allow-list are not in the table"):
        anonymize(df, qis, columns=["gender", "nope"])


def test_l_diversity_is_on_by_default_for_the_published_sensitive_flags(classic) -> None:
    """Finding 3: l-diversity was off by default (a 16-record class where everyone had isForcedLabour=1)."""
    _, out, _, report = classic
    published = [q for q in report["quasi_identifiers"]]
    flags = [c for c in out.columns if VICTIMS.variable(c).role == "sensitive"]
    assert flags and report["l_diversity_source"] == "standard"
    assert set(report["l_diversity"]) == set(flags)
    for flag in flags:
        assert report["l_diversity"][flag]["l"] == 2
        assert pycanon_l(out, published, flag) >= 2
        assert _groupby_min(out, published, flag, "nunique") >= 2


def test_l_diversity_can_be_switched_off_and_then_classes_may_be_homogeneous() -> None:
    df = make_benchmark_table(40_000, 0)
    qis = [q for q in VICTIMS.quasi_identifiers if q in df.columns]
    res = anonymize(df, qis, k=11, columns=VICTIMS.kanon_columns, l_diversity={})
    assert res.report["l_diversity"] == {}
    published = res.report["quasi_identifiers"]
    # without it, some class tells everyone's flag: the protection the default adds is real
    assert min(pycanon_l(res.table, published, f) for f in ("isForcedLabour", "isSexualExploit")) == 1


def test_coarsest_levels_are_never_exceeded(classic) -> None:
    _, out, _, report = classic
    for q, level in report["levels"].items():
        assert level["level"] <= report["coarsest"][q]["level"]
    assert report["levels"]["yearOfRegistration"]["level"] <= 1  # 5-year periods at most, never "*"
    assert report["levels"]["CountryOfExploitation"]["level"] <= 2  # UN region at most
    assert report["levels"]["ageBroad"]["level"] <= 1  # minor/adult at most
    assert report["levels"]["gender"]["level"] == 0
    assert max(report["suppression"]["by_column"].values()) < 0.1  # no column is hidden wholesale
    # recount on the file: every published year is a year or a 5-year period, never a column of "*"
    assert _star_share(out["yearOfRegistration"]) < 0.1


def test_a_cap_changes_the_search_and_keeps_k() -> None:
    df = random_table(3000, seed=1)
    free = anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False)
    assert free.report["levels"]["ageBroad"]["level"] == 1  # unconstrained, the search coarsens age
    capped = anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False, coarsest={"ageBroad": 0},
                       max_suppression=0.3)
    assert capped.report["levels"]["ageBroad"]["level"] == 0
    assert pycanon_k(capped.table, QIS) >= 11
    by_col = capped.report["suppression"]["by_column"]
    assert by_col["ageBroad"] == pytest.approx(_star_share(capped.table["ageBroad"]))
    with pytest.raises(KAnonymityError, match="allowed levels"):
        anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False, max_suppression=0.0,
                  coarsest={q: 0 for q in QIS})
    with pytest.raises(KAnonymityError, match="no level 'decade'"):
        anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False, coarsest={"ageBroad": "decade"})


def test_weights_steer_the_search_towards_the_heavy_column() -> None:
    df = random_table(3000, seed=1)
    equal = anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False)
    heavy = anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False, weights={"year": 20})
    assert equal.report["levels"]["year"]["level"] == 1  # "*": cheapest under uniform loss
    assert heavy.report["levels"]["year"]["level"] == 0  # kept, other columns pay instead
    assert heavy.report["weights"]["year"] == 20.0
    assert pycanon_k(heavy.table, QIS) >= 11
    with pytest.raises(KAnonymityError, match="not quasi-identifiers"):
        anonymize(df, QIS, k=11, use_standard=False, weights={"outcome": 2})


def _persons_table(n_persons: int, seed: int) -> pd.DataFrame:
    """Victim-perpetrator shape: 1-3 rows per person, QIs describe the person, the perpetrator column varies."""
    rng = np.random.default_rng(seed)
    base = random_table(n_persons, seed).drop(columns=["id"])
    rows = rng.choice([1, 2, 3], n_persons, p=[0.3, 0.3, 0.4])
    df = base.loc[base.index.repeat(rows)].reset_index(drop=True)
    df["pid"] = pd.array(np.repeat([f"p{i}" for i in range(n_persons)], rows), dtype="string")
    df["perpetrator"] = pd.array(rng.choice(["Female", "Male", "Female;Male"], len(df)), dtype="string")
    return df


def test_classes_hold_k_distinct_persons_and_the_key_is_not_published() -> None:
    """Issue 12: a class of 11 rows may hold 4 people when rows are counted."""
    df = _persons_table(1500, seed=5)
    rows_only = anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False, l_diversity={})
    joined = rows_only.table.assign(pid=df["pid"])
    assert _groupby_min(joined, QIS, "pid", "nunique") < 11  # counting rows is not counting people

    res = anonymize(df, QIS, k=11, hierarchies=_hier(), use_standard=False, person="pid",
                    l_diversity={"outcome": 2})
    out = res.table
    assert "pid" not in out.columns and len(out) == len(df)
    assert res.report["unit"] == "person" and res.report["persons"] == 1500 and res.report["records"] == len(df)
    joined = out.assign(pid=df["pid"])
    assert _groupby_min(joined, QIS, "pid", "nunique") >= 11  # pandas recount of distinct persons per class
    one_per_person = joined.drop_duplicates("pid")
    assert len(one_per_person) == 1500  # a person's rows stay in one class
    assert pycanon_k(one_per_person, QIS) >= 11  # pycanon, on one row per person
    assert res.report["k_achieved"] >= 11
    assert pycanon_l(out, QIS, "outcome") >= 2 and _groupby_min(out, QIS, "outcome", "nunique") >= 2
    pd.testing.assert_frame_equal(out[["perpetrator", "outcome"]], df[["perpetrator", "outcome"]])


def test_person_rows_that_disagree_on_a_qi_are_refused() -> None:
    df = _persons_table(200, seed=6)
    first_multi = int(df["pid"].duplicated(keep=False).to_numpy().argmax())
    df.loc[first_multi, "gender"] = "Male" if df.loc[first_multi, "gender"] != "Male" else "Female"
    with pytest.raises(KAnonymityError, match=r"disagree on quasi-identifier\(s\) \['gender'\]") as info:
        anonymize(df, QIS, k=5, hierarchies=_hier(), use_standard=False, person="pid")
    assert "p0" not in str(info.value) and "Male" not in str(info.value)  # no record contents in the message
    with pytest.raises(KAnonymityError, match="person column 'who'"):
        anonymize(df, QIS, k=5, use_standard=False, person="who")


def test_per_column_suppression_lets_a_gate_refuse_a_column_that_is_all_stars() -> None:
    """A 300-row hub published 100 % suppressed gender and 'passed'; the share per column is now reported."""
    df = make_benchmark_table(3000, 0)
    qis = ["gender", "ageBroad", "citizenship", "CountryOfExploitation", "yearOfRegistration"]
    res = anonymize(df, qis, k=11, coarsest={}, l_diversity={})
    by_col = res.report["suppression"]["by_column"]
    for q in qis:
        assert by_col[q] == pytest.approx(_star_share(res.table[q]))
    worst = max(by_col, key=by_col.get)
    assert by_col[worst] == 1.0
    failures = suppression_failures(res.report, 0.5)
    assert any(repr(worst) in f and "100%" in f for f in failures)
    assert suppression_failures(res.report, 1.0) == []
    with pytest.raises(KAnonymityError):
        suppression_failures(res.report, 1.5)
