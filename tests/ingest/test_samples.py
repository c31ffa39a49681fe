"""The three sample contributors' exports, through the shipped mappings: every planted flaw is reported where it
was planted, nothing else is, and no identifier from any file reaches the hub."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cthub.ingest import ingest_file
from cthub.sample.contributors import write_sample_exports
from cthub.store import Store

from .conftest import all_bytes

MAPPINGS = {"casesys": "builtin:casesys", "hotline": "builtin:hotline", "htcds-ngo": "builtin:htcds"}
REGISTRATION = {"casesys": "Intake date", "hotline": "Call Date", "htcds-ngo": "cas_IncomingReferralDate"}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict]:
    out = tmp_path_factory.mktemp("exports")
    paths = write_sample_exports(out, seed=7, scale=0.02)
    return paths, json.loads((out / "expected.json").read_text())


@pytest.fixture(scope="module")
def imported(exports: tuple[dict[str, Path], dict], tmp_path_factory: pytest.TempPathFactory):
    paths, _ = exports
    home = tmp_path_factory.mktemp("hub")
    store = Store.open(home)
    results = {c: ingest_file(store, c, paths[c], MAPPINGS[c]) for c in MAPPINGS}
    return home, store, results


@pytest.mark.parametrize("contributor", list(MAPPINGS))
def test_planted_flaws_reported_exactly(contributor: str, exports, imported) -> None:
    _, expected = exports
    _, store, results = imported
    exp = expected["contributors"][contributor]
    res = results[contributor]
    assert res.rows_read == exp["records"]
    assert (res.accepted, res.rejected) == (exp["records"], 0)
    first_data_row = exp["header_rows"] + 1
    rows = {k: {first_data_row + p for p in v} for k, v in exp["dirt_rows"].items()}
    p = res.problems
    assert set(p["row"]) == rows["invalid_age"] | rows["future_date"] | rows["unknown_country"]
    future = set(p.loc[p["column"] == REGISTRATION[contributor], "row"])
    assert future == rows["future_date"]
    assert all("future" in r for r in p.loc[p["column"] == REGISTRATION[contributor], "reason"])
    country = set(p.loc[p["reason"].str.contains("unknown country"), "row"])
    assert country == rows["unknown_country"]
    age_rows = set(p.loc[p["variable"].str.contains("ageBroad"), "row"])
    assert rows["invalid_age"] <= age_rows <= rows["invalid_age"] | rows["future_date"]
    assert res.warned == len(set(p["row"]))
    assert store.batch(res.batch_id).accepted == exp["records"]


def test_harmonized_values_are_standard_and_plausible(imported) -> None:
    _, store, results = imported
    rec = store.records("victims", with_meta=True)
    assert len(rec) == sum(r.accepted for r in results.values())
    from cthub.standard import load_standard

    std = load_standard()
    assert std.check_frame("victims", rec.drop(columns=["batch_id", "contributor", "imported_at", "row_number"])) == []
    for c in MAPPINGS:
        part = rec[rec["contributor"] == c]
        assert part["yearOfRegistration"].notna().mean() > 0.99
        assert part["gender"].notna().mean() > 0.85
        assert part["ageBroad"].notna().mean() > 0.3
        assert part["majorityStatus"].notna().mean() > 0.5
        assert part["isForcedLabour"].notna().mean() > 0.85
        assert part["citizenship"].notna().mean() > 0.5
    assert set(rec.loc[rec["contributor"] == "hotline", "Datasource"]) == {"Hotline"}
    assert set(rec.loc[rec["contributor"] == "casesys", "Datasource"]) == {"Case management"}


def _identifier_strings(path: Path, columns: list[str], header_rows: int) -> set[str]:
    """Every distinct value of the identifier columns (read here to check the hub; never printed)."""
    values: set[str] = set()
    if path.suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for c in columns:
            values.update(v for v in df[c] if v)
        return values
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    for _ in range(header_rows - 1):
        next(rows)
    idx = [header.index(c) for c in columns if c in header]
    for row in rows:
        for i in idx:
            v = row[i] if i < len(row) else None
            if isinstance(v, datetime | date):
                values.add(v.strftime("%Y-%m-%d"))
            elif v not in (None, ""):
                values.add(str(v))
    return values


def test_no_identifier_reaches_the_hub(exports, imported) -> None:
    paths, expected = exports
    home, store, _ = imported
    store.compact()
    blob = all_bytes(home)
    leaked = 0
    checked = 0
    for c, path in paths.items():
        exp = expected["contributors"][c]
        columns = [*exp["identifier_columns"], exp["case_id_column"]]  # case IDs are hashed, never stored
        for value in _identifier_strings(path, columns, exp["header_rows"]):
            if len(value) < 6:  # e.g. a salutation: too short to be specific
                continue
            checked += 1
            leaked += value.encode() in blob
    assert checked > 500
    assert leaked == 0, f"{leaked} identifier values found in the hub's files"


def test_case_ids_key_the_records_and_the_update_matches(exports, imported, tmp_path: Path) -> None:
    """Every sample record is keyed by its case ID; the hotline's second export updates exactly what it changed."""
    from cthub.sample.contributors import write_update_export

    paths, expected = exports
    home, store, results = imported
    for c, res in results.items():
        assert res.case_id_column == expected["contributors"][c]["case_id_column"]
        assert res.cases["without_case_id"] == 0 and res.cases["new"] == res.accepted
    path, exp = write_update_export(paths["hotline"].parent, seed=7, scale=0.02)
    again, _ = write_update_export(tmp_path, seed=7, scale=0.02)
    assert again.read_bytes() == path.read_bytes()  # deterministic
    res = ingest_file(store, "hotline", path, MAPPINGS["hotline"], export="full")
    assert {k: res.cases[k] for k in ("new", "updated", "unchanged")} == {k: exp[k] for k in
                                                                          ("new", "updated", "unchanged")}
    assert sum(m["cases"] for m in res.cases["missing"]) == exp["dropped"]
    blob = all_bytes(home)
    ids = _identifier_strings(path, ["Call ID"], 1)
    assert len(ids) == exp["records"] and not any(v.encode() in blob for v in ids)
