"""A small, fast, reproducible XLSX writer for the sample exports.

xlsxwriter needs ~10 µs per cell, which made the 20,000-row exports too slow for the "scale 1.0 in under 10 s"
target; these files only need strings, numbers and dates on one sheet, which is a few XML templates. Output is
byte-for-byte reproducible (fixed zip timestamps, no creation date), uses a shared-strings table like Excel, and is
read back by openpyxl / pandas in the tests.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH = dt.date(1899, 12, 30)
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
    f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
# Style 0: default; 1: date (yyyy-mm-dd); 2: bold (headers).
STYLES = (
    _HEAD + f"<styleSheet {_NS}>"
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_xlsx(path: Path, sheet: str, header_rows: Sequence[Sequence[Any]], rows: Sequence[Sequence[Any]]) -> None:
    """One sheet: bold header rows, then data rows. Cells: str, int/float, datetime.date, or None (empty)."""
    strings: dict[str, int] = {}
    width = max([len(r) for r in header_rows] + [len(r) for r in rows] + [1])
    cols = [column_letter(c) for c in range(width)]
    all_rows = [(r, True) for r in header_rows] + [(r, False) for r in rows]
    # The dimension lets readers (openpyxl read-only mode) know the sheet's size without scanning it.
    dimension = f"A1:{cols[width - 1]}{max(len(all_rows), 1)}"
    parts: list[str] = [_HEAD, f'<worksheet {_NS}><dimension ref="{dimension}"/><sheetData>']
    for number, (row, is_header) in enumerate(all_rows, start=1):
        cells = []
        for c, value in enumerate(row):
            if value is None:
                continue
            ref = f"{cols[c]}{number}"
            if isinstance(value, str):
                k = strings.setdefault(value, len(strings))
                style = ' s="2"' if is_header else ""
                cells.append(f'<c r="{ref}" t="s"{style}><v>{k}</v></c>')
            elif isinstance(value, dt.date):
                cells.append(f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                raise TypeError(f"cannot write a {type(value).__name__} to XLSX cell {ref}")
        if cells:
            parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    parts.append("</sheetData></worksheet>")
    shared = [_HEAD, f'<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">']
    for s in strings:  # insertion order = index order
        space = ' xml:space="preserve"' if s != s.strip() else ""
        shared.append(f"<si><t{space}>{s.translate(_ESCAPE)}</t></si>")
    shared.append("</sst>")
    workbook = (
        _HEAD + f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>'
        f'<sheet name="{sheet.translate(_ESCAPE)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    files = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": "".join(shared),
        "xl/worksheets/sheet1.xml": "".join(parts),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"), compresslevel=1)
