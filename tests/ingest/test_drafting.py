"""`cthub mapping draft` / `cthub mapping check` (issue 13, "Writing a mapping")."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.ingest import parse_mapping
from cthub.ingest.drafting import check_mapping, draft_mapping
from cthub.ingest.mapping import check_against_standard
from cthub.standard import load_standard

runner = CliRunner()
HEADER = ["Case No.", "Full name", "Phone number", "E-mail", "Sex", "Age", "Nationality", "Date of intake",
          "Type of exploitation", "Country where exploited", "Notes"]


def _ngo_export(path: Path, n: int = 200) -> tuple[Path, list[str]]:
    """An export of the kind a new NGO brings: own column names, d/m/Y dates, country spellings, a multi-select
    column and identifiers. Returns the file and the identifying strings that must never reach a draft."""
    rng = random.Random(3)
    secrets: list[str] = []
    rows = []
    for i in range(n):
        name, phone = f"Olena Kovalenko{i}", f"+380 67 {rng.randint(1_000_000, 9_999_999)}"
        secrets += [name, phone, f"olena{i}@example.org"]
        rows.append([f"NGO-{i:04d}", name, phone, f"olena{i}@example.org", rng.choice(["Female", "F", "M", "male"]),
                     str(rng.randint(12, 60)), rng.choice(["Ukraine", "Moldova", "Viet Nam", "Philipines", "Kosova"]),
                     f"{rng.randint(13, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice([2021, 2022, 2023])}",
                     rng.choice(["Forced labour", "Sexual exploitation", "Forced labour; Sexual exploitation",
                                 "Forced marriage", ""]),
                     rng.choice(["Poland", "Germany", ""]), "called twice, was afraid, needs a shelter in the city"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path, secrets


def test_draft_of_a_new_ngo_export_is_a_correct_mapping(tmp_path: Path) -> None:
    f, secrets = _ngo_export(tmp_path / "ngo.csv")
    text = draft_mapping(f, "victims")
    assert not any(s in text for s in secrets)  # nothing identifying is quoted
    mapping = parse_mapping(text)
    check_against_standard(mapping, load_standard())
    assert set(mapping.identifiers) == {"Full name", "Phone number", "E-mail", "Notes"}
    assert mapping.case_id is not None and mapping.case_id.source == ["Case No."]
    rules = mapping.variables
    assert rules["gender"].source == ["Sex"] and rules["gender"].values == {"F": "Female", "M": "Male"}
    assert rules["citizenship"].values == {"Kosova": "XK", "Philipines": "PH"}
    assert rules["yearOfRegistration"].source == ["Date of intake"] and rules["yearOfRegistration"].dayfirst
    assert rules["isForcedLabour"].transform == "flag" and rules["isForcedLabour"].match == ["Forced labour"]
    assert rules["CountryOfExploitation"].source == ["Country where exploited"]
    # accepted as is (the only line to fix is the constant Datasource), every row maps fully
    res = check_mapping(f, mapping)
    assert res["rows"] == 200 and res["accepted"] == 200 and res["quarantined"] == 0
    for var in ("gender", "ageBroad", "citizenship", "yearOfRegistration"):
        assert res["variables"][var]["share"] == 1.0 and res["variables"][var]["unmapped"] == [], var
    assert 0.7 < res["variables"]["isForcedLabour"]["share"] < 0.9  # the empty cells stay missing
    assert res["columns_unmapped"] == []


def test_check_reports_unmapped_values_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTHUB_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    f, secrets = _ngo_export(tmp_path / "ngo.csv", 50)
    m = tmp_path / "m.yaml"
    m.write_text("name: m\ntable: victims\nvariables:\n  gender: {from: Sex}\n  citizenship: {from: Nationality}\n"
                 "  yearOfRegistration: {from: Date of intake}\n", encoding="utf-8")
    out = runner.invoke(app, ["mapping", "check", str(f), str(m), "--json"])
    assert out.exit_code == 0, out.output
    import json

    res = json.loads(out.stdout)
    gender = res["variables"]["gender"]
    assert gender["share"] < 1 and sum(u["count"] for u in gender["unmapped"]) == round((1 - gender["share"]) * 50)
    assert any(u["value"] == "Philipines" for u in res["variables"]["citizenship"]["unmapped"])
    assert not any(s in out.stdout for s in secrets)
    assert not (tmp_path / "cthub-data").exists()


def test_draft_and_check_work_on_the_demo_exports(tmp_path: Path) -> None:
    from cthub.sample.contributors import write_sample_exports

    paths = write_sample_exports(tmp_path / "demo", seed=2, scale=0.01)
    for contributor, path in paths.items():
        table = "victim_perpetrator" if contributor == "prosecutions" else "victims"
        mapping = parse_mapping(draft_mapping(path, table), contributor)
        check_against_standard(mapping, load_standard())
        res = check_mapping(path, mapping)
        assert res["accepted"] > 0.8 * res["rows"], contributor
        filled = [v for v, info in res["variables"].items() if info["share"] > 0.5]
        assert len(filled) >= 3, (contributor, res["variables"])
    out = runner.invoke(app, ["mapping", "draft", str(paths["hotline"]), "-o", str(tmp_path / "h.yaml")])
    assert out.exit_code == 0 and (tmp_path / "h.yaml").exists()
