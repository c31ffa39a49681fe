"""`transform: value` (the default for categorical variables): a cell matched to a code by code, label, or a
`values:` synonym."""

from __future__ import annotations

from typing import Any, Literal

from cthub.ingest.parsers import CodeMatcher
from cthub.ingest.transforms.base import Context, Parser, Rule


class ValueRule(Rule):
    name = "value"
    transform: Literal["value"] = "value"

    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        return CodeMatcher(list(var.codes), {v.code: v.label for v in var.values}, rule.values)
