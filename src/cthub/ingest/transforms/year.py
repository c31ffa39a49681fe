"""`transform: year`: a year from a date or a year, refused outside the standard's range of years."""

from __future__ import annotations

from typing import Any, Literal

from cthub.ingest.parsers import Parsed, parse_year
from cthub.ingest.transforms.base import Context, Parser, Rule


class YearRule(Rule):
    name = "year"
    transform: Literal["year"] = "year"

    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        codes = list(var.codes)

        def _year(v: object) -> Parsed:
            p = parse_year(v, dayfirst=rule.dayfirst, today=ctx.today)
            if p.ok and p.value is not None and codes and p.value not in codes:
                return Parsed(None, f"year {p.value} is outside the standard's range {codes[0]}-{codes[-1]}")
            return p

        return _year

    @classmethod
    def known_names(cls, rule: Rule, var: Any) -> list[str]:
        return []
