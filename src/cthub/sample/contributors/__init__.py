"""Raw exports from four fictional contributors, for ingest to harmonize.

Real hubs receive files that disagree on everything: vocabularies, date formats, how "unknown" is written, whether
ages are numbers, bands or dates of birth. These three are built to disagree the same way, from one shared latent
case model (`cthub.sample.latent`), so that once harmonized they should agree with each other and with
`cthub.sample.benchmark_table`.

| id          | file            | what it imitates                                         | rows at scale 1.0 |
|-------------|-----------------|----------------------------------------------------------|-------------------|
| `casesys`   | `casesys.xlsx`  | an IOM-like case-management system (English UN names)    | 20,000            |
| `hotline`   | `hotline.csv`   | a US-style hotline (US vocabulary, MM/DD/YYYY, mixed     | 12,000            |
|             |                 | country spellings and ISO3 codes, free-text notes)       |                   |
| `htcds-ngo` | `htcds-ngo.xlsx`| an NGO using the HTCDS v2.0 Excel template and lists     | 6,000             |
| `prosecutions` | `prosecutions.csv` | prosecution services' case tracking: victims and the | 8,000          |
|             |                 | offenders charged (the `victim_perpetrator` table)       |                   |

The exact columns and vocabularies of each are documented in the docstrings (and constants) of `casesys`,
`hotline`, `htcds_ngo` and `prosecutions` in this package. The first three carry direct identifiers (names, phone
numbers, dates of birth, free text, addresses) that ingest must drop; `prosecutions` carries a case reference.
`prosecutions` feeds the `victim_perpetrator` table (calibrated to CTDC's victim-perpetrator marginals, not to the
shared latent model); the other three feed `victims`.

`expected.json`, written next to the files, records for each contributor: file, format, sheet, header rows,
columns, identifier columns, `data_rows` (rows under the header, blank ones included), `records` (non-blank rows),
`dirt` (counts of `invalid_age`, `future_date`, `unknown_country`, `blank_rows`) and `dirt_rows` (the 0-based data
row positions of each, counted under the header rows). See `export` for what each kind of dirt looks like.
Rows not listed there are clean: valid ages (0-70), dates 2002-2024, countries that resolve to ISO codes.

Every file has a case-ID column (`case_id_column` in expected.json), which the built-in mappings use to key
cases. `write_update_export` writes the hotline's second, updated export (re-sent calls, some changed, some new),
for the demo and the re-submission tests.

Generation is deterministic: the same seed and scale give byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cthub.sample.contributors import casesys, hotline, htcds_ngo, prosecutions

CONTRIBUTORS = ("casesys", "hotline", "htcds-ngo", "prosecutions")
BASE_ROWS = {"casesys": 20_000, "hotline": 12_000, "htcds-ngo": 6_000, "prosecutions": 8_000}
FILES = {"casesys": "casesys.xlsx", "hotline": "hotline.csv", "htcds-ngo": "htcds-ngo.xlsx",
         "prosecutions": "prosecutions.csv"}
_WRITERS = {"casesys": casesys.write, "hotline": hotline.write, "htcds-ngo": htcds_ngo.write,
            "prosecutions": prosecutions.write}
EXPECTED_FILE = "expected.json"
MIN_ROWS = 20


def rows_at(scale: float) -> dict[str, int]:
    """Records per contributor at a scale (at least `MIN_ROWS` each, so every kind of dirt fits)."""
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    return {c: max(MIN_ROWS, round(n * scale)) for c, n in BASE_ROWS.items()}


def write_sample_exports(
    out_dir: Path | str, seed: int = 0, scale: float = 1.0, progress=None
) -> dict[str, Path]:
    """Write the three contributors' exports and `expected.json` into `out_dir`; return contributor id -> file.

    Each contributor gets its own child seed, so one contributor's file does not change when another's code does.
    `progress`, if given, is called with each contributor id once its file is written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = rows_at(scale)
    children = np.random.SeedSequence(seed).spawn(len(CONTRIBUTORS))
    expected: dict = {"seed": seed, "scale": scale, "contributors": {}}
    paths: dict[str, Path] = {}
    for contributor, child in zip(CONTRIBUTORS, children, strict=True):
        path = out / FILES[contributor]
        rng = np.random.default_rng(child)
        expected["contributors"][contributor] = _WRITERS[contributor](path, counts[contributor], rng)
        paths[contributor] = path
        if progress is not None:
            progress(contributor)
    (out / EXPECTED_FILE).write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return paths


UPDATE_CONTRIBUTOR = "hotline"
UPDATE_FILE = "hotline-update.csv"


def write_update_export(out_dir: Path | str, seed: int = 0, scale: float = 1.0) -> tuple[Path, dict]:
    """The hotline's second export (all its calls again: about 10 % updated, 1 % gone, 5 % new), written next to
    the first as `UPDATE_FILE`; returns its path and expected counts. Same seed and scale, same bytes.

    It re-draws the first export from the hotline's own child seed, so it matches `write_sample_exports(out_dir,
    seed, scale)` whether or not that ran in this process."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    children = np.random.SeedSequence(seed).spawn(len(CONTRIBUTORS) + 1)
    first = np.random.default_rng(children[CONTRIBUTORS.index(UPDATE_CONTRIBUTOR)])
    path = out / UPDATE_FILE
    expected = hotline.write_update(path, rows_at(scale)[UPDATE_CONTRIBUTOR], first,
                                    np.random.default_rng(children[-1]))
    return path, expected


__all__ = ["CONTRIBUTORS", "EXPECTED_FILE", "FILES", "UPDATE_CONTRIBUTOR", "UPDATE_FILE", "rows_at",
           "write_sample_exports", "write_update_export"]
