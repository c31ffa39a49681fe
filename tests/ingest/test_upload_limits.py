"""Issue 13 item 7 / issue 14 item 4: web uploads are counted by the parser that imports them, while reading."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from cthub.web.accounts.settings import UploadLimits
from cthub.web.accounts.uploads import UploadRefused, inspect

LIMITS = UploadLimits(max_bytes=10_000_000, max_rows=250, max_columns=5)


def _xlsx(path: Path, rows: int, drop_dimension: bool = False) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sex", "Age", "Nationality"])
    for i in range(rows):
        ws.append(["F", 20 + i % 30, "UA"])
    tmp = path.with_name("book.xlsx")
    wb.save(tmp)
    if not drop_dimension:
        tmp.rename(path)
        return path
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
                assert b"<dimension" not in data
            dst.writestr(info, data)
    tmp.unlink()
    return path


def test_xlsx_upload_without_suffix_is_opened(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / ".incoming-0123abcd", 10)  # as save_stream names it: no .xlsx suffix
    saved = inspect(path, path.stat().st_size, LIMITS)
    assert (saved.kind, saved.columns) == ("xlsx", 3)
    assert saved.path.suffix == ".xlsx" and saved.path.exists()


def test_demo_workbook_upload_is_opened(tmp_path: Path) -> None:
    from cthub.sample.contributors import write_sample_exports  # the demo's own casesys.xlsx

    book = write_sample_exports(tmp_path / "demo", seed=1, scale=0.01)["casesys"]
    incoming = tmp_path / ".incoming-demo"
    incoming.write_bytes(Path(book).read_bytes())
    saved = inspect(incoming, incoming.stat().st_size, UploadLimits(max_bytes=10**9, max_rows=10**6,
                                                                    max_columns=500))
    assert saved.kind == "xlsx" and saved.columns > 5


def test_sheet_without_dimension_is_counted_row_by_row(hub: Path, tmp_path: Path) -> None:
    from cthub.ingest import ingest_file
    from cthub.ingest.readers import TooLarge, read_table, table_shape
    from cthub.store import Store

    path = _xlsx(tmp_path / ".incoming-nodim", 300, drop_dimension=True)
    saved = inspect(path, path.stat().st_size, LIMITS)  # the header passes; the rows are counted while importing
    assert table_shape(saved.path) == (3, 300)  # what the importer reads, whatever the sheet claims
    with pytest.raises(TooLarge, match="at most 250") as exc:
        read_table(saved.path, max_rows=250)
    assert exc.value.count == 251  # stopped at the first row past the limit, not after reading them all
    with pytest.raises(TooLarge, match="at most 250"):
        ingest_file(Store.open(), "line", saved.path, max_rows=250, max_columns=5)
    assert Store.open().batches() == []


def test_workbook_header_past_the_column_limit_is_refused(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / ".incoming-wide", 2)
    with pytest.raises(UploadRefused, match="3 columns"):
        inspect(path, path.stat().st_size, UploadLimits(max_bytes=10**7, max_rows=10, max_columns=2))
    assert not list(tmp_path.glob(".incoming-wide*"))  # nothing left behind


def test_cr_only_csv_is_counted_by_records(tmp_path: Path) -> None:
    path = tmp_path / ".incoming-cr"
    path.write_bytes(b"Sex,Age\r" + b"F,30\r" * 300)
    with pytest.raises(UploadRefused, match="at most 250"):
        inspect(path, path.stat().st_size, LIMITS)
    ok = tmp_path / ".incoming-cr-ok"
    ok.write_bytes(b"Sex,Age\r" + b"F,30\r" * 200)
    assert inspect(ok, ok.stat().st_size, LIMITS).rows == 200


def test_u2028_in_header_does_not_hide_columns(tmp_path: Path) -> None:
    path = tmp_path / ".incoming-sep"
    path.write_text("a\u2028x,b,c,d,e,f,g\n1,2,3,4,5,6,7\n", encoding="utf-8")
    with pytest.raises(UploadRefused, match="7 columns"):
        inspect(path, path.stat().st_size, LIMITS)
