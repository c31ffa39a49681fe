"""What the two age transforms share: whole ages (as "lo-hi" ranges) from an age column or from a date of birth
and a reference date, computed once per column and reused by both, then mapped through the distinct ranges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd

from cthub.ingest.parsers import Parsed, age_from_dob, by_unique, parse_age_range
from cthub.ingest.transforms.base import Context, Rule, resolve_column


class AgeRule(Rule):
    """A rule whose codes come from an age (`input: age`) or a date of birth (`input: dob`)."""

    accepts_dob: ClassVar[bool] = True
    @staticmethod
    def code_of(lo: int, hi: int) -> str | None:
        """The code of an age range (None when the range straddles two codes)."""
        raise NotImplementedError

    @classmethod
    def cells(cls, rule: Rule, raw: pd.DataFrame, src: str, var: Any, ctx: Context) -> tuple[pd.Series, pd.Series]:
        values, reasons = ages(raw, src, rule, ctx)
        return _map_small(values, cls.code_of), reasons

    @classmethod
    def known_names(cls, rule: Rule, var: Any) -> list[str]:
        return []


def _map_small(values: pd.Series, fn: Callable[[int, int], str | None]) -> pd.Series:
    """Age range 'lo-hi' -> code (None when the range straddles), through the distinct ranges."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = []
    for u in uniques:
        lo, hi = (int(x) for x in str(u).split("-"))
        out.append(fn(lo, hi))
    out.append(None)
    return pd.Series(pd.array(out, dtype="string")[codes], index=values.index, dtype="string")


def ages(raw: pd.DataFrame, src: str, rule: Rule, ctx: Context) -> tuple[pd.Series, pd.Series]:
    """Whole ages (as strings) and reasons, from an age column or from a date of birth and a reference date."""
    ref_cols = tuple(c for c in (resolve_column(ctx.columns, [r]) for r in rule.reference) if c is not None)
    key = ("age", src, rule.input, ref_cols)
    if key in ctx.cache:
        return ctx.cache[key]
    if rule.input == "age":
        def _range(v: object) -> Parsed:
            found, reason = parse_age_range(v)
            return Parsed(f"{found[0]}-{found[1]}") if found else Parsed(None, reason)

        result = by_unique(raw[src], _range)
    else:
        reference = pd.Series(pd.NA, index=raw.index, dtype="string")
        for c in ref_cols:
            ref = raw[c].astype("string").str.strip()
            reference = reference.fillna(ref.where(ref != ""))
        reference = reference.fillna(ctx.fallback.isoformat())  # no reference date in the row
        keys = raw[src].astype("string").fillna("") + "\x1f" + reference

        def _parse(key: object) -> Parsed:
            dob, ref = str(key).split("\x1f", 1)
            p = age_from_dob(dob, ref, dayfirst=rule.dayfirst, today=ctx.today)
            return Parsed(f"{p.value}-{p.value}") if p.value is not None else p

        result = by_unique(keys, _parse)
    ctx.cache[key] = result
    return result
