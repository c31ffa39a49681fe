"""`cthub mapping draft` and `cthub mapping check`: a mapping proposal from a file, and a dry run of a mapping.

A new contributor's export has its own column names, spellings and multi-select columns; writing its mapping by
grepping the standard took hours. The draft matches each column to a standard variable (name, label, HTCDS field,
known synonyms), proposes `values:` from the file's distinct values, flags from multi-select columns, and lists
likely identifiers so they are never read. Values quoted in the draft follow the report's rule
(`transform.safe_value`): a value that could identify someone is described, never copied.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from cthub.ingest.mapping import Mapping, Rule, check_against_standard, fold_header, load_mapping
from cthub.ingest.parsers import CodeMatcher, fold, is_missing, parse_country
from cthub.ingest.readers import read_table

# column names (folded) that mean a standard variable, beyond its own name, label and HTCDS field
SYNONYMS = {
    "sex": "gender", "gender": "gender", "genre": "gender", "sexo": "gender",
    "age": "ageBroad", "ageyears": "ageBroad", "edad": "ageBroad",
    "nationality": "citizenship", "citizenship": "citizenship", "countryoforigin": "citizenship",
    "nacionalidad": "citizenship",
    "countryofexploitation": "CountryOfExploitation", "countrywhereexploited": "CountryOfExploitation",
    "exploitationcountry": "CountryOfExploitation", "destinationcountry": "CountryOfExploitation",
    "registrationdate": "yearOfRegistration", "dateofregistration": "yearOfRegistration",
    "intakedate": "yearOfRegistration", "dateofintake": "yearOfRegistration", "referraldate": "yearOfRegistration",
    "datereferred": "yearOfRegistration", "calldate": "yearOfRegistration", "dateidentified": "yearOfRegistration",
    "year": "yearOfRegistration",
}
IDENTIFIER_WORDS = ("name", "phone", "mobile", "tel", "email", "mail", "address", "street", "passport", "notes",
                    "note", "comment", "remarks", "narrative", "description", "story", "contact", "whatsapp",
                    "birth", "dob", "nationalid", "idnumber", "signature", "photo", "gps", "location")
CASE_ID_WORDS = ("caseid", "caseno", "casenumber", "caseref", "casereference", "reference", "recordid", "id",
                 "clientid", "fileno", "filenumber")
DOB_WORDS = ("dateofbirth", "birthdate", "dob", "birthday")
MAX_DISTINCT = 60  # a categorical column has at most this many distinct values


def _fields(var: Any) -> list[str]:
    """Names a column may carry for a variable: its name, its label, its HTCDS field, synonyms."""
    names = [var.name, var.label]
    if var.htcds:
        names.append(str(var.htcds).split()[0])
    names += [k for k, v in SYNONYMS.items() if v == var.name]
    return names


def _match_column(name: str, table: Any) -> tuple[str | None, str]:
    folded = fold_header(name)
    for prefix in ("victims", "victim", "client", "person", "survivor"):  # 'Victim sex' is sex
        if folded.startswith(prefix) and len(folded) > len(prefix) + 2:
            folded = folded[len(prefix):]
            break
    if folded in SYNONYMS and SYNONYMS[folded] in table.columns:
        return SYNONYMS[folded], "known synonym"
    by_fold: dict[str, str] = {}
    for var in table.variables:
        for f in _fields(var):
            by_fold.setdefault(fold_header(f), var.name)
    if folded in by_fold:
        return by_fold[folded], "same name"
    hit = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.85)
    if hit:
        return by_fold[hit[0]], f"similar name ({difflib.SequenceMatcher(None, folded, hit[0]).ratio():.0%})"
    return None, ""


def _looks_identifying(values: pd.Series) -> bool:
    """Many long or distinct free-text cells, e-mail addresses or phone numbers."""
    from cthub.ingest.transform import safe_value

    sample = values.dropna().astype(str).head(500)
    sample = sample[sample.str.strip() != ""]
    if sample.empty:
        return False
    rule = Rule.model_validate({"from": "x"})
    shown = [safe_value(v, rule) for v in sample.head(100)]
    flagged = sum(s.startswith("[not shown: looks like") for s in shown)
    long_text = (sample.str.len() > 40).mean()
    return flagged >= max(1, len(shown) // 10) or long_text > 0.3


def _tokens(values: pd.Series, single: bool = False) -> Counter[str] | None:
    """The tokens of a multi-select column (cells split on , ; | or new lines), or None if it is not one.
    `single`: a one-choice column counts too (its values may each name a flag: 'Friend', 'Family member')."""
    cells = values.dropna().astype(str)
    cells = cells[cells.str.strip() != ""]
    if cells.empty or (not single and cells.str.contains(r"[,;|\n]").mean() < 0.05):
        return None
    counts: Counter[str] = Counter()
    for cell, n in cells.value_counts().items():
        for t in re.split(r"[,;|\n]+", str(cell)):
            if t.strip():
                counts[t.strip()] += int(n)
    return counts if len(counts) <= MAX_DISTINCT else None


def _flag_targets(table: Any) -> dict[str, list[tuple[str, str]]]:
    """Folded label suffix ('forced labour') -> [(family, boolean variable)], for tokens of a multi-select column
    (the family is the label's prefix: 'Type of exploitation', 'Means of control')."""
    out: dict[str, list[tuple[str, str]]] = {}
    for var in table.variables:
        if var.type == "boolean" and ":" in var.label:
            family, suffix = var.label.split(":", 1)
            out.setdefault(fold(suffix), []).append((family.strip(), var.name))
    return out


def _resolve_tokens(tokens: Counter[str], targets: dict[str, list[tuple[str, str]]], used: set[str]) -> dict[str, str]:
    """Token -> flag, preferring the family most tokens of the column belong to ('Other' of the same family)."""
    families: Counter[str] = Counter()
    for t in tokens:
        cands = targets.get(fold(t), [])
        if len(cands) == 1:
            families[cands[0][0]] += 1
    best = families.most_common(1)[0][0] if families else None
    found: dict[str, str] = {}
    for t in tokens:
        every = targets.get(fold(t), [])
        cands = [c for c in every if c[1] not in used and c[1] not in found.values()]
        if not cands:
            continue
        same = [c for c in cands if c[0] == best]
        if same or len(every) == 1:  # an 'Other' of several families, none of them the column's: left to the user
            found[t] = (same or cands)[0][1]
    return found


def _quote(value: str, known: list[str]) -> str | None:
    """The value itself if the report's rule allows quoting it, else None."""
    from cthub.ingest.transform import safe_value

    rule = Rule.model_validate({"from": "x"})
    shown = safe_value(value, rule, known)
    if len(value.strip()) <= 3 and value.strip().isalpha():  # 'F', 'M', 'n/a'-like codes identify nobody
        return value.strip()
    if shown == value.strip() or (len(value) <= 30 and len(value.split()) <= 4 and not shown.startswith("[not shown: "
                                                                                                       "looks like")
                                  and any(fold(value) == fold(k) for k in known)):
        return value.strip()
    return None


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _dayfirst(values: pd.Series) -> bool | None:
    parts = values.dropna().astype(str).str.extract(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}")
    parts = parts.dropna().astype(int)
    if parts.empty:
        return None
    if (parts[0] > 12).any():
        return True
    if (parts[1] > 12).any():
        return False
    return None


def draft_mapping(path: str | Path, table_name: str = "victims", name: str | None = None,
                  sheet: str | int | None = None) -> str:
    """A commented YAML mapping proposal for the file (see the module docstring); it loads as a mapping as is."""
    from cthub.standard import load_standard

    std = load_standard()
    table = std.table(table_name)
    raw = read_table(path, sheet=sheet)
    frame = raw.frame
    mapping_name = name or re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(path).stem).strip("-.")[:60] or "draft"
    lines = [f"# Draft mapping for {Path(path).name} ({len(frame):,} rows), made by `cthub mapping draft`.",
             "# Check every line marked CHECK, then try it with `cthub mapping check FILE THIS.yaml`.",
             f"name: {mapping_name}", 'version: "1"', f"table: {table_name}"]
    if raw.sheets and sheet is not None:
        lines.append(f"sheet: {_yaml_str(str(sheet))}")
    identifiers: list[str] = []
    case_id: str | None = None
    rules: list[str] = []
    used: set[str] = set()
    unresolved_columns: list[str] = []
    flag_targets = _flag_targets(table)
    for col in frame.columns:
        folded = fold_header(col)
        values = frame[col]
        if case_id is None and (folded in CASE_ID_WORDS or folded.endswith("caseid")):
            case_id = col
            continue
        if folded in DOB_WORDS or any(w in folded for w in ("dateofbirth", "birthdate")):
            identifiers.append(col)
            for age_target, transform in (("ageBroad", "age_band"), ("majorityStatus", "majority")):
                if age_target in table.columns and age_target not in used:
                    used.add(age_target)
                    rules.append(f"  {age_target}: {{from: {_yaml_str(col)}, input: dob, transform: {transform}}}"
                                 "  # from the date of birth (never stored); CHECK `reference:` (the date the age is at)")
            continue
        target, how = _match_column(col, table)
        named_identifier = any(w in folded for w in IDENTIFIER_WORDS)
        tokens = None
        if not named_identifier and (target is None or table.variable(target).type == "boolean"):
            tokens = _tokens(values) or _tokens(values, single=True)
        if tokens:
            found = _resolve_tokens(tokens, flag_targets, used)
            if found:
                rules.append(f"  # {col!r}: a multi-select column; each token that names a flag became one")
                for tok, var in found.items():
                    used.add(var)
                    q = _quote(tok, [tok])
                    rules.append(f"  {var}: {{from: {_yaml_str(col)}, transform: flag, match: [{_yaml_str(q or tok)}]}}"
                                 f"  # {tokens[tok]:,} rows")
                rest = [t for t in tokens if t not in found]
                if rest:
                    shown = [_quote(t, list(flag_targets)) for t in rest]
                    quoted = ", ".join(_yaml_str(s) for s in shown if s)
                    rules.append(f"  # unresolved tokens of {col!r} ({len(rest)}): {quoted or '-'}"
                                 + (f" and {sum(s is None for s in shown)} not shown" if None in shown else "")
                                 + "; add each to a flag's match: or to a no: list (else the cell is left missing)")
                continue
        if target is None and (named_identifier or _looks_identifying(values)):
            identifiers.append(col)
            continue
        if target is None or target in used:
            unresolved_columns.append(col)
            continue
        used.add(target)
        rules += _rule_lines(col, values, table.variable(target), how)
    if case_id:
        lines.append(f"case_id: {_yaml_str(case_id)}  # hashed with the hub key, never stored")
    else:
        lines.append("# case_id: COLUMN  # CHECK: the column identifying a case, so re-sent cases update")
    lines.append("identifiers: [" + ", ".join(_yaml_str(c) for c in identifiers) + "]"
                 + "  # never read: names, phones, e-mails, dates of birth, free text. CHECK nothing is missing")
    lines.append("variables:")
    if "Datasource" in table.columns and "Datasource" not in used:
        lines.append("  Datasource: {constant: Case management}  # CHECK: Case management or Hotline")
    lines += rules
    for col in unresolved_columns:
        lines.append(f"  # unmatched column {col!r}: map it to a variable (see mappings/README.md) or add it to "
                     "identifiers")
    return "\n".join(lines) + "\n"


