"""`transform: multi` (the default for multi-valued variables): a list of values in one cell, each matched to a
code, joined with the standard's separator."""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Literal

from cthub.ingest.parsers import CodeMatcher, parse_multi
from cthub.ingest.transforms.base import Context, Parser, Rule


class MultiRule(Rule):
    name = "multi"
    transform: Literal["multi"] = "multi"

    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        matcher = CodeMatcher(list(var.codes), {v.code: v.label for v in var.values}, rule.values)
        if rule.separator == "any":
            return lambda v: parse_multi(re.sub(r"[,;|\s]+", ";", str(v)), matcher, ";")
        return partial(parse_multi, matcher=matcher, separator=rule.separator_pattern,
                       joiner=getattr(var, "separator", None) or ";")
