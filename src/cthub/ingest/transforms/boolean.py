"""`transform: boolean`: yes/no cells (1/0, true/false, ...) to "1"/"0"; `values:` adds synonyms."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from cthub.ingest.parsers import parse_boolean
from cthub.ingest.transforms.base import Context, Parser, Rule


class BooleanRule(Rule):
    name = "boolean"
    transform: Literal["boolean"] = "boolean"

    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        return partial(parse_boolean, synonyms=rule.values or None)

    @classmethod
    def known_names(cls, rule: Rule, var: Any) -> list[str]:
        return []
