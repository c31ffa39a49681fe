"""Counting codes: small integers for histograms over column tuples, with 0 meaning missing.

Counting every combination of up to L attribute values is a histogram over column tuples; histograms need integer
codes. Code 0 is missing (`MISSING_FIRST`) so that slicing `[1:, 1:, ...]` drops every combination with a missing
part, which is what a query for a value would see. Codes are kept in `uint16` so 10 million rows of 30 columns fit
in 600 MB. Used by the aggregates stage and by the DP marginals both it and the aggregate-seeded synthesizer run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cthub.privacy.domain import multi_columns, warn_out_of_domain
from cthub.tables.errors import TableError
from cthub.tables.missing import MISSING_FIRST, as_strings
from cthub.tables.values import canonical_sets, normalize_multi, subset_domain

__all__ = ["MAX_VALUES", "CountCodes", "StreamingEncoder", "check_columns", "encode_frame", "prepare_multi"]

MAX_VALUES = np.iinfo(np.uint16).max - 1


@dataclass
class CountCodes:
    """A table as counting codes: `codes[:, j]` holds 0 for missing, i + 1 for `values[j][i]`."""

    columns: list[str]
    values: list[list[str]]
    codes: np.ndarray  # (n, len(columns)) uint16

    @property
    def cards(self) -> list[int]:
        """Number of values per column (missing not included)."""
        return [len(v) for v in self.values]


def check_columns(df: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    """The columns to use, in table order when not given; unknown names are an error that lists the known."""
    if columns is None:
        return [str(c) for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TableError(
            f"column(s) {', '.join(map(repr, missing))} not in the table; it has: {', '.join(map(str, df.columns))}"
        )
    if len(set(columns)) != len(columns):
        raise TableError("a column is listed twice in columns=; list each once")
    return list(columns)


class StreamingEncoder:
    """Codes for chunk after chunk: values seen for the first time get the next code, so codes stay stable.

    Columns with a public `domain` keep exactly that list (other values become missing, since publishing them would
    reveal something the domain did not announce; the operator is warned once per column, by name only).
    """

    def __init__(self, columns: Sequence[str], domain: dict[str, list[str]] | None = None) -> None:
        self.columns = list(columns)
        self.domain = {c: [str(v) for v in domain[c]] for c in self.columns if domain and c in domain}
        self.values: list[list[str]] = [list(self.domain.get(c, [])) for c in self.columns]
        self._index: list[dict[str, int]] = [{v: i + 1 for i, v in enumerate(vals)} for vals in self.values]
        self._warned: set[str] = set()

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        """The chunk's (n, d) uint16 codes; new values of a column without a public domain get the next codes."""
        codes = np.full((len(df), len(self.columns)), MISSING_FIRST, dtype=np.uint16)
        for j, col in enumerate(self.columns):
            s = as_strings(df[col])
            inverse, uniq = pd.factorize(s, use_na_sentinel=True)
            index = self._index[j]
            fixed = col in self.domain
            table = np.full(len(uniq) + 1, MISSING_FIRST, dtype=np.uint16)  # last slot: the NA sentinel (-1)
            for i, value in enumerate(uniq):
                code = index.get(value)
                if code is None and not fixed:
                    if len(self.values[j]) >= MAX_VALUES:
                        raise TableError(f"column {col!r} has more than {MAX_VALUES} values; leave it out")
                    self.values[j].append(str(value))
                    code = index[str(value)] = len(self.values[j])
                table[i] = code or MISSING_FIRST
                if code is None and col not in self._warned:
                    self._warned.add(col)
                    warn_out_of_domain(col)
            codes[:, j] = table[inverse]
        return codes

    def encoded(self, codes: np.ndarray) -> CountCodes:
        """The codes of every chunk (concatenated) with the values they stand for."""
        return CountCodes(self.columns, [list(v) for v in self.values], codes)


def encode_frame(
    df: pd.DataFrame, columns: Sequence[str] | None = None, domain: dict[str, list[str]] | None = None
) -> CountCodes:
    """Encode a whole table (values in order of first appearance unless a domain fixes them)."""
    cols = check_columns(df, columns)
    enc = StreamingEncoder(cols, domain)
    return enc.encoded(enc.encode(df))


def prepare_multi(
    df: pd.DataFrame,
    columns: Sequence[str],
    domain: dict[str, list[str]] | None,
    multi_value: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, str]]:
    """Multi-valued cells ("Female;Male") as canonical sets, and a public atom list expanded to those sets.

    A column is multi-valued if the schema says so (`domain.multi`, from `domain_from_standard`) or it is listed in
    `multi_value` (column -> separator); never because a cell holds ";": one record could then turn a column into
    sets and create a category. Returns the table (only `columns`), the domain to encode with, and the multi-valued
    columns used.
    """
    frame = df[list(columns)].copy()
    for col in multi_value or {}:
        if col not in frame.columns:
            raise TableError(f"multi-valued column {col!r} is not in the table (or not among the columns used)")
    multi = {c: sep for c, sep in multi_columns(domain, multi_value).items() if c in frame.columns}
    dom = {c: [str(v) for v in vals] for c, vals in (domain or {}).items() if c in frame.columns}
    for col, sep in multi.items():
        atoms = dom.get(col)
        if atoms is not None and any(sep in v for v in atoms):  # the domain lists sets already
            atoms = None
            dom[col] = canonical_sets(dom[col], sep)
        frame[col] = normalize_multi(frame[col].astype("string"), sep, atoms)
        if atoms is not None:
            dom[col] = subset_domain(atoms, sep)
    return frame, dom, multi
