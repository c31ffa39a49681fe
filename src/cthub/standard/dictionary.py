"""Render the data dictionary: dictionary.csv (one row per variable) and dictionary.xlsx (the same, plus sheets
listing every code and every hierarchy step, for people who filter in a spreadsheet).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cthub.standard import describe
from cthub.standard.model import Standard

COLUMNS = [
    "table", "position", "variable", "label", "definition", "type", "role", "explore", "values", "n_values",
    "missing", "separator", "hierarchy", "htcds", "source",
]  # fmt: skip


def dictionary_frame(std: Standard) -> pd.DataFrame:
    """One row per variable of every table, in schema order."""
    rows = []
    for table in std.tables_.values():
        for i, var in enumerate(table.variables_, start=1):
            rows.append(
                {
                    "table": table.name,
                    "position": i,
                    "variable": var.name,
                    "label": var.label,
                    "definition": var.definition,
                    "type": var.type,
                    "role": var.role,
                    "explore": "1" if var.explore else "0",
                    "values": describe.values_text(var),
                    "n_values": len(var.values_),
                    "missing": var.missing,
                    "separator": var.separator or "",
                    "hierarchy": describe.hierarchy_text(var.hierarchy),
                    "htcds": var.htcds or "",
                    "source": var.source,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def values_frame(std: Standard) -> pd.DataFrame:
    """One row per allowed code of every variable."""
    rows = [
        {"table": t.name, "variable": v.name, "code": x.code, "label": x.label, "definition": x.definition}
        for t in std.tables_.values()
        for v in t.variables_
        for x in v.values_
    ]
    return pd.DataFrame(rows, columns=["table", "variable", "code", "label", "definition"])


def hierarchies_frame(std: Standard) -> pd.DataFrame:
    """One row per (table, variable, original code) with its generalization at every level."""
    rows = []
    for t in std.tables_.values():
        for v in t.variables_:
            h = v.hierarchy
            if h is None:
                continue
            for steps in describe.hierarchy_steps(h):
                rows.append(
                    {
                        "table": t.name,
                        "variable": v.name,
                        "hierarchy": h.name,
                        **{f"level_{i}": code for i, code in enumerate(steps)},
                    }
                )
    return pd.DataFrame(rows).fillna("")


def render_dictionary(std: Standard, out_dir: str | Path) -> list[Path]:
    """Write dictionary.csv and dictionary.xlsx into `out_dir`; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame = dictionary_frame(std)
    csv_path = out / "dictionary.csv"
    xlsx_path = out / "dictionary.xlsx"
    frame.to_csv(csv_path, index=False, encoding="utf-8")
    with pd.ExcelWriter(xlsx_path, engine="xlsxwriter") as writer:
        sheets = {
            "variables": frame,
            "values": values_frame(std),
            "hierarchies": hierarchies_frame(std),
        }
        about = pd.DataFrame(
            {"field": ["standard", "version", "description"], "value": [std.title, std.version, std.description]}
        )
        about.to_excel(writer, sheet_name="about", index=False)
        for name, df in sheets.items():
            df.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(df), 1), max(len(df.columns) - 1, 0))
            for col, column in enumerate(df.columns):
                width = min(60, max([len(str(column)), *(len(str(x)) for x in df[column].head(200))]) + 2)
                sheet.set_column(col, col, width)
    return [csv_path, xlsx_path]
