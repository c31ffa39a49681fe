"""Issue 13: what a new hub's data manager hits in the first hour. Each test failed before its fix."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.ingest import MissingColumnsError, ingest_file
from cthub.ingest.parsers import parse_country
from cthub.store import Store

from .conftest import GOOD_ROWS, HEADER, write_csv

TODAY = date(2024, 6, 30)
runner = CliRunner()


def _hub_with(hub_home: Path, tmp_path: Path, mapping_text: str) -> Path:
    from cthub.config import Contributor, HubConfig, save_config

    path = tmp_path / "m.yaml"
    path.write_text(mapping_text, encoding="utf-8")
    save_config(HubConfig(name="t", contributors=[Contributor(id="line", name="Line", mapping=str(path))]), hub_home)
    return path


FLAG_MAPPING = """
name: flags
table: victims
variables:
  yearOfRegistration: {from: Date, required: true}
  isForcedLabour: {from: Exploitation, transform: flag, match: [forced labour]}
  isSexualExploit: {from: Exploitation, transform: flag, match: [sexual exploitation]}
"""


# 3. the flag transform -------------------------------------------------------------------------------------------
def test_flag_unrecognized_tokens_are_missing_and_counted(hub_home: Path, tmp_path: Path) -> None:
    _hub_with(hub_home, tmp_path, FLAG_MAPPING)
    rows = [["", "Forced labour"], ["", "Sexual exploitation"], ["", "Criminal exploitation"],
            ["", "Criminal exploitation"], ["", "??"]]
    f = write_csv(tmp_path / "f.csv", rows, header=["Date", "Exploitation"])
    res = ingest_file(Store.open(), "line", f, today=TODAY)
    rec = Store.open().records("victims")
    # a token of another flag of the same column is a known "no"; unknown text is missing, never 0
    assert rec["isForcedLabour"].tolist()[:2] == ["1", "0"]
    assert rec["isSexualExploit"].tolist()[:2] == ["0", "1"]
    assert rec["isForcedLabour"].iloc[2:].isna().all() and rec["isSexualExploit"].iloc[2:].isna().all()
    # the '??' row and the two 'Criminal exploitation' rows have no value at all: quarantined
    assert res.rejected == 3 and res.accepted == 2
    report = json.loads((res.report_dir / "report.json").read_text())
    counts = report["unrecognized"]["Exploitation"]
    assert sorted(c["count"] for c in counts) == [1, 2]
    assert all("Criminal" not in c["value"] for c in counts)  # described, not quoted (safe-value rule)


def test_flag_declared_no_list(hub_home: Path, tmp_path: Path) -> None:
    _hub_with(hub_home, tmp_path, FLAG_MAPPING.replace(
        "match: [forced labour]}", "match: [forced labour], no: [criminal exploitation, not exploited]}"))
    rows = [["", "Criminal exploitation"], ["", "Not exploited"], ["", "??"]]
    f = write_csv(tmp_path / "f.csv", rows, header=["Date", "Exploitation"])
    ingest_file(Store.open(), "line", f, today=TODAY)
    rec = Store.open().records("victims")
    assert rec["isForcedLabour"].tolist() == ["0", "0"]  # the '??' row is quarantined
    assert rec["isSexualExploit"].tolist() == ["0", "0"]  # the `no` list is the column's vocabulary too


# 2. a typo in an optional `from:` ---------------------------------------------------------------------------------
TYPO_MAPPING = """
name: typo
table: victims
variables:
  yearOfRegistration: {from: Date, required: true}
  CountryOfExploitation: {from: Country were exploited}
