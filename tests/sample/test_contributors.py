"""The contributor exports: shapes, vocabularies, identifiers, planted dirt and determinism.

Generated once per module at a small scale (tests stay fast); values are checked, never printed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pycountry
import pytest
import typer
from typer.testing import CliRunner

from cthub.sample.contributors import (
    CONTRIBUTORS,
    EXPECTED_FILE,
    FILES,
    casesys,
    hotline,
    htcds_ngo,
    rows_at,
    write_sample_exports,
)
from cthub.sample.contributors.export import INVALID_AGES, UNKNOWN_COUNTRIES
from cthub.sample.contributors.htcds_template import extract_template, load_template
from cthub.sample.latent import COUNTRIES

SCALE = 0.05
HTCDS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "htcds"


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict]:
    out = tmp_path_factory.mktemp("exports")
    paths = write_sample_exports(out, seed=0, scale=SCALE)
    expected = json.loads((out / EXPECTED_FILE).read_text(encoding="utf-8"))
    return paths, expected


@pytest.fixture(scope="module")
def frames(exports: tuple[dict[str, Path], dict]) -> dict[str, pd.DataFrame]:
    """Each export read back once (tests must not modify these frames)."""
    paths, _ = exports
    return {c: read(c, p) for c, p in paths.items()}


def read(contributor: str, path: Path) -> pd.DataFrame:
    if contributor in ("hotline", "prosecutions"):
        return pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    if contributor == "casesys":
        return pd.read_excel(path, sheet_name="Cases", dtype=object)
    frame = pd.read_excel(path, sheet_name="Sheet1", header=0, skiprows=[1], dtype=object)
    return frame


def blank(frame: pd.DataFrame) -> pd.Series:
    return frame.replace("", pd.NA).isna().all(axis=1)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_files_and_expected_counts(exports: tuple[dict[str, Path], dict]) -> None:
    paths, expected = exports
    assert set(paths) == set(CONTRIBUTORS) == {"casesys", "hotline", "htcds-ngo", "prosecutions"}
    assert {c: p.name for c, p in paths.items()} == FILES
    assert expected["seed"] == 0 and expected["scale"] == SCALE
    for contributor, n in rows_at(SCALE).items():
        info = expected["contributors"][contributor]
        assert info["records"] == n
        assert info["data_rows"] == n + info["dirt"]["blank_rows"]
        assert set(info["dirt"]) == {"invalid_age", "future_date", "unknown_country", "blank_rows"}
        assert all(count >= 1 for count in info["dirt"].values())
        assert {k: len(v) for k, v in info["dirt_rows"].items()} == info["dirt"]
        positions = [r for rows in info["dirt_rows"].values() for r in rows]
        assert len(positions) == len(set(positions)), "each dirty row has one kind of dirt"


def test_scale_one_row_counts() -> None:
    assert rows_at(1.0) == {"casesys": 20_000, "hotline": 12_000, "htcds-ngo": 6_000, "prosecutions": 8_000}
    with pytest.raises(ValueError, match="scale must be > 0"):
        rows_at(0)


@pytest.mark.parametrize("contributor", CONTRIBUTORS)
def test_rows_columns_and_blank_rows(
    exports: tuple[dict[str, Path], dict], frames: dict[str, pd.DataFrame], contributor: str
) -> None:
    _, expected = exports
    info = expected["contributors"][contributor]
    frame = frames[contributor]
    assert len(frame) == info["data_rows"]
    empty = blank(frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed: 0")]))
    assert sorted(frame.index[empty]) == info["dirt_rows"]["blank_rows"]
    assert set(info["columns"]) <= set(frame.columns)
    if contributor != "htcds-ngo":
        assert list(frame.columns) == info["columns"]


def test_casesys_vocabulary_and_identifiers(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["casesys"]
    frame = frame[~blank(frame)]
    assert frame["Case ID"].is_unique and frame["Case ID"].str.match(r"CS-\d{4}-\d{6}$").all()
    assert frame["Full name"].notna().all()
    phones = frame["Phone"].dropna()
    assert len(phones) > 0.7 * len(frame) and phones.str.match(r"\+\d{1,3} 9\d\d 555 \d{4}$").all()
    assert frame["Date of birth"].notna().mean() > 0.8
    assert set(frame["Sex"].dropna()) <= {"Female", "Male", "Other"}
    assert set(frame["Exploitation type"].dropna()) <= set(casesys.EXPLOITATION_LABELS) | {"Forced marriage"}
    assert set(frame["Industry"].dropna()) <= set(casesys.INDUSTRY.values())
    assert "Domestic work" in set(frame["Industry"])
    assert set(frame["Abducted"].dropna()) <= {"Y", "N"}
    means = frame["Means of control"].dropna()
    labels = set(casesys.MEANS_LABELS.values())
    assert means.str.contains(r"\|").any() and means.str.contains(", ").any()
    assert all(set(re.split(r", |\|", cell)) <= labels for cell in means)
    countries = set(casesys.COUNTRY_NAMES.values()) | set(UNKNOWN_COUNTRIES)
    assert set(frame["Nationality"].dropna()) <= countries
    assert {"Philippines", "Viet Nam"} <= set(frame["Nationality"])


def test_hotline_vocabulary_and_identifiers(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["hotline"]
    frame = frame[~blank(frame)]
    tokens = set(hotline.UNKNOWN_TOKENS)
    assert tokens <= set(frame["Victim Gender"]) | set(frame["Citizenship"]) | set(frame["Means of Control"])
    assert pd.to_datetime(frame["Call Date"], format="%m/%d/%Y").notna().all()
    assert set(frame["Trafficking Type"]) - tokens <= set(hotline.TRAFFICKING_TYPES)
    venues = set(hotline.SEX_VENUE.values()) | set(hotline.INDUSTRY.values())
    assert set(frame["Venue/Industry"]) - tokens <= venues and "Commercial sex" in set(frame["Venue/Industry"])
    ages = set(frame["Victim Age"]) - tokens
    assert "18-24" in ages and any(a.isdigit() for a in ages)
    assert {"USA", "MEX"} & set(frame["Citizenship"]) and "USA" in set(frame["Country of Exploitation"])
    notes = frame["Notes"][frame["Notes"] != ""]
    assert notes.str.contains(r"\(555\) \d{3}-\d{4}").mean() > 0.7
    states = set(frame["State"]) - {""}
    known = set(hotline.STATES) | set(hotline.STATE_NAMES.values()) | {n.lower() for n in hotline.STATE_NAMES.values()}
    assert states <= known and "TX" in states and "Texas" in states


def test_htcds_headers_match_the_template(exports: tuple[dict[str, Path], dict]) -> None:
    paths, _ = exports
    template = load_template()
    ws = openpyxl.load_workbook(paths["htcds-ngo"], read_only=True).worksheets[0]
    first, second = (list(r) for r in ws.iter_rows(min_row=1, max_row=2, values_only=True))
    assert first == [*template["field_names"], "cas_CaseID"] and second == [*template["field_labels"], "Case ID"]
    if (HTCDS / "HTCDS Excel Spreadsheet v2.0.xlsx").exists():  # the packaged copy still matches the reference
        assert extract_template(HTCDS / "HTCDS Excel Spreadsheet v2.0.xlsx", HTCDS / "htcds_xlsform.xlsx") == template


def test_htcds_values_come_from_htcds_lists(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["htcds-ngo"]
    frame = frame[~blank(frame.drop(columns=["Unnamed: 0"]))]
    assert frame["Unnamed: 0"].tolist() == list(range(1, len(frame) + 1))
    lists = load_template()["lists"]
    for list_name, column in htcds_ngo_lists().items():
        cells = frame[column].dropna().astype(str)
        assert len(cells) > 0, column
        values = {v for cell in cells for v in cell.split(";")}
        assert values <= set(lists[list_name]), column
    assert set(htcds_ngo.IDENTIFIER_COLUMNS) <= set(frame.columns)
    assert frame["prs_FirstName"].notna().all() and frame["prs_MobilePhone"].notna().mean() > 0.5
    assert frame["prs_MobilePhone"].dropna().str.match(r"\+\d{1,3} 9\d\d 555 \d{4}$").all()
    assert "T_ActivitiesOfHouseholdsAsEmployers" in set(frame["vic_ForcedLabourIndustry"])


def htcds_ngo_lists() -> dict[str, str]:
    return {
        "gender": "prs_Gender",
        "citizenship": "prs_Citizenship",
        "consent": "con_Consent",
        "traffickingstatus": "vic_TraffickingStatus",
        "traffickingstatusdecisionmakingorg": "vic_TraffickinStatusDecisionMakingOrg",
        "methodofrecruitment": "vic_MethodOfRecruitment",
        "methodsofcontrol": "vic_MethodsOfControl",
        "typeofexploitation": "vic_TypeOfExploitation",
        "forcedlabourindustry": "vic_ForcedLabourIndustry",
        "typeofsexexploitation": "vic_TypeOfSexExploitation",
        "status": "cas_Status",
    }


def _age(born: pd.Series, on: pd.Series) -> pd.Series:
    born, on = pd.to_datetime(born), pd.to_datetime(on)
    years = on.dt.year - born.dt.year
    before_birthday = (on.dt.month < born.dt.month) | ((on.dt.month == born.dt.month) & (on.dt.day < born.dt.day))
    return years - before_birthday.astype(int)


@pytest.mark.parametrize(
    ("contributor", "born", "on", "country"),
    [
        ("casesys", "Date of birth", "Intake date", "Country of exploitation"),
        ("htcds-ngo", "prs_Birthdate", "cas_IncomingReferralDate", "vic_LocationOfExploitation"),
    ],
)
def test_planted_dirt_in_xlsx(
    exports: tuple[dict[str, Path], dict],
    frames: dict[str, pd.DataFrame],
    contributor: str,
    born: str,
    on: str,
    country: str,
) -> None:
    _, expected = exports
    rows = expected["contributors"][contributor]["dirt_rows"]
    frame = frames[contributor]
    frame = frame[~blank(frame.drop(columns=[c for c in frame.columns if c == "Unnamed: 0"]))]
    age = _age(frame[born], frame[on])
    bad_age = age.notna() & ~age.between(0, 120)
    assert sorted(frame.index[bad_age]) == rows["invalid_age"]
    assert set(age[bad_age]) <= set(INVALID_AGES)
    future = pd.to_datetime(frame[on]).dt.year > 2024
    assert sorted(frame.index[future]) == rows["future_date"]
    assert pd.to_datetime(frame[on]).dt.year.min() >= 2002
    unknown = frame[country].isin(UNKNOWN_COUNTRIES)
    assert sorted(frame.index[unknown]) == rows["unknown_country"]


def test_planted_dirt_in_hotline(exports: tuple[dict[str, Path], dict], frames: dict[str, pd.DataFrame]) -> None:
    _, expected = exports
    rows = expected["contributors"]["hotline"]["dirt_rows"]
    frame = frames["hotline"]
    numeric = pd.to_numeric(frame["Victim Age"], errors="coerce")
    assert sorted(frame.index[numeric.notna() & ~numeric.between(0, 120)]) == rows["invalid_age"]
    years = pd.to_datetime(frame["Call Date"], format="%m/%d/%Y", errors="coerce").dt.year
    assert sorted(frame.index[years > 2024]) == rows["future_date"]
    assert sorted(frame.index[frame["Citizenship"].isin(UNKNOWN_COUNTRIES)]) == rows["unknown_country"]


def _lookup(name: str) -> str | None:
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return None


def test_country_vocabularies_resolve_except_known_variants() -> None:
    """Ingest maps these spellings; only a few variants need aliases beyond pycountry's names."""
    assert set(casesys.COUNTRY_NAMES) == set(COUNTRIES)
    casesys_alias = {n for c, n in casesys.COUNTRY_NAMES.items() if _lookup(n) != c}
    assert casesys_alias == {"Venezuela (Bolivarian Republic of)", "Republic of Korea"}
    spellings = {(c, hotline._spell(c, k)) for c in COUNTRIES for k in range(4)}
    assert {s for c, s in spellings if _lookup(s) != c} == {"UK", "Russia", "U.S."}
    assert all(_lookup(s) is None for s in UNKNOWN_COUNTRIES)