def _rule_lines(col: str, values: pd.Series, var: Any, how: str) -> list[str]:
    src = _yaml_str(col)
    if var.name == "ageBroad":
        return [f"  ageBroad: {{from: {src}, transform: age_band}}  # {how}",
                f"  majorityStatus: {{from: {src}, transform: majority}}"]
    if var.type == "year":
        dayfirst = _dayfirst(values)
        extra = ", dayfirst: false" if dayfirst is False else ""
        note = {True: "d/m/Y dates", False: "m/d/Y dates", None: "CHECK the date order (dayfirst)"}[dayfirst]
        return [f"  {var.name}: {{from: {src}, required: true{extra}}}  # {how}; {note}"]
    distinct = values.dropna().astype(str).str.strip()
    distinct = distinct[distinct != ""].value_counts()
    if var.type == "country":
        unknown = [(v, n) for v, n in distinct.items() if parse_country(v, allowed=var.codes).value is None
                   and not is_missing(v)]
        line = f"  {var.name}: {{from: {src}}}  # {how}; names, ISO2 or ISO3"
        if not unknown:
            return [line]
        from cthub.ingest.parsers import _country_tables, closest

        names = _country_tables()[2]
        shown = [(_quote(v, list(names)), n) for v, n in unknown[:MAX_DISTINCT]]

        def _iso(q: str) -> str:
            hit = closest(q, names, cutoff=0.8)
            return names[hit] if hit else ""

        vals = ", ".join(f"{_yaml_str(q)}: {_yaml_str(_iso(q))}" for q, _n in shown if q)
        return [f"  {var.name}: {{from: {src}, values: {{{vals}}}}}  # {how}; CHECK: {len(unknown)} spelling(s) "
                f"not recognised ({sum(n for _v, n in unknown):,} rows): give each its ISO2 code"] if vals else [
            line + f"; {len(unknown)} unrecognised spelling(s) not shown"]
    if var.type in ("categorical", "multi", "boolean") and len(distinct) <= MAX_DISTINCT:
        codes = list(var.codes) if var.type != "boolean" else ["1", "0"]
        matcher = CodeMatcher(codes, {v.code: v.label for v in var.values}) if var.type != "boolean" else None
        pairs: list[str] = []
        comments: list[str] = []
        hidden = 0
        for value, n in distinct.items():
            if matcher is not None and matcher(value).value is not None:
                continue
            if var.type == "boolean":
                from cthub.ingest.parsers import parse_boolean

                if parse_boolean(value).value is not None:
                    continue
            q = _quote(value, codes)
            if q is None:
                hidden += int(n)
                continue
            labels = {v.code: v.label for v in var.values}
            prefix = [c for c in codes if fold(value) and (fold(c).startswith(fold(value))
                                                            or fold(labels.get(c, c)).startswith(fold(value)))]
            if len(prefix) == 1:  # 'F' -> Female
                code, score = prefix[0], 0.9
            else:
                guess = difflib.get_close_matches(fold(value), [fold(c) for c in codes], n=1, cutoff=0.0)
                code = next(c for c in codes if fold(c) == guess[0]) if guess else ""
                score = difflib.SequenceMatcher(None, fold(value), fold(code)).ratio() if code else 0.0
            pairs.append(f"{_yaml_str(q)}: {_yaml_str(code if score >= 0.5 else '')}")
            comments.append(f"{q} -> {code if score >= 0.5 else '?'} ({score:.0%}, {n:,} rows)")
        line = f"  {var.name}: {{from: {src}" + (f", values: {{{', '.join(pairs)}}}" if pairs else "") + "}"
        note = f"  # {how}" + (f"; CHECK suggested codes: {'; '.join(comments)}" if comments else "")
        if hidden:
            note += f"; {hidden:,} rows with values not shown (they could identify someone)"
        return [line + note]
    return [f"  {var.name}: {{from: {src}}}  # {how}"]