"""


def test_optional_column_typo_warns_with_the_closest_and_strict_refuses(hub_home: Path, tmp_path: Path) -> None:
    _hub_with(hub_home, tmp_path, TYPO_MAPPING)
    f = write_csv(tmp_path / "t.csv", [["2020", "Ukraine", "x"]], header=["Date", "Country where exploited", "Other"])
    res = ingest_file(Store.open(), "line", f, today=TODAY, dry_run=True)
    assert any("Country were exploited" in n and "'Country where exploited'" in n for n in res.notes), res.notes
    assert res.summary()["columns_unmapped"] == ["Country where exploited", "Other"]
    with pytest.raises(MissingColumnsError, match="Country where exploited"):
        ingest_file(Store.open(), "line", f, today=TODAY, dry_run=True, strict=True)
    out = runner.invoke(app, ["ingest", "--contributor", "line", "--strict", "--check", str(f)])
    assert out.exit_code == 1 and "Country where exploited" in out.output


# 4. only `init` creates a hub -------------------------------------------------------------------------------------
def test_commands_that_need_a_hub_never_create_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   mapping_file: Path) -> None:
    monkeypatch.delenv("CTHUB_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init", "--home", "./hub"]).exit_code == 0
    for args in (["contributor", "add", "x", "--name", "X", "--mapping", str(mapping_file)], ["contributor", "list"],
                 ["status"], ["compact"], ["ingest", "-c", "x", "nofile.csv"], ["release"], ["user", "list"]):
        out = runner.invoke(app, args)
        assert out.exit_code in (1, 2) and "no hub at" in out.output and "cthub init" in out.output, (args, out.output)
    assert not (tmp_path / "cthub-data").exists()


# 5. country suggestions -------------------------------------------------------------------------------------------
def test_country_suggestions_only_close_and_say_how_to_add_a_synonym() -> None:
    far = parse_country("Narnia")
    assert far.value is None and "Armenia" not in far.reason and "values:" in far.reason
    near = parse_country("Phillipines")
    assert near.value == "PH" or "Philippines" in (near.reason or "")
    typo = parse_country("Ukrane")
    assert typo.value is None and "Ukraine" in typo.reason and "values:" in typo.reason


# 1. workbooks with several sheets ----------------------------------------------------------------------------------
def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_every_matching_sheet_is_read(hub: Path, tmp_path: Path) -> None:
    rows24 = [HEADER, *[[f"a{i}", "", "", "2022-01-02", "F", "30", "UA", "", ""] for i in range(25)]]
    rows25 = [HEADER, *[[f"b{i}", "", "", "2023-01-02", "M", "40", "PL", "", ""] for i in range(25)]]
    f = _workbook(tmp_path / "two.xlsx", {"Read me": [["This workbook holds our cases"], ["see the sheets"]],
                                          "2024": rows24, "2025": rows25})
    res = ingest_file(Store.open(), "line", f, today=TODAY)
    assert res.rows_read == 50 and res.accepted == 50
    report = json.loads((res.report_dir / "report.json").read_text())
    assert report["sheets"] == [{"sheet": "2024", "rows": 25}, {"sheet": "2025", "rows": 25}]
    assert any("Read me" in n and "sheet:" in n for n in res.notes), res.notes
    rec = Store.open().records("victims")
    assert rec["yearOfRegistration"].value_counts().to_dict() == {"2022": 25, "2023": 25}, rec.head()


def test_problems_name_the_sheet(hub: Path, tmp_path: Path) -> None:
    bad = [HEADER, ["a1", "", "", "2024-01-02", "X?", "30", "UA", "", ""]]
    f = _workbook(tmp_path / "two.xlsx", {"2024": [HEADER, GOOD_ROWS[0]], "2025": bad})
    res = ingest_file(Store.open(), "line", f, today=TODAY, dry_run=True)
    assert res.problems["sheet"].tolist() == ["2025"] and res.problems["row"].tolist() == [2]


def test_sheet_key_still_picks_one(hub_home: Path, tmp_path: Path) -> None:
    from .conftest import MAPPING

    _hub_with(hub_home, tmp_path, MAPPING + "sheet: '2025'\n")
    f = _workbook(tmp_path / "two.xlsx", {"2024": [HEADER, GOOD_ROWS[0]], "2025": [HEADER, *GOOD_ROWS]})
    res = ingest_file(Store.open(), "line", f, today=TODAY, dry_run=True)
    assert res.rows_read == 3


# 6. full ids, --json ----------------------------------------------------------------------------------------------
def test_json_output_for_scripts(hub: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "calls.csv", GOOD_ROWS)
    out = runner.invoke(app, ["ingest", "--contributor", "line", "--json", str(f)])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    batch_id = result[0]["batch_id"]
    assert result[0]["accepted"] == 3 and batch_id.startswith("line-")
    out = runner.invoke(app, ["status", "--json"])
    assert out.exit_code == 0, out.output
    status = json.loads(out.stdout)
    assert status["batches"][0]["batch_id"] == batch_id and status["records"]["victims"] == 3
    out = runner.invoke(app, ["releases", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == []


def test_status_batch_ids_whole_at_narrow_width(hub: Path, tmp_path: Path) -> None:
    res = ingest_file(Store.open(), "line", write_csv(tmp_path / "calls.csv", GOOD_ROWS), today=TODAY)
    out = runner.invoke(app, ["status"], env={"COLUMNS": "60"})
    assert out.exit_code == 0 and res.batch_id in out.output


# 7. limits counted by the importing parser --------------------------------------------------------------------------
def test_cr_only_csv_and_u2028_header_are_counted_as_imported(tmp_path: Path) -> None:
    from cthub.ingest.readers import read_table, table_shape

    cr = tmp_path / "cr.csv"
    cr.write_bytes(b"a,b\r" + b"1,2\r" * 300)
    assert table_shape(cr) == (2, 300)
    assert len(read_table(cr).frame) == 300
    sep = tmp_path / "sep.csv"
    sep.write_text("a\u2028b,c\n1,2\n", encoding="utf-8")
    assert table_shape(sep) == (2, 1)
    assert read_table(sep).frame.shape == (1, 2)
    frame = pd.read_csv(sep)  # the importer and the counter agree with a plain CSV reader
    assert frame.shape == (1, 2)


# Writing a mapping: every target variable in the README, generated from the standard ------------------------------
def test_mappings_readme_lists_every_target_variable() -> None:
    from cthub.ingest.targets import current_section, readme_path, targets_markdown
    from cthub.standard import load_standard

    text = readme_path().read_text(encoding="utf-8")
    section = current_section(text)
    assert section is not None, "run `python -m cthub.ingest.targets` to add the generated section"
    assert section == targets_markdown(), "the standard changed: run `python -m cthub.ingest.targets`"
    std = load_standard()
    for name in std.tables:
        for var in std.table(name).variables:
            assert f"| `{var.name}` |" in section


# Tests on a bare clone: ../shared absent -> a skip that says where the files come from; under CI, a failure ---------
def test_shared_files_skip_on_a_bare_clone_and_fail_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ..conftest import shared_file

    missing = tmp_path / "shared" / "reference" / "htcds" / "template.xlsx"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="shared") as skipped:
        shared_file(missing)
    assert "next to the repository" in str(skipped.value)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="template.xlsx"):
        shared_file(missing)
    present = tmp_path / "here.csv"
    present.write_text("a\n", encoding="utf-8")
    assert shared_file(present) == present


def test_withdrawing_a_case_scrubs_its_row_from_a_several_sheet_report(hub_home: Path, tmp_path: Path) -> None:
    from cthub.ingest import withdraw_case

    from .conftest import MAPPING

    _hub_with(hub_home, tmp_path, MAPPING + "case_id: Call ID\n")
    bad = ["", "", "2022-01-02", "X?", "30", "UA", "", ""]
    f = _workbook(tmp_path / "two.xlsx", {"2022": [HEADER, ["a1", *bad]], "2023": [HEADER, ["b1", *bad]]})
    res = ingest_file(Store.open(), "line", f, today=TODAY)
    problems = pd.read_csv(res.report_dir / "problems.csv", dtype=str)
    assert sorted(zip(problems["sheet"], problems["row"], strict=True)) == [("2022", "2"), ("2023", "2")]
    withdraw_case(Store.open(), "line", "b1")
    problems = pd.read_csv(res.report_dir / "problems.csv", dtype=str)
    assert list(zip(problems["sheet"], problems["row"], strict=True)) == [("2022", "2")]
