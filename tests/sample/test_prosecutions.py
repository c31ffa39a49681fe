"""The `prosecutions` sample export: its columns and vocabulary, planted dirt where expected.json says, byte-for-byte
determinism, and shares close to the CTDC victim-perpetrator marginals it is calibrated to (`TARGETS`)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cthub.sample.contributors import FILES, write_sample_exports
from cthub.sample.contributors import prosecutions as pr
from cthub.sample.contributors.export import INVALID_AGES, UNKNOWN_COUNTRIES

N = 8000
TOL = 0.025  # absolute tolerance on a share, at 8,000 rows (about 4.5 standard errors at p = 0.5)
REGION_WORDS = {"Africa", "Americas", "Oceania", "Asia", "Europe"}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, pd.DataFrame]:
    path = tmp_path_factory.mktemp("pros") / "prosecutions.csv"
    info = pr.write(path, N, np.random.default_rng(11))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    return path, info, frame


def clean(frame: pd.DataFrame, info: dict) -> pd.DataFrame:
    dirty = {r for rows in info["dirt_rows"].values() for r in rows}
    return frame.drop(index=sorted(dirty))


def tokens(col: pd.Series) -> pd.Series:
    """Every listed value of a multi-valued column, one per row of the result."""
    return col[col != ""].str.split(r"\s*[,;]\s*", regex=True).explode()


def has_any(col: pd.Series, labels: set[str]) -> pd.Series:
    """Whether each cell lists at least one of `labels`."""
    alternatives = "|".join(re.escape(x) for x in sorted(labels))
    return col.str.contains(rf"(?:^|[,;]\s*)(?:{alternatives})(?:$|\s*[,;])", regex=True)


def test_shape_columns_and_blank_rows(export) -> None:
    _, info, frame = export
    assert list(frame.columns) == list(pr.COLUMNS) == info["columns"]
    assert info["records"] == N and len(frame) == info["data_rows"] == N + info["dirt"]["blank_rows"]
    empty = (frame == "").all(axis=1)
    assert sorted(frame.index[empty]) == info["dirt_rows"]["blank_rows"]
    assert all(info["dirt"][k] >= 1 for k in ("invalid_age", "future_date", "unknown_country", "blank_rows"))
    rows = frame[~empty]
    assert rows["Case reference"].is_unique and rows["Case reference"].str.fullmatch(r"PR-\d{4}-\d{6}").all()


def test_vocabulary(export) -> None:
    _, info, frame = export
    f = clean(frame, info)
    f = f[(f != "").any(axis=1)]
    assert set(f["Victim sex"]) <= {"F", "M", ""}
    assert set(f["Offence"]) == {"Labour exploitation", "Sexual exploitation", "Labour and sexual exploitation",
                                 "Other", ""}
    years = pd.to_numeric(f["Referral year"].replace("", np.nan))
    assert years.dropna().between(2005, 2022).all()
    ages = pd.to_numeric(f["Victim age"].replace("", np.nan)).dropna()
    assert ages.between(9, 65).all()
    for col in ("Victim nationality region", "Region of exploitation"):
        assert set(f[col]) <= REGION_WORDS | {""}
    assert set(tokens(f["Offender sex"])) == {"F", "M"}
    assert set(tokens(f["Offender age group"])) == set(pr.AGE_LABELS.values())
    assert set(tokens(f["Offender nationality region"])) <= REGION_WORDS
    assert set(tokens(f["Relationship to victim"])) == {x for v in pr.RELATION_LABELS.values() for x in v}
    assert set(tokens(f["Victim paid offender"])) == {"N", "Y"}
    assert set(tokens(f["Offender role"])) == {x for v in pr.ROLE_LABELS.values() for x in v}
    # several offenders per case, listed one value each: "M, F", and repeats such as "M, M"
    listed = f["Offender sex"].str.count(",") + (f["Offender sex"] != "")
    assert (listed >= 2).mean() > 0.2 and (f["Offender sex"].str.fullmatch(r"M(, M)+")).any()


def test_planted_dirt_where_expected(export) -> None:
    _, info, frame = export
    d = info["dirt_rows"]
    assert set(pd.to_numeric(frame.loc[d["invalid_age"], "Victim age"])) <= set(INVALID_AGES)
    assert pd.to_numeric(frame.loc[d["future_date"], "Referral year"]).between(2031, 2035).all()
    assert set(frame.loc[d["unknown_country"], "Victim nationality region"]) <= set(UNKNOWN_COUNTRIES)
    f = clean(frame, info)
    assert not f["Victim nationality region"].isin(UNKNOWN_COUNTRIES).any()
    assert not pd.to_numeric(f["Referral year"].replace("", np.nan)).gt(2024).any()


def _shares(f: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Shares of the standard codes, computed from the raw export with the module's own vocabularies."""
    def has(col: str, labels: set[str]) -> float:
        return float(has_any(f[col], labels).mean())

    years = pd.to_numeric(f["Referral year"].replace("", np.nan))
    age = pd.to_numeric(f["Victim age"].replace("", np.nan))
    amer = {"Americas", "Oceania"}
    return {
        "yearRegister": {p: float(years.isin(list(r)).mean()) for p, r in pr.PERIODS.items()},
        "gender": {"Female": float((f["Victim sex"] == "F").mean()), "Male": float((f["Victim sex"] == "M").mean())},
        "majorityStatus": {"Adult": float((age >= 18).mean()), "Minor": float((age < 18).mean())},
        "isForcedLabour": {"1": float(f["Offence"].str.startswith("Labour").mean())},
        "isSexualExploit": {"1": float(f["Offence"].str.contains("exual").mean())},
        "UN_COO_Region": {r: has("Victim nationality region", amer if r == "Americas/Oceania" else {r})
                          for r in pr.REGIONS},
        "UN_COE_Region": {r: has("Region of exploitation", amer if r == "Americas/Oceania" else {r})
                          for r in pr.REGIONS},
        "IP_Gender": {"Female": has("Offender sex", {"F"}), "Male": has("Offender sex", {"M"})},
        "IP_ageBroad": {c: has("Offender age group", {lab}) for c, lab in pr.AGE_LABELS.items()},
        "IP_citizen_UNRegion": {r: has("Offender nationality region", amer if r == "Americas/Oceania" else {r})
                                for r in pr.REGIONS},
        "IP_Relation": {c: has("Relationship to victim", set(labs)) for c, labs in pr.RELATION_LABELS.items()},
        "IP_PayMoney": {"No": has("Victim paid offender", {"N"}), "Yes": has("Victim paid offender", {"Y"})},
        **{role: {"1": has("Offender role", set(labs))} for role, labs in pr.ROLE_LABELS.items()},
    }


