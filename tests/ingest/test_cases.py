"""Cases, not rows: case keys from the hub key, re-submission by case, full exports, and withdrawing one person.

Case IDs here are distinctive strings ("ZQ-CASE-000123") so that finding one in the hub's bytes means a leak.
"""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.config import Contributor, HubConfig, save_config
from cthub.ingest import AlreadyImported, IngestError, MappingError, MissingColumnsError, ingest_file, parse_mapping
from cthub.ingest.cases import hub_key_for
from cthub.ingest.keys import HUB_KEY_FILE, HubKeyError, case_key, create_hub_key, load_hub_key
from cthub.store import Store

from .conftest import MAPPING, all_bytes

TODAY = date(2024, 6, 30)
runner = CliRunner()
KEYED = MAPPING.replace("table: victims\n", "table: victims\ncase_id: Case number\n")
HEADER = ["Case number", "Caller name", "Call date", "Sex", "Age", "Nationality", "Exploitation"]
SEXES = ("F", "M")
COUNTRIES = ("Philippines", "Viet Nam", "UA", "Thailand", "Nepal")
KINDS = ("Forced labour", "Sexual exploitation", "")
VP_MAPPING = """
name: vp
table: victim_perpetrator
case_id: Case number
variables:
  yearRegister: {from: Year}
  gender: {from: Victim sex, values: {F: Female, M: Male}}
  IP_Gender: {from: Offender sex, values: {F: Female, M: Male}}
"""


def case_id(i: int) -> str:
    return f"ZQ-CASE-{i:06d}"


def row(i: int, version: int = 0) -> list[str]:
    """One case's row; `version` 1 changes its exploitation (a corrected record)."""
    return [case_id(i), f"Person Number{i}", f"{2015 + i % 8}-03-0{1 + i % 9}", SEXES[i % 2], str(18 + i % 40),
            COUNTRIES[i % 5], KINDS[(i + version) % 3]]