def test_correlations_survive_into_exports(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["casesys"]
    frame = frame[~blank(frame)]
    female = frame["Sex"] == "Female"
    assert female[frame["Industry"] == "Domestic work"].mean() > 0.8
    assert female[frame["Industry"] == "Construction"].mean() < 0.3
    ph = frame.loc[frame["Nationality"] == "Philippines", "Country of exploitation"]
    assert ph.isin(["Saudi Arabia", "United Arab Emirates", "Kuwait", "Malaysia"]).mean() > 0.5


def test_byte_for_byte_deterministic(tmp_path: Path, exports: tuple[dict[str, Path], dict]) -> None:
    paths, _ = exports
    again = write_sample_exports(tmp_path / "again", seed=0, scale=SCALE)
    for contributor, path in paths.items():
        assert digest(again[contributor]) == digest(path), contributor
    assert (tmp_path / "again" / EXPECTED_FILE).read_bytes() == (path.parent / EXPECTED_FILE).read_bytes()
    other = write_sample_exports(tmp_path / "other", seed=1, scale=SCALE)
    assert all(digest(other[c]) != digest(paths[c]) for c in CONTRIBUTORS)


def test_cli_generate_and_table(tmp_path: Path) -> None:
    from cthub.sample.commands import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["sample", "generate", "--out", str(tmp_path / "ex"), "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    assert all((tmp_path / "ex" / name).exists() for name in [*FILES.values(), EXPECTED_FILE])
    assert "hotline" in result.output
    result = runner.invoke(app, ["sample", "table", "--out", str(tmp_path / "t.csv"), "--rows", "500"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "t.csv", dtype=str)
    assert table.shape == (500, 20)
    bad = runner.invoke(app, ["sample", "generate", "--out", str(tmp_path / "x"), "--scale", "0"])
    assert bad.exit_code != 0 and "--scale" in bad.output
