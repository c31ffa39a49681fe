"""One import, start to finish: hash, read, map, validate, store, report. The CLI and the web upload both call
`ingest_file`, so they accept and refuse exactly the same things."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from cthub.config import ConfigError, load_config
from cthub.ingest.cases import file_cases
from cthub.ingest.errors import AlreadyImported, EmptyFileError, IngestError, MappingError
from cthub.ingest.mapping import Mapping, check_against_standard, load_mapping
from cthub.ingest.readers import read_table
from cthub.ingest.report import write_report
from cthub.ingest.transform import transform
from cthub.store import DuplicateBatch, Store

Progress = Callable[..., None]  # progress(stage) at each stage; progress("reading", rows=N) as rows are read


@dataclass
class BatchResult:
    """What happened to one file. `batch_id` is None for a dry run."""

    batch_id: str | None
    contributor: str
    file: str
    sha256: str
    mapping: str
    mapping_version: str
    table: str
    rows_read: int
    accepted: int
    warned: int
    rejected: int
    report_dir: Path | None
    problems: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    columns_used: dict[str, str] = field(default_factory=dict)
    columns_missing: dict[str, list[str]] = field(default_factory=dict)
    columns_ignored: list[str] = field(default_factory=list)
    columns_unmapped: list[str] = field(default_factory=list)  # named by nothing in the mapping (typos show here)
    unrecognized: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # flag text no list declares
    sheets: list[dict[str, Any]] = field(default_factory=list)  # XLSX: [{"sheet": name, "rows": n}] read
    replaced: str | None = None
    dry_run: bool = False
    export: str = "incremental"
    case_id_column: str | None = None
    cases: dict[str, Any] = field(default_factory=dict)  # new, updated, unchanged, without_case_id, missing, removed

    def summary(self) -> dict[str, Any]:
        """The report's header, safe to show anyone who may see the batch (no cell values)."""
        return {
            "batch_id": self.batch_id,
            "contributor": self.contributor,
            "file": self.file,
            "sha256": self.sha256,
            "mapping": self.mapping,
            "mapping_version": self.mapping_version,
            "table": self.table,
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "warned": self.warned,
            "rejected": self.rejected,
            "replaced": self.replaced,
            "dry_run": self.dry_run,
            "export": self.export,
            "case_id_column": self.case_id_column,
            "cases": self.cases,
            "report_dir": str(self.report_dir) if self.report_dir else None,
            "notes": self.notes,
            "columns_used": self.columns_used,
            "columns_missing": self.columns_missing,
            "columns_ignored": self.columns_ignored,
            "columns_unmapped": self.columns_unmapped,
            "unrecognized": self.unrecognized,
            "sheets": self.sheets,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_mapping(contributor: str, mapping: Mapping | str | Path | None, home: Path) -> tuple[Mapping, str]:
    """The mapping object and how it was referred to: an explicit one, else the contributor's in cthub.yaml."""
    if isinstance(mapping, Mapping):
        return mapping, mapping.name
    if mapping is None:
        try:
            ref = load_config(home).contributor(contributor).mapping
        except ConfigError as exc:
            raise IngestError(f"{exc}, or give the mapping with --mapping") from exc
    else:
        ref = str(mapping)
    return load_mapping(ref, home), ref


def _reference_date(home: Path) -> date | None:
    """The hub's `release.reference_date` (ages of rows without a registration date are computed at it)."""
    try:
        text = load_config(home).release.reference_date
    except ConfigError:
        return None
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise IngestError(f"release.reference_date {text!r} in cthub.yaml is not an ISO date (YYYY-MM-DD)") from exc


def _name_sheets(result: Any, sheets: list[str]) -> None:
    """Problems and quarantined rows of a several-sheet workbook get their sheet and sheet row back."""
    from cthub.ingest.readers import split_row

    probs = result.problems
    if len(probs):
        where = [split_row(int(r), sheets) for r in probs["row"]]
        probs.insert(0, "sheet", [w[0] for w in where])
        probs["row"] = [w[1] for w in where]
    else:
        probs.insert(0, "sheet", pd.Series(dtype="object"))
    q = result.quarantine
    if len(q):
        where = [split_row(int(r), sheets) for r in q["row_number"]]
        q["row_number"] = [w[1] for w in where]
        q["reasons"] = [f"sheet {w[0]!r}: {r}" for w, r in zip(where, q["reasons"], strict=True)]


def ingest_file(
    store: Store,
    contributor: str,
    path: str | Path,
    mapping: Mapping | str | Path | None = None,
    *,
    replace: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    display_name: str | None = None,
    export: str | None = None,
    remove_missing: bool = False,
    strict: bool = False,
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> BatchResult:
    """Import one contributor file into the store and write its validation report under `reports/<batch>/`.

    Raises an IngestError subclass (with a message saying what to do) when the file or mapping cannot be used at
    all, and AlreadyImported when this contributor already sent this exact file. Bad cells and rows do not raise:
    they are in the result's problems and in the report. `display_name` is the file name to record (uploads are
    saved under temporary names).

    Rows are matched to stored cases by the mapping's `case_id:` column (hashed with the hub key, never stored):
    a stored case that comes again is updated when it changed and left alone when not. `export` ("incremental" or
    "full"; default: the mapping's `export:`) says whether the file lists every case of the contributor: in full
    mode the stored cases missing from it are counted per batch in the report, and superseded only with
    `remove_missing`. The counts are in the result's `cases`. `strict` refuses a file that lacks any column the
    mapping reads (by default an optional one only empties its variable, with a note naming the closest column).

    A workbook is read whole unless the mapping names a `sheet:`: every sheet whose header has a mapped column,
    each problem naming its sheet and sheet row. `max_rows`/`max_columns` (the web's upload limits) stop the read
    at the first row or header past them (readers.TooLarge, an IngestError).
    """
    step = progress or (lambda _s, **_k: None)
    path = Path(path)
    home = store.home
    mapping_obj, mapping_ref = resolve_mapping(contributor, mapping, home)
    from cthub.standard import load_standard
    from cthub.standard.rules import rule_notes

    std = load_standard()
    check_against_standard(mapping_obj, std)
    export = export or mapping_obj.export
    if export not in ("incremental", "full"):
        raise IngestError(f"export must be incremental or full, not {export!r}")
    if remove_missing and export != "full":
        raise IngestError("--remove-missing needs a full export: add --full (or `export: full` in the mapping)")
    if export == "full" and mapping_obj.case_id is None:
        raise IngestError(f"a full export is compared with the stored cases by case ID, but mapping "
                          f"{mapping_obj.name} names no case-ID column; add `case_id: COLUMN` to it")
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    step("hashing")
    digest = sha256_file(path)
    existing = store.find_batch(contributor, digest)
    if existing is not None and existing.batch_id != replace and not dry_run:
        raise AlreadyImported(
            f"{display_name or path.name} is already imported for {contributor!r} as batch {existing.batch_id} "
            f"({existing.imported_at:%Y-%m-%d %H:%M}); nothing changed. To import it again use --replace "
            f"{existing.batch_id}",
            existing.batch_id,
        )
    step("reading")
    from cthub.ingest.mapping import fold_header

    wanted = {fold_header(c) for r in mapping_obj.variables.values() for c in r.source}
    raw = read_table(path, sheet=mapping_obj.sheet, header_row=mapping_obj.header_row,
                     progress=lambda n: step("reading", rows=n), wanted=wanted, max_rows=max_rows,
                     max_columns=max_columns)
    frame, rows = raw.frame, raw.row_numbers
    notes = list(raw.notes)
    if mapping_obj.label_row and len(frame):
        labels = {str(x).strip().casefold() for x in mapping_obj.label_row}
        first = [str(v).strip().casefold() for v in frame.iloc[0].tolist() if v is not None and str(v).strip()]
        if first and sum(v in labels for v in first) >= max(1, len(first) // 2):
            frame, rows = frame.iloc[1:].reset_index(drop=True), rows.iloc[1:].reset_index(drop=True)
            notes.append("the row of field labels under the header was skipped")
    if frame.empty:
        raise EmptyFileError(f"{display_name or path.name} has a header but no data rows")
    step("mapping")
    result = transform(frame, rows, mapping_obj, std, today=today, reference_date=_reference_date(home),
                       strict=strict)
    notes += result.notes
    notes += rule_notes(std.table(mapping_obj.table), result.table)  # the standard's structural rules (counts)
    for column, found in result.unrecognized.items():
        cells = sum(cast(int, f["count"]) for f in found)  # transform counts each value with int()
        notes.append(f"column {column!r}: {cells:,} cell(s) in {len(found):,} distinct "
                     "value(s) match no flag's `match:` or `no:` list and were left missing (see `unrecognized`)")
    if len(raw.sheets) > 1:
        _name_sheets(result, raw.sheets)
    cases = file_cases(frame, mapping_obj, contributor, store, dry_run=dry_run)
    if export == "full" and cases.column is None:
        raise IngestError(f"a full export is compared with the stored cases by case ID, but "
                          f"{display_name or path.name} has no case-ID column; import it as incremental")
    notes += cases.notes
    now = datetime.now(UTC)
    batch_id = None if dry_run else f"{contributor}-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    folder_name = batch_id or f"check-{contributor}-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    report_dir = home / "reports" / folder_name
    res = BatchResult(
        batch_id=batch_id,
        contributor=contributor,
        file=display_name or path.name,
        sha256=digest,
        mapping=mapping_ref,
        mapping_version=mapping_obj.version,
        table=mapping_obj.table,
        rows_read=len(frame),
        accepted=len(result.table),
        warned=result.warned,
        rejected=len(result.quarantine),
        report_dir=report_dir,
        problems=result.problems,
        notes=notes,
        columns_used=result.columns_used,
        columns_missing=result.columns_missing,
        columns_ignored=result.columns_ignored,
        columns_unmapped=result.columns_unmapped,
        unrecognized=result.unrecognized,
        sheets=[{"sheet": n, "rows": r} for n, r in zip(raw.sheets, raw.sheet_rows, strict=True)],
        replaced=replace,
        dry_run=dry_run,
        export=export,
        case_id_column=cases.column,
        cases={"without_case_id": cases.without_id},
    )
    std_columns = {t: list(table.columns) for t, table in std.tables.items()}  # the store takes them from us
    if dry_run and cases.keys.notna().all():
        res.cases = {"without_case_id": cases.without_id, **store.preview_cases(
            contributor=contributor, tables={mapping_obj.table: result.table},
            case_keys={mapping_obj.table: cases.for_rows(result.row_numbers, rows)},
            present_keys={mapping_obj.table: cases.keys}, export=export, columns=std_columns)}
        for gone in res.cases.get("missing", []):
            notes.append(f"{gone['cases']:,} stored case(s) from batch {gone['batch_id']} ({gone['file_name']}) are "
                         "not in this full export")
    if not dry_run:
        step("storing")
        try:
            stored = store.add_batch(
                contributor=contributor,
                sha256=digest,
                tables={mapping_obj.table: result.table},
                file_name=res.file,
                mapping=mapping_ref,
                mapping_version=mapping_obj.version,
                warned=result.warned,
                quarantine=result.quarantine,
                replace=replace,
                batch_id=batch_id,
                report_dir=str(report_dir),
                row_numbers={mapping_obj.table: result.row_numbers},
                case_keys={mapping_obj.table: cases.for_rows(result.row_numbers, rows)},
                present_keys={mapping_obj.table: cases.keys},
                export=export,
                remove_missing=remove_missing,
                without_case_id=cases.without_id,
                columns=std_columns,
                standard_version=str(std.version),
            )
        except DuplicateBatch as exc:
            raise AlreadyImported(str(exc), exc.batch_id) from exc
        res.cases = stored.cases
        for gone in res.cases.get("missing", []):
            verb = "were superseded (--remove-missing)" if remove_missing else "are kept (--remove-missing removes them)"
            notes.append(f"{gone['cases']:,} stored case(s) from batch {gone['batch_id']} ({gone['file_name']}) are "
                         f"not in this full export and {verb}")
    step("reporting")
    write_report(report_dir, res.summary(), result.problems)
    return res


__all__ = ["AlreadyImported", "BatchResult", "MappingError", "ingest_file", "resolve_mapping"]
