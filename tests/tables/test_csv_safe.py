from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cthub.tables.csv_safe import neutralize, write_csv


def test_formulas_are_neutralized_and_data_is_not() -> None:
    assert neutralize("=SUM(A1)") == "'=SUM(A1)"
    assert neutralize("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert neutralize("-2+3+cmd") == "'-2+3+cmd"
    assert neutralize("@SUM(1)") == "'@SUM(1)"
    assert neutralize("\tx") == "'\tx"
    for keep in ("-", "+", "-3", "-4.5", "+1e3", "48+", "Female", "", "9--17"):
        assert neutralize(keep) == keep


@given(st.text(max_size=20))
def test_neutralized_cells_never_start_with_a_trigger_unless_numeric(s: str) -> None:
    out = neutralize(s)
    if out and out[0] in "=+-@\t\r":
        assert out in ("-", "+") or out.lstrip("+-").replace(".", "", 1).replace("e", "", 1).lstrip("+-").isdigit()


def test_write_csv(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": ["=1+1", None, "-"], "n": [1, -2, 3]}).astype({"a": "string"})
    text = write_csv(df, tmp_path / "x.csv").read_text()
    assert text == "a,n\n'=1+1,1\n,-2\n-,3\n"


def test_round_trip(tmp_path: Path) -> None:
    from cthub.tables.csv_safe import read_csv

    df = pd.DataFrame({"a": ["=1+1", None, "-", "'quoted", "48+"]}).astype("string")
    back = read_csv(write_csv(df, tmp_path / "x.csv"))
    assert back["a"].tolist()[0] == "=1+1" and back["a"].isna().tolist() == [False, True, False, False, False]
    assert back["a"].tolist()[2:] == ["-", "'quoted", "48+"]
