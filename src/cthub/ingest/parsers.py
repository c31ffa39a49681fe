"""Value parsers: one raw cell in, a standard code (or a reason it cannot be one) out.

They are pure functions of one value so hypothesis can fuzz them, and `by_unique` applies them to a column once per
distinct value, which is what keeps a million-row import fast (contributor columns have few distinct values).
A parser never raises on bad input: it returns `Parsed(None, reason)` so one bad cell costs one cell, not the row.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

MAX_AGE = 120
MIN_YEAR = 1900
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 8, "0--8"),
    (9, 17, "9--17"),
    (18, 20, "18--20"),
    (21, 23, "21--23"),
    (24, 26, "24--26"),
    (27, 29, "27--29"),
    (30, 38, "30--38"),
    (39, 47, "39--47"),
    (48, None, "48+"),
)
TRUE_WORDS = frozenset({"1", "yes", "y", "true", "t", "x", "si", "sí", "oui", "checked", "selected"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "f", "non", "unchecked"})
MISSING_WORDS = frozenset({"", "-99", "-9", "na", "n/a", "null", "none", "unknown", "not known", "nan", ".", "-", "?"})


@dataclass(frozen=True)
class Parsed:
    """A parser's answer: `value` is the standard code (None when missing or invalid); `reason` says why invalid."""

    value: str | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


MISSING = Parsed(None)


def fold(value: object) -> str:
    """Case, accent, punctuation and whitespace folding, so 'Forced  Labour ', 'forced-labour' and 'FORCED_LABOUR' meet."""
    return _fold(str(value))


@functools.lru_cache(maxsize=1 << 16)
def _fold(value: str) -> str:
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[\s_\-./,;:'\"()]+", " ", text)
    return text.strip()


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        if pd.isna(value):  # pd.NA, NaT
            return True
    except (TypeError, ValueError):
        pass
    return str(value).strip().casefold() in MISSING_WORDS


def closest(value: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate most like `value` (difflib), for 'did you mean' hints; None if nothing is close."""
    folded = {fold(c): c for c in candidates}
    hit = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=cutoff)
    return folded[hit[0]] if hit else None


# -- numbers and ages ------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:y|yr|yrs|years?|ans|anos|años)?\.?\s*(?:old)?\s*$", re.I)


def parse_age(value: object) -> Parsed:
    """An age in whole years, 0 to 120; '25', '25.0', '25 years' are fine, '-3' and '140' are not."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return Parsed(None, "not an age (a true/false value)")
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = _NUMBER.match(str(value))
        if not match:
            return Parsed(None, "not an age in years (expected a number such as 27)")
        number = float(match.group(1).replace(",", "."))
    if math.isnan(number) or math.isinf(number):
        return Parsed(None, "not an age in years (expected a number such as 27)")
    shown = f"age {number:g}" if abs(number) < 10_000 else "a long number"  # never quote a phone or ID number
    if number < 0:
        return Parsed(None, f"{shown} is negative; expected 0 to {MAX_AGE}")
    if number > MAX_AGE:
        return Parsed(None, f"{shown} is over {MAX_AGE}; check the column holds ages in years")
    return Parsed(str(int(number)))


_RANGE = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|to|--)\s*(\d{1,3})\s*(?:y|yrs|years)?\s*$", re.I)
_PLUS = re.compile(r"^\s*(\d{1,3})\s*\+\s*$|^\s*(?:over|above)\s+(\d{1,3})\s*$", re.I)
_UNDER = re.compile(r"^\s*(?:under|below|less than)\s+(\d{1,3})\s*$", re.I)
_MAJORITY_WORDS = {"minor": (0, 17), "child": (0, 17), "adult": (18, MAX_AGE)}


def parse_age_range(value: object) -> tuple[tuple[int, int] | None, str | None]:
    """An age or an age range as (youngest, oldest): '23', '18-24', '50+', 'Under 12', 'Minor', 'Adult'.

    Hotlines often record ranges that do not line up with CTDC's bands; keeping the range lets each derived
    variable use what it can (a range inside one band gives the band; '12-17' gives Minor even though it spans two
    bands). Returns (range, None), (None, reason) or (None, None) for missing.
    """
    if is_missing(value):
        return None, None
    text = str(value).strip()
    if m := _RANGE.match(text):
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            return None, f"age range {lo}-{hi} runs backwards"
        if hi > MAX_AGE:
            return None, f"age range {lo}-{hi} goes over {MAX_AGE}"
        return (lo, hi), None
    if m := _PLUS.match(text):
        lo = int(m.group(1) or m.group(2))
        return ((lo, MAX_AGE), None) if lo <= MAX_AGE else (None, f"age {lo}+ is over {MAX_AGE}")
    if m := _UNDER.match(text):
        hi = int(m.group(1)) - 1
        return ((0, hi), None) if 0 <= hi <= MAX_AGE else (None, "age range out of bounds")
    word = _MAJORITY_WORDS.get(fold(text))
    if word:
        return word, None
    p = parse_age(value)
    if p.value is None:
        return None, p.reason
    return (int(p.value), int(p.value)), None


def band_of_range(lo: int, hi: int) -> str | None:
    """The CTDC band holding the whole range, or None when it straddles two."""
    a, b = age_band(lo), age_band(hi)
    return a if a == b else None


def majority_of_range(lo: int, hi: int) -> str | None:
    if hi < 18:
        return "Minor"
    if lo >= 18:
        return "Adult"
    return None


def age_band(age: int) -> str:
    """CTDC's broad age band of a whole age (0--8, 9--17, ..., 48+)."""
    for low, high, code in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return code
    raise ValueError(f"negative age {age}")


def majority(age: int) -> str:
    return "Minor" if age < 18 else "Adult"


# -- dates and years -------------------------------------------------------------------------------------------
_EXCEL_EPOCH = date(1899, 12, 30)
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?\s*$")
_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[T ].*)?\s*$")
_YMD_SLASH = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*$")
_SERIAL = re.compile(r"^\s*(\d{5})(?:\.\d+)?\s*$")


