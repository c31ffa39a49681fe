"""What every mapping rule has (`from`, `values`, `required`, ...) and what every transform does with it.

A transform is a `Rule` subclass in its own module: its `transform:` name, any checks of its own, and how it turns a
source column into standard codes (`parser` for one value, or `cells` for a whole column). The registry in
`cthub.ingest.transforms` lists them; `cthub.ingest.transform` (the column-wise importer) calls them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cthub.ingest.parsers import Parsed, by_unique, fold

Parser = Callable[[object], Parsed]


def fold_header(name: object) -> str:
    """Column names match after dropping group paths (XLSForm 'group/field'), case, spaces and punctuation."""
    import re

    text = str(name).strip().rsplit("/", 1)[-1]
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def resolve_column(columns: list[str], wanted: list[str]) -> str | None:
    """The first wanted column present in the file (names compared after folding)."""
    by_fold: dict[str, str] = {}
    for c in columns:
        by_fold.setdefault(fold_header(c), c)
    for w in wanted:
        if w in columns:
            return w
        hit = by_fold.get(fold_header(w))
        if hit is not None:
            return hit
    return None


@dataclass
class Context:
    """What a transform may read besides its rule, the variable and the cells: the file's columns, the import and
    reference dates, each flag column's vocabulary, and a cache shared by rules reading the same column."""

    columns: list[str]
    today: date
    fallback: date  # the date ages are computed at when a row has none of its own
    vocabularies: dict[str, frozenset[str]] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)


class Rule(BaseModel):
    """How one standard variable is made. `from` lists source columns (first one present wins).

    This class itself is the rule without a `transform:`: the variable's type decides (`DEFAULT_BY_TYPE`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: ClassVar[str] = "auto"
    accepts_dob: ClassVar[bool] = False  # `input: dob` makes sense (an age from a date of birth)
    needs_source: ClassVar[bool] = True

    source: list[str] = Field(default_factory=list, alias="from")
    transform: str | None = None  # None: from the standard variable's type
    values: dict[str, str] = Field(default_factory=dict)  # raw value -> code; "" means missing
    match: list[str] = Field(default_factory=list)  # flag: tokens meaning "yes"
    # flag: tokens meaning "no" besides the other flags' `match` tokens of the same column; any other token makes
    # the cell missing (and is reported), since unknown text is not evidence of "no"
    no: list[str] = Field(default_factory=list)
    separator: str | None = None  # multi/flag: None = , ; | or newline; "any" also splits on spaces
    input: Literal["age", "dob"] = "age"  # age_band/majority: an age in years or a date of birth
    reference: list[str] = Field(default_factory=list)  # dob: columns holding the reference date (else import date)
    dayfirst: bool = True  # 03/05/2019 is 3 May
    constant: str | None = None
    required: bool = False  # the file must have one of the `from` columns

    @model_validator(mode="before")
    @classmethod
    def _yaml_no(cls, v: object) -> object:
        # YAML 1.1 reads a bare `no:` key as false; the flag's `no:` list is meant
        if isinstance(v, dict) and False in v:
            v = {("no" if k is False else k): val for k, val in v.items()}
        return v

    @field_validator("source", "reference", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("values", mode="before")
    @classmethod
    def _stringify(cls, v: object) -> object:
        if isinstance(v, dict):
            return {str(k): ("" if val is None else str(val)) for k, val in v.items()}
        return v

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.needs_source and not self.source:
            raise ValueError("give the source column(s) with `from:` (or a `constant:`)")
        if self.input == "dob" and not self.accepts_dob:
            raise ValueError("`input: dob` only works with transform age_band or majority")
        return self

    @property
    def echo(self) -> bool:
        """Whether a bad raw value may be quoted in a report; never for a date of birth (a direct identifier)."""
        return self.input != "dob"

    @property
    def separator_pattern(self) -> str | None:
        """The separator as a regex when `any` (commas, semicolons, bars or spaces), else as written."""
        return r"[,;|\s]+" if self.separator == "any" else self.separator

    # -- what a transform does; the classes in this package override these ------------------------------------
    @classmethod
    def parser(cls, rule: Rule, var: Any, ctx: Context, src: str) -> Parser:
        """The one-value parser of `rule` for the standard variable `var`."""
        raise ValueError(f"no one-value parser for transform {cls.name}")

    @classmethod
    def cells(cls, rule: Rule, raw: pd.DataFrame, src: str, var: Any, ctx: Context) -> tuple[pd.Series, pd.Series]:
        """Codes and reasons (None where the cell is fine) for the column `src`, parsing each distinct value once."""
        return by_unique(raw[src], cls.parser(rule, var, ctx, src))

    @classmethod
    def known_names(cls, rule: Rule, var: Any) -> list[str]:
        """Codes, labels and synonyms a bad value may be a misspelling of (a report may quote a close one)."""
        names = [*var.codes, *(v.label for v in var.values), *rule.values]
        if var.type == "country":
            from cthub.ingest.parsers import _country_tables

            names += list(_country_tables()[2])
        return names

    @classmethod
    def unrecognized(cls, rule: Rule, raw: pd.DataFrame, src: str, reasons: pd.Series) -> pd.Series | None:
        """Raw cells the rule could not read as anything it declares, to list for the contributor (flags only)."""
        return None


def folded(tokens: list[str]) -> frozenset[str]:
    return frozenset(fold(t) for t in tokens)
