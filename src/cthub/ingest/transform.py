"""Apply a mapping to raw cells: standard codes out, one problem per bad cell, rows with nothing usable set aside.

Everything is column-wise: each rule parses a column once per distinct value (`parsers.by_unique`), so a million
rows cost a few pandas operations, not a million Python calls. Only columns a rule reads are ever touched, so
identifier columns and free-text columns the mapping ignores never leave the raw frame. What one rule does to
its column is its transform's (`cthub.ingest.transforms`, one module each); this module runs them all and gathers
the problems, the quarantine and the notes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from cthub.ingest.mapping import Mapping, Rule, fold_header
from cthub.ingest.parsers import Parsed, by_unique, closest, fold
from cthub.ingest.transforms import Context, declared, resolve_column, transform_of

MAX_VALUE_CHARS = 40
# A cell longer than this is described by its length before any pattern runs: no check below may cost more than
# a few microseconds per cell, whatever a file holds (a crafted 80 KB cell once stalled the server for seconds).
MAX_CHECKED_CHARS = 256
_URL = re.compile(r"https?://|www\.", re.I)
_DATEISH = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4})\s*$")
_NUMERIC = re.compile(r"^\s*[-+]?\d{1,4}(?:[.,]\d+)?\s*$")
PROBLEM_COLUMNS = ["row", "column", "variable", "value", "reason", "severity"]


@dataclass
class Transformed:
    """The outcome of mapping one raw table."""

    table: pd.DataFrame  # accepted rows, standard columns (string dtype, pd.NA for missing)
    row_numbers: pd.Series  # file row of each accepted record
    problems: pd.DataFrame  # PROBLEM_COLUMNS; severity "warning" (cell dropped) or "rejected" (row quarantined)
    quarantine: pd.DataFrame  # row_number, reasons, data (JSON of the row's valid codes only)
    warned: int
    columns_used: dict[str, str] = field(default_factory=dict)  # variable -> source column
    columns_missing: dict[str, list[str]] = field(default_factory=dict)  # variable -> wanted source columns
    columns_ignored: list[str] = field(default_factory=list)  # file columns no rule reads (identifiers included)
    # file columns nothing in the mapping names (not read, not an identifier, not the case ID): a typo shows here
    columns_unmapped: list[str] = field(default_factory=list)
    # source column -> [{"value": safe description, "count": rows}] of flag cells no `match:`/`no:` list knows
    unrecognized: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. an optional `from:` column missing, with the closest


def safe_value(raw: object, rule: Rule, known: list[str] | None = None) -> str:
    """What a report may say about a bad cell. Quote only what cannot identify anyone: short numbers, dates that are
    not birth dates, and close misspellings of a known code or name (`known`, similarity >= 0.8: 'Phillipines').
    Everything else is described, not quoted, so a name, phone number or e-mail typed into the wrong column never
    reaches a report ('Maria' in a sex column is described, even though 'Male' is a weak match)."""
    if not rule.echo:
        return "[not shown: date of birth]"
    text = str(raw)
    n = len(text)
    if n > MAX_CHECKED_CHARS:
        return f"[not shown: {n} characters]"
    if looks_like_email(text):
        return "[not shown: looks like an e-mail address]"
    if _URL.search(text):
        return "[not shown: looks like a web address]"
    if sum(ch.isdigit() for ch in text) >= 7 and not _DATEISH.match(text):
        return "[not shown: looks like a phone or ID number]"
    if _NUMERIC.match(text) or _DATEISH.match(text):
        return text.strip()[:MAX_VALUE_CHARS]
    if known and n <= MAX_VALUE_CHARS and len(text.split()) <= 4 and closest(text, known, cutoff=0.8):
        return text.strip()
    return f"[not shown: {n} characters]"


def looks_like_email(text: str) -> bool:
    """Whether `text` holds something shaped like an e-mail address (`x@y.z` between spaces), in one linear pass:
    the equivalent regex `[^@\\s]+@[^@\\s]+\\.[^@\\s]+` backtracks quadratically on long cells without a match."""
    for word in text.split():
        parts = word.split("@")
        for local, domain in zip(parts, parts[1:]):
            if local and "." in domain[1:-1]:
                return True
    return False


_resolve = resolve_column  # the name cthub.ingest.cases imports


def flag_vocabularies(mapping: Mapping, columns: list[str]) -> dict[str, frozenset[str]]:
    """Per source column, every token some flag of it declares (`match:` and `no:`): a token of another flag is a
    known "no", anything else is unknown text, which leaves the cell missing rather than 0."""
    vocab: dict[str, set[str]] = {}
    for rule in mapping.variables.values():
        if rule.transform != "flag":
            continue
        src = _resolve(columns, rule.source)
        if src is not None:
            vocab.setdefault(src, set()).update(fold(t) for t in [*rule.match, *rule.no])
    return {c: frozenset(v) for c, v in vocab.items()}


def transform(raw: pd.DataFrame, row_numbers: pd.Series, mapping: Mapping, std: object,
              today: date | None = None, reference_date: date | None = None, strict: bool = False) -> Transformed:
    """Map raw cells to the standard table `mapping.table`, validating every cell against the standard.

    `reference_date` is the date ages are computed at when a row has no reference date of its own (the hub's
    `release.reference_date`); by default the import date (`today`). An optional `from:` column missing from the
    file empties its variable with a note naming the closest unmapped column (a typo would otherwise silently
    drop data); `strict` makes it an error."""
    today = today or date.today()
    fallback = reference_date or today
    table = std.table(mapping.table)  # type: ignore[attr-defined]
    columns = [str(c) for c in raw.columns]
    index = raw.index
    out: dict[str, pd.Series] = {}
    problems: list[pd.DataFrame] = []
    used: dict[str, str] = {}
    missing: dict[str, list[str]] = {}
    required_missing: list[str] = []
    ctx = Context(columns=columns, today=today, fallback=fallback, vocabularies=flag_vocabularies(mapping, columns))
    unrecognized: dict[str, list[dict[str, object]]] = {}

    for var_name, rule in mapping.variables.items():
        var = table.variable(var_name)
        kind = transform_of(rule, var.type)
        if not kind.needs_source:  # a constant: no column to read
            out[var_name] = kind.cells(rule, raw, "", var, ctx)[0]
            continue
        src = _resolve(columns, rule.source)
        if src is None:
            missing[var_name] = list(rule.source)
            if rule.required:
                required_missing.append(" or ".join(repr(s) for s in rule.source))
            continue
        used[var_name] = src
        codes, reasons = kind.cells(rule, raw, src, var, ctx)
        unknown = kind.unrecognized(rule, raw, src, reasons) if src not in unrecognized else None
        if unknown is not None and len(unknown):
            unrecognized[src] = [{"value": safe_value(v, rule, list(rule.match) + list(rule.no)),
                                  "count": int(n)} for v, n in unknown.astype("string").value_counts().items()]
        out[var_name] = codes
        bad = reasons.notna()
        if bad.any():
            raw_bad = raw.loc[bad, src]
            reason_bad = reasons[bad]
            known = declared(rule).known_names(rule, var)
            def _shown(v: object, r: Rule = rule, k: list[str] = known) -> Parsed:
                return Parsed(safe_value(v, r, k))

            shown, _ = by_unique(raw_bad.astype("string"), _shown)
            # the reason can quote a suggestion but never the raw value itself
            problems.append(pd.DataFrame({
                "row": row_numbers[bad].to_numpy(),
                "column": src,
                "variable": var_name,
                "value": shown.to_numpy(),
                "reason": reason_bad.to_numpy(),
                "severity": "warning",
                "_pos": bad.to_numpy().nonzero()[0],
            }))

    from cthub.ingest.errors import MissingColumnsError

    if required_missing:
        hints = []
        for wanted in required_missing:
            first = wanted.split(" or ")[0].strip("'")
            hint = closest(first, columns, cutoff=0.6)
            hints.append(wanted + (f" (closest in the file: {hint!r})" if hint else ""))
        raise MissingColumnsError(
            "the file lacks required column(s): " + "; ".join(hints)
            + f". It has {len(columns)} column(s). Fix the file's header or the mapping's `from:`."
        )
    if not used:
        raise_missing_all(mapping, columns)
    named = {fold_header(c) for r in mapping.variables.values() for c in [*r.source, *r.reference]}
    named |= {fold_header(c) for c in mapping.identifiers}
    named |= {fold_header(c) for c in (mapping.case_id.source if mapping.case_id else [])}
    unmapped = [c for c in columns if fold_header(c) not in named and not c.startswith("column ")]
    notes: list[str] = []
    typos: list[str] = []
    for var_name, sources in missing.items():
        if mapping.variables[var_name].required:
            continue
        hint = closest(sources[0], unmapped, cutoff=0.6)
        if hint:
            typos.append(f"{var_name}: {' / '.join(map(repr, sources))} (closest in the file: {hint!r})")
        notes.append(f"{var_name} is empty for every row: its column {' / '.join(map(repr, sources))} is not in the "
                     f"file" + (f"; did you mean {hint!r}? Fix the mapping's `from:`" if hint else ""))
    if strict and missing:
        raise MissingColumnsError(
            "--strict: the file lacks mapped column(s): "
            + "; ".join(typos or [f"{v}: {' / '.join(map(repr, w))}" for v, w in missing.items()])
            + ". Fix the mapping's `from:` or the file's header.")

    frame = pd.DataFrame({c: out.get(c, pd.Series(pd.NA, index=index, dtype="string")) for c in table.columns
                          if c in out}, index=index)
    # second line of defence: the standard's own check (mapped codes should already pass)
    frame, extra = _standard_check(std, mapping.table, frame, row_numbers, used)
    if extra is not None:
        problems.append(extra)

    all_problems = (pd.concat(problems, ignore_index=True) if problems
                    else pd.DataFrame({c: pd.Series(dtype="object") for c in [*PROBLEM_COLUMNS, "_pos"]}))
    dup = all_problems.duplicated(["_pos", "column", "reason"]) if len(all_problems) else None
    if dup is not None and dup.any():
        # one bad cell feeding several variables (an age feeds ageBroad and majorityStatus) is one problem
        names: dict[tuple[str, str], list[str]] = {}
        for (col, reason, var), _n in all_problems.groupby(["column", "reason", "variable"], sort=False).size().items():
            names.setdefault((col, reason), []).append(var)
        lookup = pd.DataFrame([(c, r, ", ".join(v)) for (c, r), v in names.items()],
                              columns=["column", "reason", "variables"])
        all_problems = all_problems[~dup].merge(lookup, on=["column", "reason"], how="left")
        all_problems["variable"] = all_problems.pop("variables")
    # a row is placed if at least one mapped (non-constant) variable has a value
    mapped = [v for v in used if v in frame.columns]
    has_value = pd.Series(False, index=index)
    for v in mapped:
        has_value |= frame[v].notna()
    rejected_mask = ~has_value
    positions = rejected_mask.to_numpy().nonzero()[0]
    if len(positions):
        rej_pos = set(positions.tolist())
        is_rej = all_problems["_pos"].isin(rej_pos)
        all_problems.loc[is_rej, "severity"] = "rejected"
        reasons_by_pos = (all_problems[is_rej].assign(txt=lambda d: d["column"].astype(str) + ": " + d["reason"].astype(str))
                          .groupby("_pos")["txt"].agg("; ".join))
        reasons = (pd.Series(positions).map(reasons_by_pos).astype("object")
                   .fillna("no value in any mapped column").astype("string"))
        no_value_rows = (reasons == "no value in any mapped column").to_numpy(dtype=bool)
        if no_value_rows.any():
            all_problems = pd.concat([all_problems, pd.DataFrame({
                "row": row_numbers.iloc[positions[no_value_rows]].to_numpy(),
                "column": "", "variable": "", "value": "", "reason": "no value in any mapped column",
                "severity": "rejected", "_pos": positions[no_value_rows],
            })], ignore_index=True)
        quarantine = pd.DataFrame({
            "row_number": row_numbers.iloc[positions].to_numpy(),
            "reasons": reasons.to_numpy(),
            "data": [json.dumps({}) for _ in positions],  # nothing usable survived, so nothing to keep
        })
    else:
        quarantine = pd.DataFrame({"row_number": pd.Series(dtype="int64"), "reasons": pd.Series(dtype="string"),
                                   "data": pd.Series(dtype="string")})
    warned_pos = set(all_problems.loc[all_problems["severity"] == "warning", "_pos"].tolist())
    accepted = frame[has_value]
    all_problems = all_problems.sort_values(["row", "column"], kind="stable").drop(columns="_pos").reset_index(drop=True)
    ignored = [c for c in columns if c not in used.values()
               and not any(c in r.reference or fold_header(c) in {fold_header(x) for x in r.reference}
                           for r in mapping.variables.values())]
    return Transformed(
        table=accepted.reset_index(drop=True),
        row_numbers=row_numbers[has_value.to_numpy()].reset_index(drop=True),
        problems=all_problems,
        quarantine=quarantine,
        warned=len(warned_pos),
        columns_used=used,
        columns_missing=missing,
        columns_ignored=ignored,
        columns_unmapped=unmapped,
        unrecognized=unrecognized,
        notes=notes,
    )


def raise_missing_all(mapping: Mapping, columns: list[str]) -> None:
    from cthub.ingest.errors import MissingColumnsError

    wanted = sorted({c for r in mapping.variables.values() for c in r.source})
    # a file without a header row has a record where the header should be: quote only the cells that pass the
    # report's safe-value rule against the names the mapping reads (near misses such as 'Call dat')
    near = [c for c in columns[:200] if len(c) <= MAX_VALUE_CHARS and closest(c, wanted, cutoff=0.8)]
    hint = f"; near misses: {', '.join(map(repr, near[:8]))}" if near else ""
    delim_hint = (" The file has a single column: is the delimiter right?" if len(columns) == 1 else "")
    raise MissingColumnsError(
        f"none of the columns mapping {mapping.name!r} reads were found (it reads {', '.join(map(repr, wanted[:8]))}"
        f"{' ...' if len(wanted) > 8 else ''}; the file has {len(columns)} columns{hint}).{delim_hint} Is this "
        "the right mapping for this file, and does the file start with its header row?"
    )


def _standard_check(std: object, table_name: str, frame: pd.DataFrame, row_numbers: pd.Series,
                    used: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Blank any cell the standard refuses (one check per distinct value) and report it as a warning."""
    if frame.empty:
        return frame, None
    # one row per distinct value of each column (padded with NA), so the check costs nothing on big files
    uniques = {c: frame[c].dropna().unique() for c in frame.columns}
    longest = max((len(u) for u in uniques.values()), default=0)
    distinct = pd.DataFrame({c: pd.array(list(u) + [pd.NA] * (longest - len(u)), dtype="string")
                             for c, u in uniques.items()})
    problems = std.check_frame(table_name, distinct)  # type: ignore[attr-defined]
    bad: dict[str, dict[str, str]] = {}
    for p in problems:
        if p.row is None or p.column not in frame.columns or p.value is None:
            continue
        bad.setdefault(p.column, {})[p.value] = p.reason
    if not bad:
        return frame, None
    parts = []
    frame = frame.copy()
    for col, values in bad.items():
        mask = frame[col].isin(list(values)).fillna(False).to_numpy(dtype=bool)
        parts.append(pd.DataFrame({
            "row": row_numbers[mask].to_numpy(),
            "column": used.get(col, col),
            "variable": col,
            "value": frame.loc[mask, col].to_numpy(),  # a standard code we produced, not a raw value
            "reason": frame.loc[mask, col].map(values).to_numpy(),
            "severity": "warning",
            "_pos": mask.nonzero()[0],
        }))
        frame.loc[mask, col] = pd.NA
    return frame, pd.concat(parts, ignore_index=True)
