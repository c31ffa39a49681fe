"""Cases, not rows: the case keys of one import, the hub key behind them, and withdrawing one person.

The functions here read case IDs only to hash them. No case ID, and no case key, goes into a message, a report or
the audit log: counts and batch ids say what happened.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cthub.ingest.errors import MissingColumnsError
from cthub.ingest.keys import (
    HUB_KEY_FILE,
    HubKeyError,
    case_key,
    case_keys,
    create_hub_key,
    hub_key_path,
    load_hub_key,
    normalize_case_ids,
    random_keys,
)
from cthub.ingest.mapping import Mapping
from cthub.store import Store

KEY_CHECK_META = "hub_key_check"
ONE_ROW_PER_PERSON = ("victims",)  # tables whose rows are persons (victim_perpetrator: several rows per victim)


def _check_value(key: bytes) -> str:
    """A value that tells whether a key file is the one the stored cases were keyed with (reveals nothing of it)."""
    return hmac.new(key, b"cthub hub key check", "sha256").hexdigest()[:16]


def hub_key_for(store: Store, create: bool = False) -> tuple[bytes, str | None]:
    """The hub key of `store`'s hub, and a note when it was just made.

    With `create`, a hub with no key file gets one, but only while no stored case was keyed (the store remembers a
    check value of the key it has seen): after that a missing or different key file is an error that says to
    restore the backup, because a new key would make every re-sent case look new.
    """
    home = store.home
    seen = store.meta_get(KEY_CHECK_META)
    note = None
    if not hub_key_path(home).exists():
        if seen is not None or not create:
            raise HubKeyError(
                f"no hub key at {hub_key_path(home)}, but this hub's cases were keyed with one; restore "
                f"{HUB_KEY_FILE} from the hub's backup (a new key would turn every re-sent case into a new one)"
                if seen is not None else
                f"no hub key at {hub_key_path(home)}; run `cthub init --home {home}` to make one (or restore "
                f"{HUB_KEY_FILE} from the hub's backup)"
            )
        path, made = create_hub_key(home)
        if made:
            note = (f"this hub had no hub key, so one was made at {path} (mode 600); back it up with the hub: "
                    "without it re-sent cases cannot be matched")
    key = load_hub_key(home)
    check = _check_value(key)
    if seen is None:
        store.meta_set(KEY_CHECK_META, check)
    elif seen != check:
        raise HubKeyError(
            f"{hub_key_path(home)} is not the key this hub's cases were keyed with; restore the right "
            f"{HUB_KEY_FILE} from the hub's backup"
        )
    return key, note


@dataclass
class FileCases:
    """The case key of every row of a file (aligned with the raw frame) and what the report says about them."""

    keys: pd.Series
    without_id: int
    column: str | None
    notes: list[str]

    def for_rows(self, row_numbers: pd.Series, all_rows: pd.Series) -> pd.Series:
        """The keys of the rows with these file row numbers (accepted records), in that order."""
        by_row = pd.Series(self.keys.to_numpy(), index=all_rows.to_numpy())
        return pd.Series(by_row.loc[row_numbers.to_numpy()].to_numpy(), dtype="string")


def file_cases(frame: pd.DataFrame, mapping: Mapping, contributor: str, store: Store, dry_run: bool = False
               ) -> FileCases:
    """Key every row of a raw file. A dry run never makes the hub key: without one it keys nothing (`keys` all
    missing) but still counts rows without an ID.

    A mapping's `case_id` column missing from the file stops the import (with the closest column), unless the
    mapping says `required: false`; then, as for a mapping without `case_id`, every row gets a fresh key."""
    from cthub.ingest.parsers import closest
    from cthub.ingest.transform import _resolve

    columns = [str(c) for c in frame.columns]
    notes: list[str] = []
    column = _resolve(columns, mapping.case_id.source) if mapping.case_id else None
    if mapping.case_id and column is None:
        wanted = " or ".join(repr(c) for c in mapping.case_id.source)
        if mapping.case_id.required:
            hint = closest(mapping.case_id.source[0], columns, cutoff=0.6)
            raise MissingColumnsError(
                f"the file lacks the case-ID column {wanted}" + (f" (closest in the file: {hint!r})" if hint else "")
                + ". Fix the file's header or the mapping's `case_id:` (`required: false` imports a file without "
                "case IDs, whose cases can then never be updated)"
            )
        notes.append(f"the file has no case-ID column ({wanted}): each of its rows is a new case that a later "
                     "export cannot update")
    if column is None:
        if mapping.case_id is None:
            notes.append("the mapping names no case-ID column (`case_id:`): each row is a new case that a later "
                         "export cannot update")
        return FileCases(random_keys(len(frame), frame.index), len(frame), None, notes)
    ids = normalize_case_ids(frame[column])
    key: bytes | None = None
    try:
        key, made = hub_key_for(store, create=not dry_run)
        if made:
            notes.append(made)
    except HubKeyError:
        if not dry_run:
            raise
    if key is None:
        keys = pd.Series(pd.NA, index=frame.index, dtype="string")
        without = int(ids.isna().sum())
    else:
        keys, without = case_keys(key, contributor, frame[column])
    if without:
        notes.append(f"{without:,} row(s) have no case ID in {column!r}: each is a new case that a later export "
                     "cannot update")
    if mapping.table in ONE_ROW_PER_PERSON:
        repeated = ids.dropna()
        repeated = repeated[repeated.duplicated(keep=False)]
        if len(repeated):
            notes.append(f"{len(repeated):,} rows share their case ID with another row ({repeated.nunique():,} "
                         f"case IDs); each such case is kept as one person with all its rows")
    return FileCases(keys, without, column, notes)


def withdraw_case(store: Store, contributor: str, case_id: str) -> dict[str, int]:
    """Remove one person's case (every version, every table) for a data-subject request, and its rows from the
    batches' validation reports; returns records removed per table. The ID is hashed, never stored or echoed."""
    key = load_hub_key(store.home)
    ids = normalize_case_ids(pd.Series([case_id]))
    if ids.isna().all():
        raise HubKeyError("give the case ID to withdraw (it is empty)")
    result = store.withdraw_case(contributor, case_key(key, contributor, str(ids.iloc[0])))
    _scrub_reports(store, result["rows"])
    return result["records"]


