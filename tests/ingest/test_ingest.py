"""End to end: files in, standard records and reports out; bad rows reported, identifiers never kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.ingest import AlreadyImported, MissingColumnsError, ingest_file
from cthub.store import Store

from .conftest import GOOD_ROWS, HEADER, all_bytes, write_csv

TODAY = date(2024, 6, 30)
runner = CliRunner()


def test_good_file_lands_in_the_store(hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "calls.csv", GOOD_ROWS), today=TODAY)
    assert (res.rows_read, res.accepted, res.warned, res.rejected) == (3, 3, 0, 0)
    rec = store.records("victims")
    assert rec["gender"].tolist() == ["Female", "Male", "Female"]
    assert rec["ageBroad"].tolist()[:2] == ["24--26", "9--17"] and pd.isna(rec["ageBroad"].iloc[2])
    assert rec["majorityStatus"].tolist()[:2] == ["Adult", "Minor"]
    assert rec["citizenship"].tolist() == ["PH", "VN", "UA"]
    assert rec["yearOfRegistration"].tolist() == ["2019", "2020", "2021"]
    assert rec["isForcedLabour"].tolist()[:2] == ["1", "1"] and pd.isna(rec["isForcedLabour"].iloc[2])
    assert rec["isSexualExploit"].tolist()[:2] == ["0", "1"]
    assert set(rec["Datasource"]) == {"Hotline"}
    batch = store.batch(res.batch_id)
    assert (batch.mapping_version, batch.accepted, batch.file_name) == ("3", 3, "calls.csv")
    report = json.loads((res.report_dir / "report.json").read_text())
    assert report["accepted"] == 3 and report["columns_used"]["citizenship"] == "Nationality"
    assert "Caller name" in report["columns_ignored"]


def test_bad_cells_warn_and_empty_rows_are_quarantined(hub: Path, tmp_path: Path) -> None:
    rows = [
        GOOD_ROWS[0],
        ["2", "", "", "2031-01-01", "F", "-3", "Phillipines", "", ""],  # future date, bad age, typo country
        ["3", "", "", "2019-01-01", "M", "140", "PH", "", ""],
        ["4", "Eve", "", "", "zz", "", "Atlantis", "", ""],  # nothing usable: quarantined
    ]
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "bad.csv", rows), today=TODAY)
    assert (res.accepted, res.warned, res.rejected) == (3, 2, 1)
    p = res.problems
    by_row = {r: set(g["column"]) for r, g in p.groupby("row")}
    assert by_row[3] == {"Call date", "Age", "Nationality"}
    assert by_row[4] == {"Age"}
    assert set(p.loc[p["row"] == 5, "severity"]) == {"rejected"}
    typo = p[(p["row"] == 3) & (p["column"] == "Nationality")].iloc[0]
    assert typo["value"] == "Phillipines" and "Philippines (PH)" in typo["reason"]
    age = p[(p["row"] == 3) & (p["column"] == "Age")].iloc[0]
    assert age["value"] == "-3" and age["variable"] == "ageBroad, majorityStatus"
    rec = store.records("victims")
    assert rec.loc[1, "gender"] == "Female" and pd.isna(rec.loc[1, "yearOfRegistration"])  # good fields kept
    q = store.quarantine(res.batch_id)
    assert q["row_number"].tolist() == [5]
    assert "Sex" in q.loc[0, "reasons"] and "Atlantis" not in q.loc[0, "reasons"]
    rejected = pd.read_csv(res.report_dir / "rejected.csv")
    assert set(rejected["row"]) == {5}
    problems = pd.read_csv(res.report_dir / "problems.csv")
    assert len(problems) == len(p)


def test_reimport_is_a_noop_and_replace_swaps(hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    f = write_csv(tmp_path / "calls.csv", GOOD_ROWS)
    first = ingest_file(store, "line", f, today=TODAY)
    with pytest.raises(AlreadyImported, match="already imported") as err:
        ingest_file(store, "line", f, today=TODAY)
    assert err.value.batch_id == first.batch_id
    assert store.record_counts() == {"victims": 3}
    g = write_csv(tmp_path / "calls2.csv", GOOD_ROWS[:1])
    second = ingest_file(store, "line", g, replace=first.batch_id, today=TODAY)
    assert store.record_counts() == {"victims": 1}
    assert store.batch(first.batch_id).status == "replaced"
    assert store.batch(second.batch_id).replaces == first.batch_id


def test_dry_run_stores_nothing(hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "c.csv", GOOD_ROWS), dry_run=True, today=TODAY)
    assert res.batch_id is None and res.accepted == 3
    assert store.record_counts() == {} and store.batches() == []
    assert (res.report_dir / "report.json").exists()


def test_missing_required_and_unmatched_columns(hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    header = [h if h != "Call date" else "Cal date" for h in HEADER]
    with pytest.raises(MissingColumnsError, match="Call date.*closest in the file: 'Cal date'"):
        ingest_file(store, "line", write_csv(tmp_path / "a.csv", GOOD_ROWS, header=header), today=TODAY)
    path = tmp_path / "semi.csv"
    path.write_text("x y z\n1 2 3\n")
    with pytest.raises(MissingColumnsError):
        ingest_file(store, "line", path, today=TODAY)
    assert store.batches() == []


def test_identifiers_never_reach_the_store_or_reports(hub: Path, tmp_path: Path) -> None:
    """Names, phones and e-mails in unexpected places: none of them is anywhere in the hub's bytes."""
    secrets = ["Rosalinda Makapagal", "+63 917 555 0199", "rosalinda.m@example.org", "Esperanza Quiñones",
               "0917-555-0142", "ana.b@mail.example", "1990-07-14"]
    header = [*HEADER, "Email", "Other", "DOB"]
    rows = [
        ["1", secrets[0], secrets[1], "2019-05-03", "F", "25", "PH", "Forced labour", f"met {secrets[3]}",
         secrets[5], secrets[4], secrets[6]],
        ["2", "", "", "2019-05-03", "F", "30", secrets[2], "labour", "", "", f"call {secrets[1]}", ""],  # e-mail in country
        ["3", "", "", "2019-05-03", secrets[0], "31", "VN", "", "", "", "", ""],  # name in the sex column
        ["4", "", "", "2019-05-03", "M", secrets[4], "VN", "", "", "", "", ""],  # phone in the age column
        ["5", "", "", "", "", "", secrets[3], "", "", "", "", ""],  # a name in the country column, nothing else
        ["6", "", "", "2019-05-03", "Marla", "09175550142", "Marlaine", "", "", "", "", ""],  # short name near "Male"
    ]
    secrets += ["Marla", "Marlaine", "09175550142"]
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "leaky.csv", rows, header=header), today=TODAY)
    assert res.accepted == 5 and res.rejected == 1
    ingest_file(store, "line", write_csv(tmp_path / "leaky2.csv", rows[:2], header=header), today=TODAY,
                dry_run=True)
    blob = all_bytes(hub)
    assert store.path.exists() and len(blob) > 10_000
    for s in secrets:
        for form in {s, s.lower(), s.upper()}:
            assert form.encode("utf-8") not in blob, "an identifier reached the hub's files"
            assert form.encode("utf-16-le") not in blob


