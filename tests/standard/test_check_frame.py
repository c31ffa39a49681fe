"""`Standard.check_frame`: the real CTDC victim-perpetrator file loads cleanly; bad cells are found and explained."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cthub.standard import Problem, Standard, load_standard


@pytest.fixture(scope="module")
def std() -> Standard:
    return load_standard()


@pytest.fixture(scope="module")
def vp(vp_csv: Path) -> pd.DataFrame:
    return pd.read_csv(vp_csv, dtype="string", keep_default_na=False).replace("", pd.NA)


def test_real_vp_file_has_no_problems(std: Standard, vp: pd.DataFrame) -> None:
    assert len(vp) == 21195
    assert list(vp.columns) == std.table("victim_perpetrator").columns
    problems = std.check_frame("victim_perpetrator", vp)
    assert problems == []


def test_vp_value_sets_match_the_file(std: Standard, vp: pd.DataFrame) -> None:
    for var in std.table("victim_perpetrator").variables:
        cells = vp[var.name].dropna()
        atoms = {a for cell in cells.unique() for a in (cell.split(var.separator) if var.separator else [cell])}
        if var.type == "boolean":  # CTDC's synthetic flags are "1" or empty; "0" is allowed but unused
            assert atoms == {"1"}, var.name
        else:
            assert atoms == set(var.codes), var.name


def test_vp_multi_cells_are_sorted(std: Standard, vp: pd.DataFrame) -> None:
    for var in std.table("victim_perpetrator").variables:
        if var.type == "multi":
            for cell in vp[var.name].dropna().unique():
                parts = cell.split(";")
                assert parts == sorted(parts), var.name


def frame(std: Standard, table: str, rows: int = 3) -> pd.DataFrame:
    cols = std.table(table).columns
    return pd.DataFrame({c: pd.array([pd.NA] * rows, dtype="string") for c in cols})


def test_bad_cells_are_reported_with_row_and_reason(std: Standard) -> None:
    df = frame(std, "victims", 4)
    df.loc[0, "ageBroad"] = "9-17"
    df.loc[1, "gender"] = "-99"
    df.loc[2, "citizenship"] = "PHL"
    df.loc[3, "isForcedLabour"] = "1"  # fine
    df.loc[3, "ageBroad"] = "48+ "
    problems = std.check_frame("victims", df)
    by_row = {(p.row, p.column): p for p in problems}
    assert set(by_row) == {(0, "ageBroad"), (1, "gender"), (2, "citizenship"), (3, "ageBroad")}
    assert isinstance(problems[0], Problem)
    assert "not a code of ageBroad" in by_row[(0, "ageBroad")].reason
    assert "empty cell" in by_row[(1, "gender")].reason
    assert "250 allowed codes" in by_row[(2, "citizenship")].reason
    assert "spaces" in by_row[(3, "ageBroad")].reason
    assert by_row[(2, "citizenship")].value == "PHL"


def test_row_is_position_not_label(std: Standard) -> None:
    df = frame(std, "victims", 2)
    df.index = [10, 20]
    df.iloc[1, df.columns.get_loc("gender")] = "F"
    assert [p.row for p in std.check_frame("victims", df)] == [1]


def test_missing_and_unknown_columns(std: Standard) -> None:
    df = frame(std, "victim_perpetrator").drop(columns=["IP_Gender"]).assign(name="x")
    problems = std.check_frame("victim_perpetrator", df)
    assert {(p.row, p.column) for p in problems} == {(None, "IP_Gender"), (None, "name")}
    assert all(p.value is None for p in problems)


def test_multi_rules(std: Standard) -> None:
    df = frame(std, "victim_perpetrator", 4)
    df["IP_Gender"] = pd.array(["Female;Male", "Male;Female", "Male;Male", "Female;Other"], dtype="string")
    problems = std.check_frame("victim_perpetrator", df)
    reasons = {p.row: p.reason for p in problems}
    assert set(reasons) == {1, 2, 3}
    assert "sorted" in reasons[1] and "once" in reasons[2] and "'Other'" in reasons[3]


def test_empty_string_counts_as_missing(std: Standard) -> None:
    df = frame(std, "victims", 2).fillna("")
    assert std.check_frame("victims", df) == []


def test_problem_cap_per_column(std: Standard) -> None:
    from cthub.standard.check import check_frame

    df = frame(std, "victims", 50)
    df["gender"] = "X"
    problems = check_frame(std.table("victims"), df, max_per_column=10)
    assert len(problems) == 11 and "40 more" in problems[-1].reason


@st.composite
def valid_rows(draw: st.DrawFn) -> dict[str, str | None]:
    std = load_standard()
    row: dict[str, str | None] = {}
    for var in std.table("victim_perpetrator").variables:
        if draw(st.booleans()):
            row[var.name] = None
        elif var.type == "multi":
            picked = draw(st.sets(st.sampled_from(var.codes), min_size=1))
            row[var.name] = ";".join(sorted(picked))
        else:
            row[var.name] = draw(st.sampled_from(var.codes))
    return row


@settings(max_examples=25, deadline=None)
@given(st.lists(valid_rows(), min_size=1, max_size=5))
def test_any_frame_built_from_the_codes_is_valid(rows: list[dict[str, str | None]]) -> None:
    std = load_standard()
    df = pd.DataFrame(rows, dtype="string")
    assert std.check_frame("victim_perpetrator", df) == []


def test_generalized_output_passes_only_when_asked(std: Standard) -> None:
    df = frame(std, "victims", 3)
    df.loc[0, "ageBroad"] = "Minor"
    df.loc[1, "citizenship"] = "Western Africa"
    df.loc[2, "gender"] = "*"
    assert len(std.check_frame("victims", df)) == 3
    assert std.check_frame("victims", df, generalized=True) == []
    df.loc[0, "ageBroad"] = "Adolescent"
    assert [p.column for p in std.check_frame("victims", df, generalized=True)] == ["ageBroad"]
