"""builtin:htcds: the HTCDS Excel template and HTCDS XLSForm exports import with no mapping work."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl

from cthub.ingest import ingest_file
from cthub.store import Store

from ..conftest import shared_file
from .conftest import all_bytes

HTCDS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "htcds"
TEMPLATE = HTCDS / "HTCDS Excel Spreadsheet v2.0.xlsx"
XLSFORM = HTCDS / "htcds_xlsform.xlsx"

CASES = [  # (gender, birthdate, citizenship, control, exploitation, industry, referral date, first name)
    ("Feminine", datetime(1995, 3, 1), "PH", "DebtBondage;WithholdsDocuments", "ForcedLabour",
     "T_ActivitiesOfHouseholdsAsEmployers", datetime(2019, 6, 1), "Lakambini"),
    ("Masculine", datetime(2004, 1, 15), "VN", "PhysicalThreats", "SexualExploitation;ForcedLabour",
     "F_Construction", datetime(2020, 2, 1), "Thanh-Long"),
    ("NonSpecifiedUnknown", None, "UA", None, "Servitude", None, datetime(2021, 9, 9), "Oksana-Marichka"),
]


def _template_with_cases(path: Path) -> None:
    shutil.copy(shared_file(TEMPLATE), path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    col = {c.value: c.column for c in ws[1] if c.value}
    for i, (g, dob, cit, moc, toe, ind, ref, name) in enumerate(CASES):
        r = 3 + i
        ws.cell(r, col["prs_Gender"], g)
        ws.cell(r, col["prs_Birthdate"], dob)
        ws.cell(r, col["prs_Citizenship"], cit)
        ws.cell(r, col["vic_MethodsOfControl"], moc)
        ws.cell(r, col["vic_TypeOfExploitation"], toe)
        ws.cell(r, col["vic_ForcedLabourIndustry"], ind)
        ws.cell(r, col["cas_IncomingReferralDate"], ref)
        ws.cell(r, col["prs_FirstName"], name)
        ws.cell(r, col["prs_Email"], f"{name.lower()}@example.org")
        ws.cell(r, col["prs_MobilePhone"], "+63 917 555 01" + str(10 + i))
    wb.save(path)


def _check(store: Store) -> None:
    rec = store.records("victims")
    assert rec["gender"].tolist()[:2] == ["Female", "Male"] and rec["gender"].isna().iloc[2]
    assert rec["citizenship"].tolist() == ["PH", "VN", "UA"]
    assert rec["ageBroad"].tolist()[:2] == ["24--26", "9--17"]
    assert rec["majorityStatus"].tolist()[:2] == ["Adult", "Minor"]
    assert rec["yearOfRegistration"].tolist() == ["2019", "2020", "2021"]
    assert rec["meansOfControlDebtBondage"].tolist()[:2] == ["1", "0"]
    assert rec["meansOfControlThreats"].tolist()[:2] == ["0", "1"]
    assert rec["isForcedLabour"].tolist() == ["1", "1", "0"]
    assert rec["isSexualExploit"].tolist() == ["0", "1", "0"]
    assert rec["isSlaveryAndPractices"].tolist() == ["0", "0", "1"]
    assert rec["typeOfLabourDomesticWork"].tolist()[:2] == ["1", "0"]
    assert set(rec["Datasource"]) == {"Case management"}


def test_htcds_excel_template(hub_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "ngo.xlsx"
    _template_with_cases(path)
    store = Store.open()
    res = ingest_file(store, "ngo", path, "builtin:htcds")
    assert (res.rows_read, res.accepted, res.rejected, res.warned) == (3, 3, 0, 0)
    assert any("labels" in n for n in res.notes)
    _check(store)
    blob = all_bytes(hub_home)
    for _, dob, *_rest, name in CASES:
        assert name.encode() not in blob
        if dob:
            assert dob.strftime("%Y-%m-%d").encode() not in blob


def test_htcds_xlsform_csv_export(hub_home: Path, tmp_path: Path) -> None:
    """An ODK/Kobo export: field names from the XLSForm (with group paths), select_multiple space-separated."""
    wb = openpyxl.load_workbook(shared_file(XLSFORM), read_only=True)
    names = [r[1] for r in wb["survey"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert "vic_Methods_of_Control" in names  # the XLSForm spells it differently from the template
    header = [f"grp/{n}" if n.startswith("prs_") else n for n in names]
    lines = [",".join(header)]
    for g, dob, cit, moc, toe, ind, ref, name in CASES:
        row = dict.fromkeys(names, "")
        row.update({"prs_Gender": g, "prs_Birthdate": dob.strftime("%Y-%m-%d") if dob else "", "prs_Citizenship": cit,
                    "vic_Methods_of_Control": (moc or "").replace(";", " "),
                    "vic_TypeOfExploitation": toe.replace(";", " "), "vic_ForcedLabourIndustry": ind or "",
                    "cas_IncomingReferralDate": ref.strftime("%Y-%m-%d"), "prs_First_Name": name})
        lines.append(",".join(row[n] for n in names))
    path = tmp_path / "odk.csv"
    path.write_text("\n".join(lines) + "\n")
    store = Store.open()
    res = ingest_file(store, "ngo", path, "builtin:htcds")
    assert (res.accepted, res.rejected, res.warned) == (3, 0, 0)
    _check(store)


def test_age_reference_date_falls_back_to_the_hub_setting(hub_home: Path, tmp_path: Path) -> None:
    """No referral date in the row: the age is taken at release.reference_date from cthub.yaml."""
    from cthub.config import HubConfig, ReleaseConfig, save_config

    save_config(HubConfig(release=ReleaseConfig(reference_date="2010-01-01")), hub_home)
    path = tmp_path / "odk.csv"
    path.write_text("prs_Birthdate,prs_Gender,cas_IncomingReferralDate\n2000-06-01,Feminine,\n2000-06-01,Feminine,2019-01-01\n")
    store = Store.open()
    ingest_file(store, "ngo", path, "builtin:htcds")
    rec = store.records("victims")
    assert rec["ageBroad"].tolist() == ["9--17", "18--20"]
    assert rec["majorityStatus"].tolist() == ["Minor", "Adult"]
