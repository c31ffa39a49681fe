"""`constant: VALUE` (or `transform: constant`): the same code in every row, read from no column (e.g. the
contributor's data source)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import model_validator

from cthub.ingest.transforms.base import Context, Rule


class ConstantRule(Rule):
    name = "constant"
    needs_source: ClassVar[bool] = False
    transform: Literal["constant"] = "constant"

    @model_validator(mode="before")
    @classmethod
    def _constant_wins(cls, v: object) -> object:
        # `constant:` makes the rule a constant whatever `transform:` says, as it always has
        if isinstance(v, dict) and v.get("constant") is not None:
            return {**v, "transform": "constant"}
        return v

    @model_validator(mode="after")
    def _needs_constant(self) -> ConstantRule:
        if self.constant is None:
            raise ValueError("transform constant needs `constant: VALUE`")
        return self

    @classmethod
    def cells(cls, rule: Rule, raw: pd.DataFrame, src: str, var: Any, ctx: Context) -> tuple[pd.Series, pd.Series]:
        return (pd.Series(rule.constant, index=raw.index, dtype="string"),
                pd.Series(pd.NA, index=raw.index, dtype="object"))
