"""Labels and variable facts for the pages, from the standard (`cthub.standard`).

The standard is the one source of truth for labels; when a release carries a column the packaged standard does not
know (an older or newer standard version), the page still renders with a readable name made from the column name
rather than failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pycountry

MULTI_JOINER = "|"  # cthub.aggregates.selections.MULTI_JOINER (not imported: the web does not load the stage)


@dataclass
class VariableInfo:
    """What the pages need to know about one column."""

    name: str
    label: str
    type: str = "categorical"
    definition: str = ""
    codes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    explore: bool = False

    separator: str = ";"

    def label_of(self, code: str) -> str:
        if code in self.labels:
            return self.labels[code]
        if self.type == "multi" and (self.separator in code or MULTI_JOINER in code):
            # a multi-valued cell: "A;B" in microdata, "A|B" in an aggregate's selection (";" separates attributes
            # there). Each value by its label, joined by one separator the labels themselves never contain.
            parts = code.replace(MULTI_JOINER, self.separator).split(self.separator)
            return " + ".join(self.label_of(part) for part in parts if part)
        if self.type == "country":
            return country_name(code)
        if self.type == "boolean":
            return {"1": "Yes", "0": "No"}.get(code, code)
        return code

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "definition": self.definition,
            "codes": self.codes,
            "labels": self.labels,
        }


def humanize(name: str) -> str:
    """`meansOfControlDebtBondage` -> `Means of control debt bondage` (only when the standard has no label)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|_", " ", name).split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """ISO alpha-2 -> common name via pycountry; unknown codes are shown as they are."""
    c = pycountry.countries.get(alpha_2=code) if code and len(code) == 2 else None
    if c is None:
        return code
    return getattr(c, "common_name", None) or c.name


def load_standard_or_none() -> Any:
    """The packaged standard, or None while it cannot be loaded (the pages then fall back to column names)."""
    try:
        from cthub.standard import load_standard
    except ImportError:
        return None
    try:
        return load_standard()
    except Exception:  # a broken standard must not take the public site down; the codebook page says so
        return None


def table_variables(table: str, columns: list[str]) -> dict[str, VariableInfo]:
    """Info for each column of `table`, from the standard when it knows the column."""
    std = load_standard_or_none()
    std_table = None
    if std is not None:
        try:
            std_table = std.table(table)
        except Exception:
            std_table = None
    out: dict[str, VariableInfo] = {}
    for name in columns:
        var = None
        if std_table is not None:
            try:
                var = std_table.variable(name)
            except Exception:
                var = None
        if var is None:
            guessed = "country" if re.search(r"citizen|country", name, re.I) else "categorical"
            out[name] = VariableInfo(name=name, label=humanize(name), type=guessed)
        else:
            out[name] = VariableInfo(
                name=name,
                label=var.label,
                type=var.type,
                definition=var.definition,
                codes=list(var.codes),
                labels=dict(var.labels),
                explore=bool(getattr(var, "explore", False)),
                separator=getattr(var, "separator", None) or ";",
            )
    return out