def _scrub_reports(store: Store, rows: list[tuple[str, int]]) -> None:
    """Drop the withdrawn rows from their batches' problems.csv and rejected.csv (values there are already safe
    descriptions, but a data-subject request removes the row entirely)."""
    from cthub.ingest.report import _write_csv

    by_batch: dict[str, set[int]] = {}
    for batch_id, row in rows:
        by_batch.setdefault(batch_id, set()).add(row)
    reports = (store.home / "reports").resolve()
    for batch_id, numbers in by_batch.items():
        try:
            folder = store.batch(batch_id).report_dir
        except Exception:  # noqa: BLE001 - a batch row that is gone has no report to scrub
            continue
        if not folder or Path(folder).resolve().parent != reports:
            continue
        for name in ("problems.csv", "rejected.csv"):
            path = Path(folder) / name
            if not path.is_file():
                continue
            df = pd.read_csv(path, dtype="string", keep_default_na=False)
            if "row" not in df or df.empty:
                continue
            sheets = _report_sheets(Path(folder))
            if "sheet" in df and len(sheets) > 1:  # several sheets: rows are (sheet, sheet row)
                from cthub.ingest.readers import split_row

                wanted = {split_row(n, sheets) for n in numbers}
                pairs = zip(df["sheet"], pd.to_numeric(df["row"], errors="coerce"), strict=True)
                keep = pd.Series([(sh, int(r) if pd.notna(r) else -1) not in wanted for sh, r in pairs])
            else:
                keep = ~pd.to_numeric(df["row"], errors="coerce").isin(numbers)
            if not keep.all():
                _write_csv(df[keep.to_numpy()], path)


def _report_sheets(folder: Path) -> list[str]:
    """The sheets a batch read, in order (report.json), to map stored row numbers to (sheet, sheet row)."""
    import json

    try:
        return [s["sheet"] for s in json.loads((folder / "report.json").read_text(encoding="utf-8")).get("sheets", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return []


__all__ = ["FileCases", "file_cases", "hub_key_for", "withdraw_case"]
