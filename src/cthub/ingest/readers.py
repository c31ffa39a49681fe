"""Reading contributor files into a frame of raw cells, whatever their encoding, delimiter or disguise.

CSV: the encoding is detected (UTF-8 first, then charset-normalizer; a file mixing UTF-8 and a legacy encoding is
decoded line by line), the delimiter is sniffed. XLSX: the zip directory is checked for decompression bombs before
openpyxl (read-only) opens it. Either way the result is a `RawTable`: a DataFrame of raw cells (strings for CSV,
Python values for XLSX) with unique column names, the sheet row number of each record, and notes for the report.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cthub.ingest.errors import EmptyFileError, FileFormatError

MAX_UNCOMPRESSED_BYTES = 1_000_000_000  # an XLSX whose parts unpack beyond 1 GB is refused
MAX_COMPRESSION_RATIO = 200  # zip bombs compress far better than any spreadsheet
SNIFF_LINES = 50
SNIFF_CHARS = 2048  # a crafted 4 KB line costs csv.Sniffer 0.4 s; 2 KB is plenty to tell the delimiter


@dataclass
class RawTable:
    frame: pd.DataFrame
    row_numbers: pd.Series  # 1-based line/sheet row of each record, for the report
    kind: str  # "csv" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)  # things the report should mention (never cell values)
    sheets: list[str] = field(default_factory=list)  # XLSX: the sheets read, in order (see `split_row`)
    sheet_rows: list[int] = field(default_factory=list)  # XLSX: records read from each of them


def detect_kind(path: Path, head: bytes) -> str:
    suffix = path.suffix.casefold()
    if head.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileFormatError(
            f"{path.name} is an old binary Excel (.xls) file; open it in Excel or LibreOffice and save it as .xlsx "
            "or CSV"
        )
    if suffix in (".xls", ".ods", ".numbers"):
        raise FileFormatError(f"{path.name}: {suffix} files are not supported; save the sheet as .xlsx or CSV")
    return "csv"


def read_table(path: str | Path, sheet: str | int | None = None, header_row: int = 1,
               progress: Callable[[int], None] | None = None, wanted: set[str] | None = None,
               max_rows: int | None = None, max_columns: int | None = None) -> RawTable:
    """Read a CSV or XLSX file into raw cells. Raises FileFormatError/EmptyFileError with a message saying why.

    `wanted` (folded column names the mapping reads) lets a workbook without `sheet:` be read whole: every sheet
    whose header has one of them. `max_rows`/`max_columns` (web uploads) raise TooLarge as soon as a sheet row or
    header passes them, while reading, so a workbook whose `<dimension>` lies is stopped at the limit."""
    limits = Limits(max_rows, max_columns)
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError(f"{path.name} is empty (0 bytes); export the data again")
    with path.open("rb") as fh:
        head = fh.read(8)
    if detect_kind(path, head) == "xlsx":
        return _read_xlsx(path, sheet, header_row, progress, wanted, limits)
    table = _read_csv(path, header_row, progress)
    limits.columns(len(table.frame.columns))
    limits.rows(len(table.frame))
    return table


@dataclass
class Limits:
    """Row and column limits counted across every sheet read (None: no limit)."""

    max_rows: int | None = None
    max_columns: int | None = None
    seen: int = 0

    def columns(self, n: int) -> None:
        check_limit("columns", n, self.max_columns)

    def rows(self, n: int = 1) -> None:
        self.seen += n
        check_limit("rows", self.seen, self.max_rows)


# -- CSV ---------------------------------------------------------------------------------------------------------
def _legacy_encoding(sample: bytes) -> str:
    """The best non-UTF-8 guess for bytes that are not UTF-8 (charset-normalizer), defaulting to Windows-1252."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    guess = best.encoding if best is not None else "cp1252"
    if guess.replace("-", "_").lower() in ("utf_8", "utf8", "ascii"):
        guess = "cp1252"

    def letters(enc: str) -> int:
        # short samples fool detectors; the encoding that turns the non-ASCII bytes into letters is the right one
        try:
            text = sample.decode(enc)
        except (UnicodeDecodeError, LookupError):
            return -1
        return sum(1 for ch in text if not ch.isascii() and unicodedata.category(ch).startswith("L"))

    multibyte = any(k in guess.lower() for k in ("gb", "big5", "shift", "jis", "euc", "932", "949", "950", "hz",
                                                  "johab", "2022"))
    order = ["cp1252", guess] if multibyte else [guess, "cp1252"]  # ties go to the first
    return max(order, key=letters)


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Text, the encoding used, and notes. Handles BOMs, UTF-8, legacy encodings and files that mix them."""
    notes: list[str] = []
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, notes
            except UnicodeDecodeError as exc:
                raise FileFormatError(f"the file starts with a {enc} byte-order mark but is not {enc}: {exc.reason}") from exc
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise FileFormatError("the file contains NUL bytes: it is not a text CSV (is it a database or binary export?)")
    lines = data.splitlines(keepends=True)
    bad: list[int] = []
    utf8_non_ascii = 0
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
            if not line.isascii():
                utf8_non_ascii += 1
        except UnicodeDecodeError:
            bad.append(i)
    legacy = _legacy_encoding(b"".join(lines[i] for i in bad[:2000]))
    if utf8_non_ascii == 0:
        try:
            return data.decode(legacy), legacy, notes
        except UnicodeDecodeError:
            legacy = "cp1252"
    parts: list[str] = []
    bad_set = set(bad)
    for i, line in enumerate(lines):
        if i in bad_set:
            parts.append(line.decode(legacy, errors="replace"))
        else:
            parts.append(line.decode("utf-8"))
    notes.append(f"the file mixes encodings: {len(bad)} line(s) were not UTF-8 and were read as {legacy}")
    return "".join(parts), f"utf-8+{legacy}", notes


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:SNIFF_CHARS].splitlines()[:SNIFF_LINES])  # csv.Sniffer is superlinear in its input
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def unique_headers(names: Sequence[object]) -> tuple[list[str], list[str]]:
    """Blank headers get 'column N'; repeats get ' (2)', ' (3)'; notes say which, so the first copy is the one used."""
    out: list[str] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        name = "" if n is None else str(n).strip()
        if not name:
            name = f"column {i}"
        if name in seen:
            seen[name] += 1
            notes.append(f"column name {name!r} appears more than once; column {i} was renamed "
                         f"{name + f' ({seen[name]})'!r} and the first one is used")
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out, notes


def _read_csv(path: Path, header_row: int, progress: Callable[[int], None] | None) -> RawTable:
    data = path.read_bytes()
    text, encoding, notes = decode_bytes(data)
    if not text.strip():
        raise EmptyFileError(f"{path.name} has no content (only blank space); export the data again")
    delimiter = sniff_delimiter(text)
    lines_before = header_row - 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # '\r'-only line ends too
    try:
        for _ in range(lines_before):
            next(reader)
        header = next(reader)
    except StopIteration:
        raise EmptyFileError(f"{path.name} has fewer than {header_row} lines, so no header row") from None
    columns, dup_notes = unique_headers(header)
    notes += dup_notes
    if len(columns) == 1 and any(d in columns[0] for d in ",;\t|"):
        notes.append(f"only one column was found with delimiter {delimiter!r}; check the file's delimiter")
    bad_lines = 0

    def _fix(row: list[str]) -> list[str]:
        nonlocal bad_lines
        bad_lines += 1
        return (row + [""] * len(columns))[: len(columns)]

    body = text.rstrip("\r\n")
    # empty lines inside the data would shift the fast reader's row numbers: let the forgiving parser count them
    inner_empty_lines = "\n\n" in body or "\n\r\n" in body
    try:
        if inner_empty_lines:
            raise ValueError("empty lines")
        frame = _read_csv_arrow(text, encoding, data, delimiter, columns, header_row)
    except Exception:  # noqa: BLE001 - ragged rows and other oddities: the slower, forgiving parser
        kwargs = dict(sep=delimiter, header=None, names=columns, skiprows=header_row, dtype="string",
                      keep_default_na=False, na_filter=False, skip_blank_lines=False, quotechar='"')
        frame = pd.read_csv(io.StringIO(body + "\n"), engine="python", on_bad_lines=_fix,
                            **kwargs)
    if bad_lines:
        notes.append(f"{bad_lines} row(s) had more cells than the header; the extra cells were ignored")
    if frame.empty:
        raise EmptyFileError(f"{path.name} has a header but no data rows")
    rows = pd.Series(range(header_row + 1, header_row + 1 + len(frame)), index=frame.index, dtype="int64")
    blank = pd.Series(True, index=frame.index)
    for c in frame.columns:
        blank &= frame[c].str.strip().fillna("") == ""
    if blank.any():
        frame, rows = frame[~blank], rows[~blank]
        notes.append(f"{int(blank.sum())} blank row(s) were skipped")
    if frame.empty:
        raise EmptyFileError(f"{path.name} has a header but only blank data rows")
    if progress:
        progress(len(frame))
    return RawTable(frame.reset_index(drop=True), rows.reset_index(drop=True), "csv", encoding, delimiter, notes)


def _read_csv_arrow(text: str, encoding: str, data: bytes, delimiter: str, columns: list[str],
                    header_row: int) -> pd.DataFrame:
    """The fast path (pyarrow's multithreaded reader); raises on ragged rows so the caller can fall back."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    raw = data if encoding == "utf-8" else text.encode("utf-8")
    table = pacsv.read_csv(
        io.BytesIO(raw),
        read_options=pacsv.ReadOptions(column_names=columns, skip_rows=header_row, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    return table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if t == pa.string() else None)


# -- XLSX --------------------------------------------------------------------------------------------------------
def check_zip(path: Path) -> None:
    """Refuse archives that are not workbooks or that would unpack to absurd sizes, before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(f"{path.name} is not a valid .xlsx workbook (not a readable zip archive: {exc})") from exc
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise FileFormatError(f"{path.name} is a zip archive but not an Excel workbook (no xl/workbook.xml); "
                              "save the sheet as .xlsx or CSV")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileFormatError(f"{path.name} would unpack to {total / 1e6:,.0f} MB (limit {MAX_UNCOMPRESSED_BYTES / 1e6:,.0f}"
                              " MB); split it or export CSV")
    for i in infos:
        if i.file_size > 10_000_000 and i.file_size / max(i.compress_size, 1) > MAX_COMPRESSION_RATIO:
            raise FileFormatError(f"{path.name}: part {i.filename} compresses {i.file_size / max(i.compress_size, 1):,.0f}"
                                  " times, which only a zip bomb does; the file was not opened")
    if total / packed > MAX_COMPRESSION_RATIO and total > 50_000_000:
        raise FileFormatError(f"{path.name} compresses {total / packed:,.0f} times, which only a zip bomb does; "
                              "the file was not opened")


SHEET_ROW_BASE = 10_000_000  # rows of the k-th sheet read are numbered k * SHEET_ROW_BASE + sheet row (unique)


def split_row(number: int, sheets: list[str]) -> tuple[str | None, int]:
    """The sheet and sheet row of a record number of a several-sheet RawTable (sheet None for one-sheet files)."""
    if len(sheets) <= 1:
        return (sheets[0] if sheets else None), int(number)
    return sheets[int(number) // SHEET_ROW_BASE], int(number) % SHEET_ROW_BASE


def _open_workbook(path: Path) -> Any:
    """A read-only workbook after the zip-bomb check, or FileFormatError saying to re-save it."""
    import openpyxl

    check_zip(path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken workbooks
        raise FileFormatError(f"{path.name} could not be opened as a workbook ({type(exc).__name__}); re-save it "
                              "as .xlsx or export CSV") from exc


def _read_xlsx(path: Path, sheet: str | int | None, header_row: int,
               progress: Callable[[int], None] | None, wanted: set[str] | None = None,
               limits: Limits | None = None) -> RawTable:
    """One sheet when `sheet` is given; else every sheet whose header has a column the mapping reads (`wanted`,
    folded names), so a workbook with a sheet per year loses none, and a 'Read me' sheet is named and skipped."""
    from cthub.ingest.mapping import fold_header

    wb = _open_workbook(path)
    try:
        if sheet is None:
            chosen = list(wb.worksheets)
        elif isinstance(sheet, int):
            if sheet >= len(wb.worksheets):
                raise FileFormatError(f"{path.name} has {len(wb.worksheets)} sheet(s); sheet {sheet} does not exist")
            chosen = [wb.worksheets[sheet]]
        else:
            if sheet not in wb.sheetnames:
                raise FileFormatError(f"{path.name} has no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
            chosen = [wb[sheet]]
        if len(chosen) == 1 or wanted is None:
            table = _read_sheet(path, chosen[0], header_row, progress, limits)
            if len(chosen) > 1:
                table.notes.append(f"read sheet {chosen[0].title!r}, the first of {len(chosen)}; to read another "
                                   "set `sheet: NAME` in the mapping")
            table.sheets = [chosen[0].title]
            table.sheet_rows = [len(table.frame)]
            return table
        parts: list[RawTable] = []
        skipped: list[str] = []
        for ws in chosen:
            header = next(ws.iter_rows(min_row=header_row, max_row=header_row, values_only=True), ())
            if not any(c is not None and fold_header(c) in wanted for c in header):
                skipped.append(ws.title)
                continue
            try:
                parts.append(_read_sheet(path, ws, header_row, progress, limits))
            except EmptyFileError:
                skipped.append(ws.title)
                continue
            parts[-1].sheets = [ws.title]
        if not parts:  # no sheet has a mapped column: the first sheet, whose columns the error will describe
            table = _read_sheet(path, chosen[0], header_row, progress, limits)
            table.sheets, table.sheet_rows = [chosen[0].title], [len(table.frame)]
            table.notes.append(f"no sheet has a column the mapping reads; read the first, {chosen[0].title!r} "
                               "(to choose one, set `sheet: NAME` in the mapping)")
            return table
    finally:
        wb.close()
    notes: list[str] = []
    for name in skipped:
        notes.append(f"sheet {name!r} was not read: its header row has none of the mapping's columns (to read one "
                     "sheet only, set `sheet: NAME` in the mapping)")
    if len(chosen) > 1:
        notes.append("read sheet(s) " + ", ".join(f"{p.sheets[0]!r} ({len(p.frame):,} rows)" for p in parts))
    for p in parts:
        notes += [f"sheet {p.sheets[0]!r}: {n}" for n in p.notes] if len(parts) > 1 else p.notes
    frame = pd.concat([p.frame for p in parts], ignore_index=True).astype(object) if len(parts) > 1 else parts[0].frame
    rows = pd.concat([p.row_numbers + k * SHEET_ROW_BASE for k, p in enumerate(parts)], ignore_index=True)
    return RawTable(frame, rows.astype("int64"), "xlsx", None, None, notes,
                    sheets=[p.sheets[0] for p in parts], sheet_rows=[len(p.frame) for p in parts])


def _read_sheet(path: Path, ws: object, header_row: int, progress: Callable[[int], None] | None,
                limits: Limits | None = None) -> RawTable:
    """One worksheet's header and records (blank rows skipped), numbered by sheet row."""
    rows_iter = ws.iter_rows(values_only=True)  # type: ignore[attr-defined]
    header: tuple[object, ...] | None = None
    for i, row in enumerate(rows_iter, start=1):
        if i == header_row:
            header = row
            break
    if header is None or all(c is None or str(c).strip() == "" for c in header):
        raise EmptyFileError(f"{path.name}: sheet {ws.title!r} has no header in row {header_row}")  # type: ignore[attr-defined]
    width = max((i + 1 for i, c in enumerate(header) if c is not None and str(c).strip()), default=0)
    if limits:
        limits.columns(width)
    columns, notes = unique_headers(list(header[:width]))
    # a column without a header (the HTCDS template numbers its rows in column A) does not make a row non-blank
    named = [i for i, c in enumerate(header[:width]) if c is not None and str(c).strip()]
    records: list[tuple[object, ...]] = []
    numbers: list[int] = []
    blank = 0
    n = header_row
    for n, row in enumerate(rows_iter, start=header_row + 1):
        cells = tuple(row[:width]) + (None,) * max(0, width - len(row))
        if all(cells[i] is None or (isinstance(cells[i], str) and not cells[i].strip()) for i in named):
            blank += 1
            continue
        records.append(cells)
        numbers.append(n)
        if limits:
            limits.rows()
        if progress and len(records) % 5_000 == 0:
            progress(5_000)
    if not records:
        raise EmptyFileError(f"{path.name}: sheet {ws.title!r} has a header but no data rows")  # type: ignore[attr-defined]
    if progress:
        progress(len(records) % 5_000)
    # trailing empty rows are how spreadsheets end; only blank rows between records are worth a note
    inner_blank = blank - (n - numbers[-1])
    if inner_blank > 0:
        notes.append(f"{inner_blank} blank row(s) were skipped")
    frame = pd.DataFrame.from_records(records, columns=columns).astype(object)
    return RawTable(frame, pd.Series(numbers, dtype="int64"), "xlsx", None, None, notes)


# -- limits ------------------------------------------------------------------------------------------------------
class TooLarge(FileFormatError):
    """A file past a row or column limit, found while reading it (the message says what to do)."""

    def __init__(self, message: str, what: str, count: int, limit: int) -> None:
        super().__init__(message)
        self.what, self.count, self.limit = what, count, limit


def table_shape(path: str | Path, sheet: str | int | None = None, header_row: int = 1,
                max_rows: int | None = None, max_columns: int | None = None) -> tuple[int, int]:
    """Columns and data rows as the importer reads them (its decoding and delimiter; each XLSX sheet row by row,
    whatever `<dimension>` claims), raising TooLarge as soon as a limit is passed rather than after reading all.

    A count from raw bytes disagrees with the importer: '\\r'-only line ends are one line to a byte count, U+2028
    in a header ends a line to `str.splitlines`, and a sheet without `<dimension>` reports no rows at all."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if detect_kind(path, head) == "xlsx":
        return _xlsx_shape(path, sheet, header_row, max_rows, max_columns)
    text, _encoding, _notes = decode_bytes(path.read_bytes())
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns, rows = 0, 0
    for n, record in enumerate(reader, start=1):
        if n < header_row:
            continue
        if n == header_row:
            columns = len(record)
            check_limit("columns", columns, max_columns)
            continue
        if any(c.strip() for c in record):
            rows += 1
            check_limit("rows", rows, max_rows)
    return columns, rows


def check_limit(what: str, count: int, limit: int | None) -> None:
    if limit is None or count <= limit:
        return
    todo = "remove the columns the mapping does not use" if what == "columns" else "split it into several files"
    more = "" if what == "columns" else "more than "
    raise TooLarge(f"the file has {more}{count - (what != 'columns'):,} {what}; the hub accepts at most {limit:,}"
                   f"{' per upload' if what == 'rows' else ''}. {todo[0].upper() + todo[1:]}", what, count, limit)


def _xlsx_shape(path: Path, sheet: str | int | None, header_row: int, max_rows: int | None,
                max_columns: int | None) -> tuple[int, int]:
    wb = _open_workbook(path)
    try:
        if sheet is None:
            sheets = list(wb.worksheets)
        elif isinstance(sheet, int):
            sheets = wb.worksheets[sheet:sheet + 1]
        else:
            sheets = [wb[sheet]] if sheet in wb.sheetnames else []
        columns, rows = 0, 0
        for ws in sheets:  # every sheet counts: without `sheet:` the importer may read them all
            width = 0
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if n < header_row:
                    continue
                if n == header_row:
                    width = max((i + 1 for i, c in enumerate(row) if c is not None and str(c).strip()), default=0)
                    columns = max(columns, width)
                    check_limit("columns", columns, max_columns)
                    continue
                if any(c is not None and str(c).strip() for c in row[:width]):
                    rows += 1
                    check_limit("rows", rows, max_rows)
    finally:
        wb.close()
    return columns, rows