def test_withdraw_via_cli_deletes_records(hub: Path, tmp_path: Path) -> None:
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "c.csv", GOOD_ROWS), today=TODAY)
    assert (res.report_dir / "report.json").exists()
    out = runner.invoke(app, ["withdraw", res.batch_id, "--yes"])
    assert out.exit_code == 0, out.output
    assert not res.report_dir.exists()
    assert "3 records deleted" in out.output
    assert store.record_counts() == {"victims": 0}
    assert store.batch(res.batch_id).status == "withdrawn"
    out = runner.invoke(app, ["withdraw", "nope", "--yes"])
    assert out.exit_code == 1 and "no batch 'nope'" in out.output and "Traceback" not in out.output


def test_cli_init_ingest_status(hub_home: Path, tmp_path: Path, mapping_file: Path) -> None:
    out = runner.invoke(app, ["status"])
    assert out.exit_code == 1 and "no hub at" in out.output and "cthub init" in out.output
    assert not (hub_home / "store.duckdb").exists()
    out = runner.invoke(app, ["init", "--name", "Test hub"])
    assert out.exit_code == 0, out.output
    assert (hub_home / "cthub.yaml").exists() and (hub_home / "store.duckdb").exists()
    out = runner.invoke(app, ["contributor", "add", "line", "--name", "Line", "--mapping", str(mapping_file)])
    assert out.exit_code == 0, out.output
    f = write_csv(tmp_path / "calls.csv", GOOD_ROWS)
    out = runner.invoke(app, ["ingest", "--contributor", "line", str(f)])
    assert out.exit_code == 0, out.output
    assert "Accepted" in out.output
    out = runner.invoke(app, ["ingest", "--contributor", "line", str(f)])
    assert out.exit_code == 0 and "already imported" in out.output
    out = runner.invoke(app, ["status"])
    assert out.exit_code == 0 and "line" in out.output and "victims" in out.output
    # errors: one line, no traceback, non-zero exit
    (tmp_path / "empty.csv").write_bytes(b"")
    out = runner.invoke(app, ["ingest", "--contributor", "line", str(tmp_path / "empty.csv")])
    assert out.exit_code == 1 and "empty" in out.output and "Traceback" not in out.output
    out = runner.invoke(app, ["ingest", "--contributor", "ghost", str(f)])
    assert out.exit_code == 1 and "unknown contributor 'ghost'" in out.output
    out = runner.invoke(app, ["ingest", "--contributor", "line", "--mapping", "builtin:nope", str(f)])
    assert out.exit_code == 1 and "no built-in mapping" in out.output