def write(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    pd.DataFrame(rows, columns=header or HEADER).to_csv(path, index=False)
    return path


@pytest.fixture
def keyed_hub(hub_home: Path, tmp_path: Path) -> Path:
    (tmp_path / "keyed.yaml").write_text(KEYED, encoding="utf-8")
    (tmp_path / "vp.yaml").write_text(VP_MAPPING, encoding="utf-8")
    save_config(HubConfig(name="t", contributors=[
        Contributor(id="line", name="Line", mapping=str(tmp_path / "keyed.yaml")),
        Contributor(id="court", name="Court", mapping=str(tmp_path / "vp.yaml"), tables=["victim_perpetrator"]),
    ]), hub_home)
    out = runner.invoke(app, ["init"])
    assert out.exit_code == 0, out.output
    return hub_home


def test_second_export_updates_cases(keyed_hub: Path, tmp_path: Path) -> None:
    """1,000 cases, then the same 1,000 with 100 changed and 50 new: 1,050 cases, 100 updates, 850 untouched."""
    store = Store.open()
    first = ingest_file(store, "line", write(tmp_path / "q1.csv", [row(i) for i in range(1000)]), today=TODAY)
    assert first.cases["new"] == 1000 and store.record_counts() == {"victims": 1000}
    rows = [row(i, version=1 if i < 100 else 0) for i in range(1050)]
    q2 = write(tmp_path / "q2.csv", rows[::-1])  # row order is irrelevant
    check = ingest_file(store, "line", q2, dry_run=True, today=TODAY)
    assert (check.cases["new"], check.cases["updated"], check.cases["unchanged"]) == (50, 100, 900)
    assert store.record_counts() == {"victims": 1000} and len(store.batches()) == 1  # a check stores nothing
    second = ingest_file(store, "line", q2, today=TODAY)
    assert {k: second.cases[k] for k in ("new", "updated", "unchanged")} == {"new": 50, "updated": 100,
                                                                            "unchanged": 900}
    assert store.record_counts() == {"victims": 1050}
    assert store.superseded_count() == 100  # the old versions, kept for audit
    current = store.records("victims", with_meta=True)
    assert current["batch_id"].value_counts().to_dict() == {first.batch_id: 900, second.batch_id: 150}
    report = json.loads((second.report_dir / "report.json").read_text())
    assert report["cases"]["updated"] == 100 and report["case_id_column"] == "Case number"
    assert store.batch(second.batch_id).cases["new"] == 50
    out = runner.invoke(app, ["status"])
    assert out.exit_code == 0 and "1,050" in out.output and "older versions" in out.output
    out = runner.invoke(app, ["compact"])
    assert out.exit_code == 0 and "dropped 100" in out.output
    assert store.superseded_count() == 0 and store.record_counts() == {"victims": 1050}


def test_byte_identical_reimport_is_a_noop(keyed_hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    f = write(tmp_path / "a.csv", [row(i) for i in range(30)])
    ingest_file(store, "line", f, today=TODAY)
    before = store.records("victims", with_person=True)
    with pytest.raises(AlreadyImported):
        ingest_file(store, "line", f, today=TODAY)
    assert len(store.batches()) == 1
    pd.testing.assert_frame_equal(store.records("victims", with_person=True), before)
    # the same cases in another file (rows reordered, so other bytes): all unchanged, nothing written
    again = ingest_file(store, "line", write(tmp_path / "b.csv", [row(i) for i in reversed(range(30))]), today=TODAY)
    assert (again.cases["new"], again.cases["updated"], again.cases["unchanged"]) == (0, 0, 30)
    assert store.superseded_count() == 0 and store.record_counts() == {"victims": 30}


def test_full_export_lists_missing_cases_and_removes_them_on_request(keyed_hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    q1 = ingest_file(store, "line", write(tmp_path / "q1.csv", [row(i) for i in range(100)]), today=TODAY)
    q2 = ingest_file(store, "line", write(tmp_path / "q2.csv", [row(i) for i in range(100, 120)]), today=TODAY)
    full = write(tmp_path / "full.csv", [row(i) for i in range(30, 110)])  # lacks 0-29 (q1) and 110-119 (q2)
    res = ingest_file(store, "line", full, export="full", today=TODAY)
    missing = {m["batch_id"]: m["cases"] for m in res.cases["missing"]}
    assert missing == {q1.batch_id: 30, q2.batch_id: 10} and res.cases["removed"] == 0
    assert any(f"30 stored case(s) from batch {q1.batch_id}" in n for n in res.notes)
    assert store.record_counts() == {"victims": 120}  # listed, not removed
    with pytest.raises(IngestError, match="--full"):
        ingest_file(store, "line", full, remove_missing=True, today=TODAY)
    f2 = write(tmp_path / "full2.csv", [row(i) for i in range(30, 110)] + [row(500)])
    out = runner.invoke(app, ["ingest", "--contributor", "line", "--full", "--remove-missing", str(f2)])
    assert out.exit_code == 0, out.output
    assert "Stored cases not in this full export" in out.output and "40 superseded" in out.output
    assert store.record_counts() == {"victims": 81}
    for i in (0, 29, 110, 119):
        assert case_id(i) not in out.output


def test_full_export_needs_case_ids(hub: Path, tmp_path: Path) -> None:
    from .conftest import GOOD_ROWS, write_csv

    with pytest.raises(IngestError, match="case_id"):
        ingest_file(Store.open(), "line", write_csv(tmp_path / "c.csv", GOOD_ROWS), export="full", today=TODAY)


def test_case_key_needs_the_hub_key(keyed_hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    ingest_file(store, "line", write(tmp_path / "a.csv", [row(i) for i in range(5)]), today=TODAY)
    stored = store.records("victims", with_person=True)["_person"].tolist()
    key = load_hub_key(keyed_hub)
    assert stored == [case_key(key, "line", case_id(i)) for i in range(5)]
    assert all(case_key(b"\x00" * 32, "line", case_id(i)) not in stored for i in range(5))
    assert all(case_key(key, "other", case_id(i)) not in stored for i in range(5))  # contributors never collide
    assert "_person" not in store.records("victims").columns


def test_hub_key_file_is_private_and_guarded(keyed_hub: Path, tmp_path: Path) -> None:
    path = keyed_hub / HUB_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_bytes()) == 32
    assert not (keyed_hub / ".web-secret").exists() or (keyed_hub / ".web-secret").read_bytes() != path.read_bytes()
    key = path.read_bytes()
    assert runner.invoke(app, ["init"]).exit_code == 0 and path.read_bytes() == key  # init keeps an existing key
    store = Store.open()
    ingest_file(store, "line", write(tmp_path / "a.csv", [row(1)]), today=TODAY)
    path.unlink()
    with pytest.raises(HubKeyError, match="restore"):
        ingest_file(store, "line", write(tmp_path / "b.csv", [row(2)]), today=TODAY)
    create_hub_key(keyed_hub)  # a new, different key
    with pytest.raises(HubKeyError, match="not the key"):
        ingest_file(store, "line", write(tmp_path / "b.csv", [row(2)]), today=TODAY)
    assert store.record_counts() == {"victims": 1}


def test_an_existing_hub_gets_its_key_on_first_import(hub_home: Path, tmp_path: Path) -> None:
    (tmp_path / "keyed.yaml").write_text(KEYED, encoding="utf-8")
    save_config(HubConfig(name="t", contributors=[Contributor(id="line", name="Line",
                                                              mapping=str(tmp_path / "keyed.yaml"))]), hub_home)
    store = Store.open()
    with pytest.raises(HubKeyError, match="cthub init"):
        hub_key_for(store)
    res = ingest_file(store, "line", write(tmp_path / "a.csv", [row(1)]), today=TODAY)
    assert any("hub key" in n and "back it up" in n for n in res.notes)
    assert stat.S_IMODE((hub_home / HUB_KEY_FILE).stat().st_mode) == 0o600


def test_rows_without_a_case_id_and_a_missing_column(keyed_hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    rows = [row(i) for i in range(6)]
    rows[2][0] = rows[4][0] = ""
    res = ingest_file(store, "line", write(tmp_path / "a.csv", rows), today=TODAY)
    assert res.cases["without_case_id"] == 2 and any("2 row(s) have no case ID" in n for n in res.notes)
    again = ingest_file(store, "line", write(tmp_path / "b.csv", rows[::-1]), today=TODAY)
    assert (again.cases["new"], again.cases["unchanged"]) == (2, 4)  # rows without an ID never match
    header = ["Case nmber", *HEADER[1:]]
    with pytest.raises(MissingColumnsError, match="case-ID column 'Case number'.*closest in the file: 'Case nmber'"):
        ingest_file(store, "line", write(tmp_path / "c.csv", [row(9)], header), today=TODAY)
    loose = parse_mapping(KEYED.replace("case_id: Case number", "case_id: {from: Case number, required: false}"))
    res = ingest_file(store, "line", write(tmp_path / "d.csv", [row(9)], header), loose, today=TODAY)
    assert res.cases["without_case_id"] == 1 and any("no case-ID column" in n for n in res.notes)
    with pytest.raises(MappingError, match="case-ID column"):
        parse_mapping(KEYED.replace("citizenship: {from: Nationality}", "citizenship: {from: Case number}"))


def test_victim_perpetrator_rows_carry_their_victims_key(keyed_hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    ingest_file(store, "line", write(tmp_path / "v.csv", [row(i) for i in range(3)]), today=TODAY)
    header = ["Case number", "Year", "Victim sex", "Offender sex"]
    vp = [[case_id(0), "2019", "F", "M"], [case_id(0), "2019", "F", "F"], [case_id(0), "2019", "F", "M"],
          [case_id(1), "2020", "M", "M"]]
    pd.DataFrame(vp, columns=header).to_csv(tmp_path / "vp.csv", index=False)
    res = ingest_file(store, "court", tmp_path / "vp.csv", today=TODAY)
    assert res.cases["new"] == 2  # two victims, four rows
    rec = store.records("victim_perpetrator", with_person=True)
    assert rec["_person"].value_counts().sort_values().tolist() == [1, 3]
    key = load_hub_key(keyed_hub)
    assert set(rec["_person"]) == {case_key(key, "court", case_id(0)), case_key(key, "court", case_id(1))}
    # a victim's updated row set replaces all its rows (3 -> 2), the other victim is unchanged
    pd.DataFrame(vp[1:], columns=header).to_csv(tmp_path / "vp2.csv", index=False)
    again = ingest_file(store, "court", tmp_path / "vp2.csv", today=TODAY)
    assert (again.cases["updated"], again.cases["unchanged"]) == (1, 1)
    assert store.record_counts()["victim_perpetrator"] == 3


def test_withdraw_one_case_removes_its_bytes(keyed_hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    rows = [row(i) for i in range(20)]
    rows[7][2] = "2031-01-01"  # a future date: case 7 has a row in problems.csv
    first = ingest_file(store, "line", write(tmp_path / "a.csv", rows), today=TODAY)
    rows[7] = row(7, version=1)
    ingest_file(store, "line", write(tmp_path / "b.csv", rows), today=TODAY)  # case 7 now has two versions
    key = load_hub_key(keyed_hub)
    gone = case_key(key, "line", case_id(7)).encode()
    assert (first.report_dir / "problems.csv").read_text().count("\n") == 2
    store.compact()
    assert gone in all_bytes(keyed_hub)  # the check below is meaningful
    out = runner.invoke(app, ["withdraw", "--contributor", "line", "--case", "-", "--yes"], input=case_id(7) + "\n")
    assert out.exit_code == 0, out.output
    assert "2 records deleted" in out.output and case_id(7) not in out.output
    assert store.record_counts() == {"victims": 19} and store.superseded_count() == 0
    assert gone not in all_bytes(keyed_hub)
    assert (first.report_dir / "problems.csv").read_text().count("\n") == 1  # its row left the report
    entry = store.audit_log(1)[0]
    assert entry["action"] == "withdraw-case" and entry["detail"] == {"records": {"victims": 2}}
    out = runner.invoke(app, ["withdraw", "--contributor", "line", "--case", case_id(7), "--yes"])
    assert out.exit_code == 1 and "no stored case" in out.output and case_id(7) not in out.output
    out = runner.invoke(app, ["withdraw", "--case", case_id(8), "--yes"])
    assert out.exit_code == 2


def test_no_case_id_or_case_key_in_the_hub_or_its_messages(keyed_hub: Path, tmp_path: Path) -> None:
    """Case IDs are read only to be hashed: not in the DuckDB file or WAL, reports, audit rows or command output;
    the case keys themselves appear in no report, audit row or output either."""
    store = Store.open()
    outputs = []
    f1 = write(tmp_path / "a.csv", [row(i) for i in range(200)])
    outputs.append(runner.invoke(app, ["ingest", "--contributor", "line", str(f1)]).output)
    f2 = write(tmp_path / "b.csv", [row(i, version=i % 2) for i in range(150, 260)])
    outputs.append(runner.invoke(app, ["ingest", "--contributor", "line", "--full", str(f2)]).output)
    outputs.append(runner.invoke(app, ["ingest", "--contributor", "line", "--check", str(f2)]).output)
    outputs.append(runner.invoke(app, ["status"]).output)
    outputs.append(runner.invoke(app, ["withdraw", "-c", "line", "--case", case_id(3), "--yes"]).output)
    assert "withdrew one case" in outputs[-1]
    store.audit("admin", "upload", "line", {"rows": 200})
    hub_bytes = all_bytes(keyed_hub)  # the DuckDB file, its WAL if any, every report
    audit = json.dumps(store.audit_log(100), default=str)
    reports = b"".join(p.read_bytes() for p in (keyed_hub / "reports").rglob("*") if p.is_file())
    text = "\n".join(outputs)
    for i in range(260):
        cid = case_id(i)
        for form in {cid, cid.lower()}:
            assert form.encode() not in hub_bytes and form.encode("utf-16-le") not in hub_bytes
            assert form not in audit and form not in text
    keys = store.records("victims", with_person=True)["_person"].tolist()
    assert len(keys) > 200
    for k in keys:
        assert k.encode() not in reports and k not in audit and k not in text
