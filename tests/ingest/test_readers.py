"""Reading files: encodings, delimiters, broken and hostile files each get a specific message."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from cthub.ingest.errors import EmptyFileError, FileFormatError
from cthub.ingest.readers import decode_bytes, read_table

from .conftest import GOOD_ROWS, HEADER, write_csv


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    raw = read_table(write_csv(tmp_path / "f.csv", GOOD_ROWS, delimiter=delimiter))
    assert raw.delimiter == delimiter
    assert list(raw.frame.columns) == HEADER
    assert len(raw.frame) == 3
    assert raw.row_numbers.tolist() == [2, 3, 4]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    rows = [[*GOOD_ROWS[0][:6], "Côte d'Ivoire", "Forced labour", "é"]]
    raw = read_table(write_csv(tmp_path / "f.csv", rows, encoding=encoding))
    assert raw.frame.loc[0, "Nationality"] == "Côte d'Ivoire"


def test_mixed_encodings_keep_every_line(tmp_path: Path) -> None:
    head = ",".join(HEADER).encode() + b"\n"
    utf8 = "1,,,2019-01-01,F,25,Côte d'Ivoire,,\n".encode()
    legacy = "2,,,2019-01-01,M,30,Côte d'Ivoire,,\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + utf8 + legacy + utf8)
    raw = read_table(path)
    assert raw.frame["Nationality"].tolist() == ["Côte d'Ivoire"] * 3
    assert any("mixes encodings" in n for n in raw.notes)


def test_decode_prefers_utf8() -> None:
    assert decode_bytes("ü".encode())[1] == "utf-8"


def test_empty_and_header_only(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(EmptyFileError, match="empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_text("\n\n  \n")
    with pytest.raises(EmptyFileError, match="no content"):
        read_table(tmp_path / "blank.csv")
    with pytest.raises(EmptyFileError, match="no data rows"):
        read_table(write_csv(tmp_path / "h.csv", []))


def test_duplicate_and_blank_headers_are_renamed_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("Age,Sex,Age,\n25,F,30,x\n")
    raw = read_table(path)
    assert list(raw.frame.columns) == ["Age", "Sex", "Age (2)", "column 4"]
    assert raw.frame.loc[0, "Age"] == "25"
    assert any("appears more than once" in n for n in raw.notes)


def test_ragged_rows_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6,7,8\n9,10\n")
    raw = read_table(path)
    assert len(raw.frame) == 3
    assert raw.frame["a"].tolist() == ["1", "4", "9"]


def test_blank_rows_skipped_with_note(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("a,b\n1,2\n,\n3,4\n")
    raw = read_table(path)
    assert raw.frame["a"].tolist() == ["1", "3"]
    assert raw.row_numbers.tolist() == [2, 4]
    assert any("blank row" in n for n in raw.notes)


def test_xlsx_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in GOOD_ROWS:
        ws.append(r)
    ws.append([None] * len(HEADER))
    ws.append(GOOD_ROWS[0])
    wb.save(tmp_path / "f.xlsx")
    raw = read_table(tmp_path / "f.xlsx")
    assert raw.kind == "xlsx"
    assert len(raw.frame) == 4
    assert raw.row_numbers.tolist() == [2, 3, 4, 6]


def test_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / "fake.xlsx").write_text("name,age\nx,1\n")
    with pytest.raises(FileFormatError, match="not a valid .xlsx"):
        read_table(tmp_path / "fake.xlsx")
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(FileFormatError, match="not an Excel workbook"):
        read_table(tmp_path / "other.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(FileFormatError, match="old binary Excel"):
        read_table(tmp_path / "old.xls")


def test_zip_bomb_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(60):  # 60 MB of zeros compress to ~60 KB
                fh.write(chunk)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(FileFormatError, match="zip bomb"):
        read_table(path)


def test_empty_lines_keep_row_numbers_right(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,2\n\n3,4\n\n\n5,6\n\n")
    raw = read_table(path)
    assert raw.frame["a"].tolist() == ["1", "3", "5"]
    assert raw.row_numbers.tolist() == [2, 4, 7]
