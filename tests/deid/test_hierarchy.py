"""Hierarchy files (YAML, ARX CSV) and the checks that keep the lattice search sound."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cthub.deid import HierarchyError, ValueHierarchy, anonymize, load_hierarchy_files
from tests.deid.helpers import pycanon_k


def test_arx_csv_hierarchy(tmp_path: Path) -> None:
    f = tmp_path / "adult_hierarchy_country.csv"
    f.write_text("PH;South-eastern Asia;Asia;*\nVN;South-eastern Asia;Asia;*\nUA;Eastern Europe;Europe;*\n")
    h = load_hierarchy_files([f], ["country", "other"])["country"]
    assert h.depth == 4
    assert h.generalize("PH", 1) == "South-eastern Asia"
    assert h.generalize("UA", 2) == "Europe"
    assert h.generalize("UA", 3) == "*"


def test_csv_needs_a_column_name(tmp_path: Path) -> None:
    f = tmp_path / "levels.csv"
    f.write_text("a,x\nb,x\n")
    with pytest.raises(HierarchyError, match="COLUMN="):
        load_hierarchy_files([f], ["country"])
    h = load_hierarchy_files([f"country={f}"], ["country"])["country"]
    assert h.depth == 3 and h.generalize("b", 1) == "x"


def test_yaml_hierarchy_and_star_added(tmp_path: Path) -> None:
    f = tmp_path / "h.yml"
    f.write_text("age:\n  levels: [band]\n  values:\n    '1': [young]\n    '2': [young]\n    '70': [old]\n")
    h = load_hierarchy_files([f], ["age"])["age"]
    assert h.levels == ["age", "band"] and h.depth == 3
    assert h.generalize("70", 2) == "*"


def test_hierarchy_that_splits_groups_is_rejected() -> None:
    # level 2 must be a function of level 1: here group "g" is split into "A" and "B"
    h = ValueHierarchy("x", {"1": ["g", "A"], "2": ["g", "B"], "3": ["h", "B"]})
    df = pd.DataFrame({"x": ["1", "2", "3"] * 10}).astype("string")
    with pytest.raises(HierarchyError, match="splits a group"):
        anonymize(df, ["x"], k=2, hierarchies={"x": h}, use_standard=False)


def test_values_outside_the_hierarchy_go_to_star_and_are_reported() -> None:
    df = pd.DataFrame({"x": ["a"] * 20 + ["b"] * 20 + ["zzz"] * 3, "y": ["1"] * 43}).astype("string")
    res = anonymize(df, ["x", "y"], k=3, hierarchies={"x": {"a": ["ab"], "b": ["ab"]}}, use_standard=False)
    assert pycanon_k(res.table, ["x", "y"]) >= 3
    assert res.report["uncovered_values"] == {"x": 1}


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(HierarchyError, match="does not exist"):
        load_hierarchy_files([tmp_path / "nope.yaml"], ["a"])
