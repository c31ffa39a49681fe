"""CSV cells that spreadsheets will not run as formulas (CSV/formula injection, OWASP).

A cell beginning with `=`, `+`, `-`, `@`, tab or carriage return may be executed by Excel or LibreOffice when a
reader opens the file. We prefix such cells with an apostrophe, which spreadsheets show as text. Values that are
plainly not formulas stay as they are, so published data keeps its meaning: a lone "-", numbers such as "-3" or
"+4.5", and anything not starting with a trigger character (CTDC's age band "48+" is fine). Parquet copies keep the
exact values; only CSV is neutralized.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralize(value: object) -> object:
    """The value, with a leading apostrophe if a spreadsheet could read it as a formula."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] not in TRIGGERS:
        return value
    if value in ("-", "+") or _NUMBER.match(value):
        return value
    return "'" + value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) neutralized; numeric columns are left alone."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            out[col] = s.map(neutralize, na_action="ignore")
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], **kwargs: object) -> Path:
    """Write `df` as UTF-8 CSV with formula-looking cells neutralized and missing values as empty cells."""
    path = Path(path)
    kwargs.setdefault("index", False)
    kwargs.setdefault("na_rep", "")
    kwargs.setdefault("lineterminator", "\n")
    neutralize_frame(df).to_csv(path, encoding="utf-8", **kwargs)
    return path


def restore(value: object) -> object:
    """Undo `neutralize`: drop the apostrophe it added (only before a trigger character)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in TRIGGERS:
        return value[1:]
    return value


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV the hub wrote back into a table: string cells, pd.NA for empty ones, apostrophes undone."""
    df = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    for col in df.columns:
        df[col] = df[col].map(restore, na_action="ignore").astype("string")
    return df.mask(df == "")
