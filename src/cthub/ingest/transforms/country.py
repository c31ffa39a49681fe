"""`transform: country`: names, ISO 3166 alpha-2 or alpha-3 codes to alpha-2; `values:` overrides a name."""

from __future__ import annotations

from typing import Any, Literal

from cthub.ingest.parsers import Parsed, parse_country
from cthub.ingest.transforms.base import Context, Parser, Rule


class CountryRule(Rule):
    name = "country"
    transform: Literal["country"] = "country"

    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        codes = list(var.codes)

        def _country(v: object) -> Parsed:
            key = str(v).strip().casefold()
            for raw, code in rule.values.items():
                if raw.strip().casefold() == key:
                    return Parsed(code or None)
            return parse_country(v, allowed=codes or None)

        return _country

    @classmethod
    def known_names(cls, rule: Rule, var: Any) -> list[str]:
        from cthub.ingest.parsers import _country_tables

        names = [*var.codes, *(v.label for v in var.values), *rule.values]
        return names + list(_country_tables()[2])