def _today() -> date:
    return date.today()


def parse_date(value: object, dayfirst: bool = True, today: date | None = None) -> tuple[date | None, str | None]:
    """A calendar date from ISO, day/month/year (or month/day/year), Excel serial numbers or datetime cells.

    Returns (date, None) or (None, reason). Dates after `today` or before 1900 are refused: they are typos.
    """
    today = today or _today()
    if is_missing(value):
        return None, None
    found: date | None = None
    try:
        if isinstance(value, datetime):
            found = value.date()
        elif isinstance(value, date):
            found = value
        else:
            text = str(value)
            if m := _ISO.match(text) or _YMD_SLASH.match(text):
                found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            elif m := _DMY.match(text):
                a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
                day, month = (a, b) if dayfirst else (b, a)
                if month > 12 and day <= 12:  # unambiguous the other way round
                    day, month = month, day
                found = date(y, month, day)
            elif m := _SERIAL.match(text):
                found = _EXCEL_EPOCH + timedelta(days=int(m.group(1)))
            else:
                return None, "not a date (expected YYYY-MM-DD or DD/MM/YYYY)"
    except (ValueError, OverflowError):
        return None, "not a valid calendar date"
    if found.year < MIN_YEAR:
        return None, f"date is before {MIN_YEAR}"
    if found > today:
        return None, "date is in the future"
    return found, None


def parse_year(value: object, dayfirst: bool = True, today: date | None = None) -> Parsed:
    """The year of a date, or a bare year such as 2019 (not in the future, not before 1900)."""
    if is_missing(value):
        return MISSING
    today = today or _today()
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(float(value)):
        if float(value).is_integer() and MIN_YEAR <= value <= today.year:
            return Parsed(str(int(value)))
    if m := _YEAR.match(str(value)):
        year = int(m.group(1))
        if year < MIN_YEAR:
            return Parsed(None, f"year {year} is before {MIN_YEAR}")
        if year > today.year:
            return Parsed(None, f"year {year} is in the future")
        return Parsed(str(year))
    found, reason = parse_date(value, dayfirst=dayfirst, today=today)
    if found is None:
        return Parsed(None, reason)
    return Parsed(str(found.year))


def age_from_dob(dob: object, reference: object, dayfirst: bool = True, today: date | None = None) -> Parsed:
    """Whole years between a date of birth and a reference date (the registration date, or the import date)."""
    born, reason = parse_date(dob, dayfirst=dayfirst, today=today)
    if born is None:
        return Parsed(None, f"date of birth: {reason}") if reason else MISSING
    ref, ref_reason = parse_date(reference, dayfirst=dayfirst, today=today) if not isinstance(reference, date) else (
        reference, None)
    if ref is None:
        return Parsed(None, f"reference date: {ref_reason}") if ref_reason else MISSING
    years = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
    if years < 0:
        return Parsed(None, "date of birth is after the reference date")
    if years > MAX_AGE:
        return Parsed(None, f"date of birth gives an age over {MAX_AGE}")
    return Parsed(str(years))