def test_one_way_marginals_match_targets(export) -> None:
    _, info, frame = export
    f = clean(frame, info)
    f = f[(f != "").any(axis=1)]
    got = _shares(f)
    assert set(got) == set(pr.TARGETS)
    off = {(v, c): (round(got[v][c], 3), t) for v, codes in pr.TARGETS.items() for c, t in codes.items()
           if abs(got[v][c] - t) > TOL}
    assert not off, off


def test_strong_two_way_relations(export) -> None:
    _, info, frame = export
    f = clean(frame, info)
    f = f[(f != "").any(axis=1)]
    sexual = f["Offence"].str.contains("exual")
    female_offender = has_any(f["Offender sex"], {"F"})
    assert female_offender[sexual].mean() - female_offender[~sexual].mean() > 0.15  # CTDC: 0.47 vs 0.25
    victim_f = f["Victim sex"] == "F"
    assert victim_f[sexual].mean() > 0.75 and victim_f[~sexual].mean() < 0.5
    age = pd.to_numeric(f["Victim age"].replace("", np.nan))
    no_relation = f["Relationship to victim"] == ""
    assert no_relation[age < 18].mean() - no_relation[age >= 18].mean() > 0.3  # CTDC: 0.66 vs 0.20
    same = f["Victim nationality region"].isin(["Europe"])
    assert (f.loc[same, "Region of exploitation"] == "Europe").mean() > 0.7


def test_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    path, again = tmp_path / "once.csv", tmp_path / "again.csv"
    pr.write(path, 1000, np.random.default_rng(11))
    pr.write(again, 1000, np.random.default_rng(11))
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
    other = tmp_path / "other.csv"
    pr.write(other, 1000, np.random.default_rng(12))
    assert other.read_bytes() != path.read_bytes()


def test_in_the_sample_exports(tmp_path: Path) -> None:
    paths = write_sample_exports(tmp_path, seed=0, scale=0.001)
    assert paths["prosecutions"] == tmp_path / FILES["prosecutions"] == tmp_path / "prosecutions.csv"
    entry = json.loads((tmp_path / "expected.json").read_text())["contributors"]["prosecutions"]
    assert entry["records"] == 20 and entry["format"] == "csv" and entry["identifier_columns"] == ["Case reference"]
