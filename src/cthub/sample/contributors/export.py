"""What every contributor export shares: planting known dirt, and writing files byte-for-byte reproducibly.

Dirt is planted in chosen rows (disjoint per kind) and recorded, so ingest tests can assert exact counts:
- `invalid_age`: an age of -3 or 140 years (as a number, or through a date of birth after / long before intake);
- `future_date`: a registration / call date in 2031-2035;
- `unknown_country`: a country written as a fictional place ("Atlantis", ...);
- `blank_rows`: an entirely empty data row between records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cthub.sample.contributors import xlsx

DIRT_KINDS = ("invalid_age", "future_date", "unknown_country")
DIRT_RATES = {"invalid_age": 0.001, "future_date": 0.0005, "unknown_country": 0.001, "blank_rows": 0.0005}
INVALID_AGES = (-3, 140)
UNKNOWN_COUNTRIES = ("Atlantis", "Freedonia", "Ruritania", "Zembla")


@dataclass
class DirtPlan:
    """Which records get which dirt, and where blank rows go."""

    rows: dict[str, np.ndarray]  # kind -> record positions (0-based, before blank rows are inserted)
    blank_before: np.ndarray  # record positions before which one blank row each is inserted
    by_record: dict[int, str] = field(default_factory=dict)

    def kind(self, record: int) -> str | None:
        return self.by_record.get(record)


def plan_dirt(n: int, rng: np.random.Generator) -> DirtPlan:
    """Choose disjoint records for each kind of dirt, at the `DIRT_RATES`, at least one of each."""
    counts = {k: max(1, round(DIRT_RATES[k] * n)) for k in DIRT_KINDS}
    total = sum(counts.values())
    if n < total + 1:
        raise ValueError(f"too few records ({n}) to plant dirt; use a larger --scale")
    chosen = rng.choice(n, size=total, replace=False)
    rows, start = {}, 0
    for kind in DIRT_KINDS:
        rows[kind] = np.sort(chosen[start : start + counts[kind]])
        start += counts[kind]
    n_blank = max(1, round(DIRT_RATES["blank_rows"] * n))
    blank_before = np.sort(rng.choice(np.arange(1, n), size=n_blank, replace=False))
    plan = DirtPlan(rows=rows, blank_before=blank_before)
    plan.by_record = {int(r): kind for kind, idx in rows.items() for r in idx}
    return plan


def with_blank_rows(records: list[list[Any]], plan: DirtPlan, width: int) -> tuple[list[list[Any]], dict]:
    """Insert the planned blank rows; return the file's data rows and the expected.json entry for the dirt."""
    out: list[list[Any]] = []
    position: dict[int, int] = {}
    blanks: list[int] = []
    insert = set(plan.blank_before.tolist())
    for i, rec in enumerate(records):
        if i in insert:
            blanks.append(len(out))
            out.append([None] * width)
        position[i] = len(out)
        out.append(rec)
    dirt_rows = {kind: [position[int(r)] for r in idx] for kind, idx in plan.rows.items()}
    dirt_rows["blank_rows"] = blanks
    expected = {
        "data_rows": len(out),
        "records": len(records),
        "dirt": {kind: len(rows) for kind, rows in dirt_rows.items()},
        "dirt_rows": dirt_rows,
    }
    return out, expected


def random_dates(years: np.ndarray, rng: np.random.Generator) -> list[dt.date]:
    """A uniformly random day within each year."""
    days = rng.integers(0, 365, size=len(years))
    return [dt.date(int(y), 1, 1) + dt.timedelta(days=int(d)) for y, d in zip(years, days, strict=True)]


def birth_date(on: dt.date, age_years: int, extra_days: int) -> dt.date:
    """A date of birth making someone `age_years` old on `on` (extra_days < 365 into that year of age)."""
    try:
        anniversary = on.replace(year=on.year - age_years)
    except ValueError:  # 29 February
        anniversary = on.replace(year=on.year - age_years, day=28)
    return anniversary - dt.timedelta(days=int(extra_days))


def future_date(rng: np.random.Generator) -> dt.date:
    return dt.date(int(rng.integers(2031, 2036)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))


def write_csv(path: Path, header: Sequence[str], rows: list[list[Any]]) -> None:
    """CSV with `\\n` line ends and minimal quoting; None is an empty cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buf.getvalue().encode("utf-8"))


def write_xlsx(
    path: Path,
    sheet: str,
    header_rows: Sequence[Sequence[Any]],
    rows: list[list[Any]],
    row_label: Callable[[int], Any] | None = None,
) -> None:
    """An XLSX (see `xlsx`) of header rows and data rows; None is an empty cell.

    `row_label(i)`, if given, fills column A of each non-blank data row (the HTCDS template numbers its rows) and
    the data start in column B.
    """
    if row_label is not None:
        rows = [
            [row_label(i) if any(v is not None for v in row) else None, *row] for i, row in enumerate(rows)
        ]
    xlsx.write_xlsx(path, sheet, header_rows, rows)


def join(values: Sequence[str], sep: str) -> str | None:
    """Multi-select cell: values joined, or None when there are none."""
    return sep.join(values) if len(values) else None