# -- booleans, categories, flags -------------------------------------------------------------------------------
def parse_boolean(value: object, synonyms: Mapping[str, str] | None = None) -> Parsed:
    """'1'/'0' from yes/no, true/false, x, checked, 1/0 (and any mapping synonyms)."""
    if synonyms:
        hit = {fold(k): v for k, v in synonyms.items()}.get(fold(value)) if not is_missing(value) else None
        if hit is not None:
            return parse_boolean(hit)
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return Parsed("1" if value else "0")
    text = fold(value)
    if text in {"1 0", "1"} or text in TRUE_WORDS:
        return Parsed("1")
    if text in {"0 0", "0"} or text in FALSE_WORDS:
        return Parsed("0")
    return Parsed(None, "not a yes/no value (expected yes, no, 1 or 0)")


class CodeMatcher:
    """Maps raw values to a categorical variable's codes: exact code, code or label after folding, or a synonym."""

    def __init__(self, codes: Iterable[str], labels: Mapping[str, str] | None = None,
                 synonyms: Mapping[str, str] | None = None) -> None:
        self.codes = list(codes)
        table: dict[str, str] = {}
        for code in self.codes:
            table[fold(code)] = code
        for code, label in (labels or {}).items():
            table.setdefault(fold(label), code)
        for raw, code in (synonyms or {}).items():
            table[fold(raw)] = code
        self._table = table

    def __call__(self, value: object) -> Parsed:
        if is_missing(value):
            return MISSING
        hit = self._table.get(fold(value))
        if hit is not None:
            return Parsed(hit) if hit != "" else MISSING
        hint = closest(str(value), self.codes, cutoff=0.6)
        allowed = ", ".join(self.codes[:12]) + (", ..." if len(self.codes) > 12 else "")
        suffix = f"; did you mean {hint!r}?" if hint else f"; expected one of {allowed}"
        return Parsed(None, "not a known value" + suffix + " (add a synonym under `values:` in the mapping)")


def split_multi(value: object, separator: str | None) -> list[str]:
    """The tokens of a multi-select cell; separator None splits on any of , ; | / newline (and spaces for XLSForm)."""
    if is_missing(value):
        return []
    text = str(value)
    pattern = re.escape(separator) if separator else r"[,;|\n]+"
    return [t.strip() for t in re.split(pattern, text) if t.strip()]


UNRECOGNIZED_FLAG = ("text that is in neither `match:` nor `no:` of this column's flags; add it to one of the lists "
                     "(the cell is left missing, not 0)")


