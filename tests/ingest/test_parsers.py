"""Value parsers: the cases contributors really send, then hypothesis fuzzing (a parser never raises)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cthub.ingest.parsers import (
    CodeMatcher,
    age_band,
    age_from_dob,
    by_unique,
    fold,
    majority,
    parse_age,
    parse_boolean,
    parse_country,
    parse_date,
    parse_flag,
    parse_multi,
    parse_year,
)

TODAY = date(2024, 6, 30)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("25", "25"), (" 25 ", "25"), ("25.0", "25"), ("25 years", "25"), (17, "17"), (0, "0"), ("120", "120")],
)
def test_age_accepts_common_spellings(raw: object, code: str) -> None:
    assert parse_age(raw).value == code


@pytest.mark.parametrize("raw", ["-3", -3, "140", 140, "abc", "12-15", True])
def test_age_refuses_impossible_values_with_reason(raw: object) -> None:
    p = parse_age(raw)
    assert p.value is None and p.reason


@pytest.mark.parametrize("raw", [None, "", "  ", "-99", "NA", "unknown", float("nan"), pd.NA])
def test_missing_markers_are_missing_not_errors(raw: object) -> None:
    p = parse_age(raw)
    assert p.value is None and p.reason is None


@pytest.mark.parametrize(
    ("age", "band", "major"),
    [(0, "0--8", "Minor"), (8, "0--8", "Minor"), (9, "9--17", "Minor"), (17, "9--17", "Minor"), (18, "18--20", "Adult"),
     (29, "27--29", "Adult"), (30, "30--38", "Adult"), (47, "39--47", "Adult"), (48, "48+", "Adult"), (120, "48+", "Adult")],
)
def test_ctdc_age_bands(age: int, band: str, major: str) -> None:
    assert age_band(age) == band
    assert majority(age) == major


def test_dates_in_every_common_form() -> None:
    assert parse_date("2019-05-03", today=TODAY)[0] == date(2019, 5, 3)
    assert parse_date("03/05/2019", today=TODAY)[0] == date(2019, 5, 3)
    assert parse_date("03/05/2019", dayfirst=False, today=TODAY)[0] == date(2019, 3, 5)
    assert parse_date("25/12/2019", dayfirst=False, today=TODAY)[0] == date(2019, 12, 25)  # unambiguous
    assert parse_date(datetime(2020, 1, 2, 10, 0), today=TODAY)[0] == date(2020, 1, 2)
    assert parse_date("43831", today=TODAY)[0] == date(2020, 1, 1)  # Excel serial
    assert parse_date("2031-01-01", today=TODAY) == (None, "date is in the future")
    assert parse_date("1850-01-01", today=TODAY)[1] == "date is before 1900"
    assert parse_date("31/02/2019", today=TODAY)[1] == "not a valid calendar date"
    assert parse_date("yesterday", today=TODAY)[1].startswith("not a date")


def test_years() -> None:
    assert parse_year("2019", today=TODAY).value == "2019"
    assert parse_year(2019.0, today=TODAY).value == "2019"
    assert parse_year("2019-05-03", today=TODAY).value == "2019"
    assert "future" in parse_year("2031", today=TODAY).reason
    assert "future" in parse_year("2031-05-03", today=TODAY).reason


def test_age_from_date_of_birth() -> None:
    assert age_from_dob("2000-06-30", "2018-06-30", today=TODAY).value == "18"
    assert age_from_dob("2000-07-01", "2018-06-30", today=TODAY).value == "17"
    assert "after the reference" in age_from_dob("2019-01-01", "2018-06-30", today=TODAY).reason
    assert "over 120" in age_from_dob("1901-01-01", "2023-01-01", today=TODAY).reason
    assert age_from_dob("", "2018-06-30", today=TODAY).reason is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [("PH", "PH"), ("ph", "PH"), ("PHL", "PH"), ("Philippines", "PH"), (" philippines ", "PH"), ("Viet Nam", "VN"),
     ("Vietnam", "VN"), ("UK", "GB"), ("United Kingdom", "GB"), ("Republic of Moldova", "MD"), ("Moldova", "MD"),
     ("Côte d'Ivoire", "CI"), ("Cote d'Ivoire", "CI"), ("Lao People's Democratic Republic", "LA"),
     ("Russian Federation", "RU"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Kosovo", "XK"), ("USA", "US"),
     ("United States of America", "US"), ("NA", None), ("Namibia", "NA"), ("NAM", "NA"),
     ("Venezuela (Bolivarian Republic of)", "VE")],
)
def test_countries_in_any_common_spelling(raw: str, code: str | None) -> None:
    assert parse_country(raw).value == code


def test_unknown_country_suggests_closest() -> None:
    p = parse_country("Phillipines")
    assert p.value is None and "did you mean Philippines (PH)" in p.reason
    p = parse_country("Atlantis")
    assert p.value is None and "unknown country" in p.reason and "did you mean" not in p.reason
    assert parse_country("someone@example.org").value is None


def test_booleans_and_flags() -> None:
    assert [parse_boolean(v).value for v in ("Y", "yes", "TRUE", "1", "1.0", "x")] == ["1"] * 6
    assert [parse_boolean(v).value for v in ("N", "no", "false", "0")] == ["0"] * 4
    assert parse_boolean("maybe").reason
    assert parse_flag("Forced labour; Sexual exploitation", ["forced labour"]).value == "1"
    assert parse_flag("Debt bondage|Threats", ["threats"]).value == "1"
    assert parse_flag("Debt bondage, Threats", ["false promises"]).value == "0"
    assert parse_flag("", ["x"]).value is None
    assert parse_flag("FORCED_LABOUR", ["forced labour"]).value == "1"  # folding


def test_code_matcher_and_multi() -> None:
    m = CodeMatcher(["Female", "Male"], {"Female": "Woman"}, {"F": "Female", "M": "Male", "n/s": ""})
    assert m("f").value == "Female" and m("woman").value == "Female" and m(" MALE ").value == "Male"
    assert m("n/s").value is None and m("n/s").reason is None
    assert "did you mean 'Female'" in m("Femal").reason
    assert parse_multi("Male; female", m).value == "Female;Male"
    assert parse_multi("Male;Alien", m).reason


def test_by_unique_aligns_to_rows() -> None:
    s = pd.Series(["25", "x", None, "25", "-3"], index=[10, 11, 12, 13, 14], dtype="string")
    codes, reasons = by_unique(s, parse_age)
    assert codes.tolist()[0] == "25" and codes.tolist()[3] == "25"
    assert codes.isna().tolist() == [False, True, True, False, True]
    assert reasons.notna().tolist() == [False, True, False, False, True]
    assert list(codes.index) == [10, 11, 12, 13, 14]


# -- fuzzing: parsers answer every input with a value or a reason, never an exception -----------------------------
junk = st.one_of(st.text(max_size=40), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.none(),
                 st.booleans(), st.dates(), st.datetimes())


@settings(max_examples=100, deadline=None)
@given(junk)
def test_age_parser_total(value: object) -> None:
    p = parse_age(value)
    if p.value is not None:
        assert 0 <= int(p.value) <= 120 and p.reason is None
        assert age_band(int(p.value)) and majority(int(p.value)) in ("Minor", "Adult")


@settings(max_examples=100, deadline=None)
@given(junk)
def test_date_and_year_parsers_total(value: object) -> None:
    found, reason = parse_date(value, today=TODAY)
    assert found is None or (date(1900, 1, 1) <= found <= TODAY and reason is None)
    y = parse_year(value, today=TODAY)
    assert y.value is None or 1900 <= int(y.value) <= TODAY.year


@settings(max_examples=75, deadline=None)
@given(st.integers(0, 120), st.dates(date(1900, 1, 1), TODAY))
def test_dob_round_trip(age: int, ref: date) -> None:
    try:
        born = ref.replace(year=ref.year - age)
    except ValueError:
        born = ref.replace(year=ref.year - age, day=28)
    if born.year < 1900:
        return
    assert age_from_dob(born.isoformat(), ref.isoformat(), today=TODAY).value == str(age)


@settings(max_examples=100, deadline=None)
@given(junk)
def test_country_parser_total(value: object) -> None:
    p = parse_country(value)
    assert (p.value is None) or (len(p.value) == 2 and p.value.isupper())


@settings(max_examples=75, deadline=None)
@given(st.lists(st.sampled_from(["Forced labour", "Sexual exploitation", "Other", " x "]), max_size=5),
       st.sampled_from([",", ";", "|"]))
def test_flags_match_membership(items: list[str], sep: str) -> None:
    cell = sep.join(items)
    p = parse_flag(cell, ["forced labour"], separator=sep)
    if not [i for i in items if i.strip()]:
        assert p.value is None
    else:
        assert p.value == ("1" if "Forced labour" in items else "0")


@settings(max_examples=75, deadline=None)
@given(st.text(max_size=30))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