# -- check -------------------------------------------------------------------------------------------------------
def check_mapping(path: str | Path, mapping: Mapping | str | Path, home: str | Path | None = None,
                  today: date | None = None) -> dict[str, Any]:
    """A dry run that stores nothing: per variable the share of rows with a value and the values that do not map
    (as the report shows them), what would be quarantined, and the columns nothing reads."""
    from cthub.ingest.transform import transform
    from cthub.standard import load_standard

    std = load_standard()
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping, home)
    check_against_standard(m, std)
    wanted = {fold_header(c) for r in m.variables.values() for c in r.source}
    raw = read_table(path, sheet=m.sheet, header_row=m.header_row, wanted=wanted)
    result = transform(raw.frame, raw.row_numbers, m, std, today=today)
    n = len(raw.frame)
    problems = result.problems
    variables: dict[str, Any] = {}
    for var in m.variables:
        filled = int(result.table[var].notna().sum()) if var in result.table.columns else 0
        mine = problems[problems["variable"].astype(str).str.split(", ").apply(lambda vs, v=var: v in vs)] \
            if len(problems) else problems
        unmapped = (mine.groupby(["value", "reason"]).size().sort_values(ascending=False).head(20)
                    if len(mine) else pd.Series(dtype="int64"))
        variables[var] = {
            "column": result.columns_used.get(var, "(constant)" if m.variables[var].transform == "constant" else None),
            "filled": filled, "share": round(filled / n, 4) if n else 0.0,
            "unmapped": [{"value": v, "reason": r, "count": int(c)} for (v, r), c in unmapped.items()],
        }
    return {"file": Path(path).name, "mapping": m.name, "table": m.table, "rows": n,
            "accepted": len(result.table), "quarantined": len(result.quarantine),
            "quarantine_reasons": result.quarantine["reasons"].value_counts().head(10).to_dict()
            if len(result.quarantine) else {},
            "variables": variables, "columns_missing": result.columns_missing,
            "columns_unmapped": result.columns_unmapped, "unrecognized": result.unrecognized,
            "notes": [*raw.notes, *result.notes], "sheets": raw.sheets}