def parse_flag(value: object, match: Iterable[str], separator: str | None = None,
               known: Iterable[str] | None = None) -> Parsed:
    """'1' when any token of a multi-select cell is one of `match` (folded), '0' when the cell has other tokens.
    (A frozenset `match` or `known` is taken as already folded.)

    With `known` (the column's vocabulary: every flag's `match` tokens of that column and the declared `no:`
    tokens), '0' needs every token to be known: text nobody declared ('Criminal exploitation', '??') is not
    evidence of "no", so the cell is missing with a reason. `match` is checked before the missing markers, so a
    flag for "relationship unknown" can match "Unknown"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    text = str(value)
    pattern = re.escape(separator) if separator else r"[,;|\n]+"
    tokens = [t.strip() for t in re.split(pattern, text) if t.strip()]
    if not tokens:
        return MISSING
    wanted = match if isinstance(match, frozenset) else frozenset(fold(m) for m in match)
    if any(fold(t) in wanted for t in tokens):
        return Parsed("1")
    if all(is_missing(t) for t in tokens):
        return MISSING
    if known is not None:
        vocabulary = known if isinstance(known, frozenset) else frozenset(fold(k) for k in known)
        unknown = [t for t in tokens if fold(t) not in vocabulary and fold(t) not in wanted and not is_missing(t)]
        if unknown:
            return Parsed(None, UNRECOGNIZED_FLAG)
    return Parsed("0")


def parse_multi(value: object, matcher: CodeMatcher, separator: str | None = None, joiner: str = ";") -> Parsed:
    """A multi-valued cell as the standard writes it: codes sorted and joined with ';' ('Female;Male')."""
    tokens = split_multi(value, separator)
    if not tokens:
        return MISSING
    codes: set[str] = set()
    for token in tokens:
        p = matcher(token)
        if not p.ok:
            return Parsed(None, f"item {len(codes) + 1}: {p.reason}")
        if p.value is not None:
            codes.add(p.value)
    return Parsed(joiner.join(sorted(codes))) if codes else MISSING


# -- countries -------------------------------------------------------------------------------------------------
@functools.cache
def _country_tables() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]], dict[str, str]]:
    """Exact lookups (ISO2/ISO3/numeric/names, folded), country_converter's regexes, and names for hints."""
    import country_converter
    import pycountry

    exact: dict[str, str] = {}
    names: dict[str, str] = {}
    for c in pycountry.countries:
        code = c.alpha_2
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if v:
                exact.setdefault(fold(v), code)
                if attr not in ("alpha_2", "alpha_3"):
                    names[v] = code
        exact.setdefault(str(int(c.numeric)), code)
    exact.setdefault("xk", "XK")
    exact.setdefault("xkx", "XK")
    exact.setdefault("kosovo", "XK")
    names["Kosovo"] = "XK"
    # country_converter's own loader breaks on pandas 3 (Namibia's "NA"), so read its table as plain strings
    path = os.path.join(os.path.dirname(country_converter.__file__), "country_data.tsv")
    data = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    regexes: list[tuple[re.Pattern[str], str]] = []
    for _, row in data.iterrows():
        if row.get("obsolete"):
            continue
        codes = re.findall(r"[A-Z]{2}", row["ISO2"] or "")  # the ISO2 column is itself a regex: ^GB$|^UK$
        if not codes:
            continue
        iso2 = codes[0]
        for alias in codes[1:]:
            exact.setdefault(fold(alias), iso2)
        if row.get("ISO3"):
            exact.setdefault(fold(row["ISO3"]), iso2)
        if row["regex"]:
            regexes.append((re.compile(row["regex"], re.I), iso2))
        for col in ("name_short", "name_official"):
            if row.get(col) and iso2:
                exact.setdefault(fold(row[col]), iso2)
                names.setdefault(row[col], iso2)
    return exact, regexes, names


COUNTRY_HINT_CUTOFF = 0.8
COUNTRY_SYNONYM_HOWTO = ("; if it is your file's own spelling, add it under this variable's `values:` in the mapping "
                         "(`SPELLING: ISO2 code`, e.g. `Kosova: XK`)")


def parse_country(value: object, allowed: Iterable[str] | None = None) -> Parsed:
    """ISO 3166-1 alpha-2 from an ISO2/ISO3/numeric code or a name in any common spelling ('Viet Nam', 'UK')."""
    if is_missing(value):
        return MISSING
    exact, regexes, names = _country_tables()
    text = str(value).strip()
    code = exact.get(fold(text))
    if code is None and "@" not in text and len(text) <= 80:
        for rx, iso2 in regexes:
            if rx.search(text):
                code = iso2
                break
    allowed_set = set(allowed) if allowed is not None else None
    if code is not None and (allowed_set is None or code in allowed_set):
        return Parsed(code)
    if code is not None:
        return Parsed(None, f"country code {code} is not in the standard's country list")
    # only close matches: at 0.7 'Narnia' suggested Armenia, which a tired reader might accept
    hint = closest(text, names, cutoff=COUNTRY_HINT_CUTOFF)
    suffix = f"; did you mean {hint} ({names[hint]})?" if hint else "; use a country name or an ISO 3166 code"
    return Parsed(None, "unknown country" + suffix + COUNTRY_SYNONYM_HOWTO)


# -- columns ---------------------------------------------------------------------------------------------------
def by_unique(series: pd.Series, parse: Callable[[object], Parsed]) -> tuple[pd.Series, pd.Series]:
    """Apply a one-value parser to a column once per distinct value; returns (codes, reasons) aligned to `series`."""
    codes, pos = pd.factorize(series, use_na_sentinel=True)
    values: list[str | None] = []
    reasons: list[str | None] = []
    for raw in pos:
        p = parse(raw)
        values.append(p.value)
        reasons.append(p.reason)
    values.append(None)  # for the NA sentinel (-1 indexes the last element)
    reasons.append(None)
    v = pd.array(values, dtype="string")
    r = pd.array(reasons, dtype="string")
    return (
        pd.Series(v[codes], index=series.index, dtype="string"),
        pd.Series(r[codes], index=series.index, dtype="string"),
    )