def test_init_demo_registers_sample_contributors(hub_home: Path) -> None:
    out = runner.invoke(app, ["init", "--demo"])
    assert out.exit_code == 0, out.output
    from cthub.config import load_config

    assert [c.id for c in load_config().contributors] == ["casesys", "hotline", "htcds-ngo", "prosecutions"]


@pytest.mark.slow
def test_50_mb_file(hub: Path, tmp_path: Path) -> None:
    """A big file goes through with its valid rows (vectorized path), and fast."""
    import time

    path = tmp_path / "big.csv"
    line = "1,,,2019-05-03,F,25,Philippines,Forced labour;sexual exploitation," + "x" * 60 + "\n"
    bad = "2,,,2031-01-01,M,-3,Atlantis,,\n"
    with path.open("w") as fh:
        fh.write(",".join(HEADER) + "\n")
        block = (line * 99 + bad) * 1000
        while path.stat().st_size < 50_000_000:
            fh.write(block)
            fh.flush()
    n = sum(1 for _ in path.open()) - 1
    t0 = time.perf_counter()
    res = ingest_file(Store.open(), "line", path, today=TODAY)
    assert res.accepted == n  # the bad rows still have a sex value
    assert res.warned == n // 100
    assert time.perf_counter() - t0 < 120


@pytest.mark.filterwarnings("error")
def test_row_with_only_unmapped_content_is_quarantined(hub: Path, tmp_path: Path) -> None:
    rows = [GOOD_ROWS[0], ["9", "Someone", "", "", "", "", "", "", "only a note"]]
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "n.csv", rows), today=TODAY)
    assert (res.accepted, res.rejected) == (1, 1)
    q = store.quarantine(res.batch_id)
    assert q["reasons"].tolist() == ["no value in any mapped column"]
    assert res.problems.loc[res.problems["severity"] == "rejected", "row"].tolist() == [3]
