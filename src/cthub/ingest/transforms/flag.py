"""`transform: flag`: "1" when a multi-select cell holds one of the `match:` tokens, "0" when it holds only other
known tokens (this flag's `no:` or another flag's `match:` on the same column), missing for unknown text."""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Literal

import pandas as pd
from pydantic import model_validator

from cthub.ingest.parsers import UNRECOGNIZED_FLAG, Parsed, is_missing, parse_flag
from cthub.ingest.transforms.base import Context, Parser, Rule, folded


class FlagRule(Rule):
    name = "flag"
    transform: Literal["flag"] = "flag"

    @model_validator(mode="after")
    def _needs_match(self) -> FlagRule:
        if not self.match:
            raise ValueError("transform flag needs `match:` (the tokens that mean yes)")
        return self

    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        wanted = folded(rule.match)
        vocabulary = ctx.vocabularies.get(src)
        if rule.separator == "any":
            return lambda v: _flag_any(v, wanted, vocabulary)
        return partial(parse_flag, match=wanted, separator=rule.separator_pattern, known=vocabulary)

    @classmethod
    def known_names(cls, rule: Rule, var: Any) -> list[str]:
        return []

    @classmethod
    def unrecognized(cls, rule: Rule, raw: pd.DataFrame, src: str, reasons: pd.Series) -> pd.Series | None:
        return raw.loc[(reasons == UNRECOGNIZED_FLAG).fillna(False).to_numpy(dtype=bool), src]


def _flag_any(value: object, wanted: frozenset[str], vocabulary: frozenset[str] | None = None) -> Parsed:
    """A flag from codes separated by anything (HTCDS: ';' in the template, spaces in XLSForm exports)."""
    return parse_flag(re.sub(r"[,;|\s]+", ";", str(value)) if not is_missing(value) else None, wanted, ";",
                      known=vocabulary)
