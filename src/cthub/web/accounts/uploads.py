"""Checks on an uploaded file before ingest reads it: size, type by content (magic bytes, not the name), a zip-bomb
check for workbooks, and limits on columns and rows. Each refusal is an `UploadRefused` whose message says what to
do; none quotes the file's contents.
"""

from __future__ import annotations

import csv
import os
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cthub.web.accounts.settings import UploadLimits

CHUNK = 1 << 20
MAX_UNPACKED_FACTOR = 40  # an .xlsx rarely unpacks to more than ~10x its size; 40x is generous
BINARY_SIGNATURES = {
    b"\xd0\xcf\x11\xe0": "an old binary Excel (.xls) or Word file: save it as .xlsx or CSV",
    b"%PDF": "a PDF document: export the data as CSV or .xlsx instead",
    b"\x89PNG": "an image",
    b"\xff\xd8\xff": "an image",
    b"\x1f\x8b": "a gzip archive: unpack it and upload the CSV inside",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"SQLite format 3": "a SQLite database: export the table as CSV",
    b"\x7fELF": "a program",
    b"MZ": "a program",
}


class UploadRefused(Exception):
    """The upload breaks a limit or is not a CSV/XLSX file; the message is safe to show the contributor."""

    def __init__(self, message: str, status_code: int = 400, kind: str = "upload-check") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.kind = kind  # what the audit log keeps: the message itself may describe the file's contents


@dataclass
class SavedUpload:
    path: Path
    kind: str  # "csv" | "xlsx"
    size: int
    columns: int
    rows: int  # -1 for a workbook: its rows are counted (and limited) by the importer while it reads


def safe_name(name: str | None) -> str:
    """A display name for the batch: the base name only, printable, short."""
    base = os.path.basename((name or "upload").replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in "<>\"'`")[:120].strip()
    return cleaned or "upload"


def save_stream(src: BinaryIO, folder: Path, limits: UploadLimits) -> tuple[Path, int]:
    """Copy the upload to a private temporary file, refusing as soon as it passes the size limit."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".incoming-{uuid.uuid4().hex}"
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise UploadRefused(f"the file is larger than the hub's limit of {limits.max_bytes / 1e6:,.0f} MB; "
                                        "split it into smaller files", 413)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise UploadRefused("the file is empty (0 bytes); export the data again")
    return path, size


def sniff_kind(head: bytes) -> str:
    """'xlsx' or 'csv' from the first bytes; anything else is refused with what it looks like."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    for magic, what in BINARY_SIGNATURES.items():
        if head.startswith(magic):
            raise UploadRefused(f"the file is {what}, not a CSV or .xlsx workbook")
    sample = head[:8192]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadRefused("the file contains binary data (NUL bytes), so it is not a CSV; upload a CSV or .xlsx file")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13)) + sample.count(b"\x7f")
    if sample and controls / len(sample) > 0.01:
        raise UploadRefused("the file looks like binary data, not text; upload a CSV or .xlsx file")
    return "csv"


def _counted(path: Path, limits: UploadLimits) -> tuple[int, int]:
    """Columns and rows as the importer reads them (`cthub.ingest.readers.table_shape`), stopping at the first row
    or column past a limit: a byte count of line ends misses '\r'-only files, `splitlines` cuts a header at U+2028,
    and a sheet's `<dimension>` may be absent (0 rows) or lie."""
    from cthub.ingest.errors import IngestError
    from cthub.ingest.readers import TooLarge, table_shape

    try:
        return table_shape(path, max_rows=limits.max_rows, max_columns=limits.max_columns)
    except TooLarge as exc:
        raise UploadRefused(str(exc)) from None
    except IngestError as exc:
        raise UploadRefused(str(exc).replace(path.name, "the file")) from None
    except csv.Error:
        raise UploadRefused("the file could not be read as CSV (a quote left open, or a cell too long?); export "
                            "it again as CSV UTF-8") from None


def _xlsx_shape(path: Path, size: int, limits: UploadLimits) -> tuple[int, int]:
    from cthub.ingest.readers import check_zip

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UploadRefused("the file starts like a zip archive but is damaged; re-save it as .xlsx") from None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > max(MAX_UNPACKED_FACTOR * size, 20_000_000):
        raise UploadRefused(f"the workbook would unpack to {unpacked / 1e6:,.0f} MB, far more than a spreadsheet of "
                            f"{size / 1e6:,.1f} MB holds (a zip bomb?); it was not opened")
    if any(i.flag_bits & 0x1 for i in infos):
        raise UploadRefused("the workbook is password-protected; remove the password and upload it again")
    from cthub.ingest.errors import IngestError

    try:
        check_zip(path)
    except IngestError as exc:
        raise UploadRefused(str(exc).replace(path.name, "the file")) from None
    return _header_width(path, limits), -1


def _header_width(path: Path, limits: UploadLimits) -> int:
    """The widest first row of any sheet (cheap); the rows are counted by the importer as it reads, which stops at
    the row limit (a sheet's `<dimension>` may be absent or lie, so it is not trusted)."""
    import openpyxl

    from cthub.ingest.readers import TooLarge, check_limit

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for broken workbooks
        raise UploadRefused("the workbook could not be opened; re-save it as .xlsx in Excel or LibreOffice") from None
    try:
        width = 0
        for ws in wb.worksheets:
            header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            width = max(width, max((i + 1 for i, c in enumerate(header) if c is not None and str(c).strip()),
                                   default=0))
            check_limit("columns", width, limits.max_columns)
    except TooLarge as exc:
        raise UploadRefused(str(exc)) from None
    finally:
        wb.close()
    return width


def inspect(path: Path, size: int, limits: UploadLimits) -> SavedUpload:
    """Type, columns and rows of a saved upload, refusing what breaks a limit. Renames it to the right suffix."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    kind = sniff_kind(head)
    # the suffix first: openpyxl refuses to open a workbook whose name does not end in .xlsx
    final = path.with_name(path.name + "." + kind)
    path.rename(final)
    try:
        columns, rows = _xlsx_shape(final, size, limits) if kind == "xlsx" else _counted(final, limits)
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return SavedUpload(path=final, kind=kind, size=size, columns=columns, rows=rows)
