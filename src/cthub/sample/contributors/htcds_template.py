"""The HTCDS v2.0 Excel template's header rows and HTCDS value lists, packaged as JSON.

The shared reference files (HTCDS Excel Spreadsheet v2.0.xlsx for the headers, htcds_xlsform.xlsx for the value
lists) are not shipped with cthub, so `htcds_template.json` carries what the generator needs; `extract_template`
rebuilds it from the reference files, and a test checks the packaged copy still matches them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATE_JSON = Path(__file__).with_name("htcds_template.json")

# XLSForm list name -> template column that uses it.
LISTS = {
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


def extract_template(spreadsheet: Path, xlsform: Path) -> dict[str, Any]:
    """Read the template's two header rows and the XLSForm's value lists (name -> label)."""
    import openpyxl
    import pandas as pd

    ws = openpyxl.load_workbook(spreadsheet, read_only=True).worksheets[0]
    rows = ws.iter_rows(min_row=1, max_row=2, values_only=True)
    names, labels = (list(r) for r in rows)
    # Column A holds the row number and has no header; drop trailing empty columns.
    while names and names[-1] is None and labels[-1] is None:
        names.pop()
        labels.pop()
    choices = pd.read_excel(xlsform, sheet_name="choices", dtype=str, keep_default_na=False)
    lists = {
        name: {str(r.name).strip(): str(r.label).strip() for r in choices[choices.list_name == name].itertuples()}
        for name in LISTS
    }
    return {"field_names": names, "field_labels": labels, "lists": lists}


@lru_cache(maxsize=1)
def load_template() -> dict[str, Any]:
    """The packaged template description (field_names, field_labels, lists)."""
    return json.loads(TEMPLATE_JSON.read_text(encoding="utf-8"))


if __name__ == "__main__":  # regenerate: python -m cthub.sample.contributors.htcds_template SPREADSHEET XLSFORM
    import sys

    data = extract_template(Path(sys.argv[1]), Path(sys.argv[2]))
    TEMPLATE_JSON.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
