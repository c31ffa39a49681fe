"""Plain-text descriptions of variables shared by the codebook, dictionary and datapackage renderers.

One wording for each fact, so the three documents never disagree.
"""

from __future__ import annotations

from cthub.standard.base import TOP
from cthub.standard.model import Hierarchy, Standard, Variable

TYPE_TEXT = {
    "categorical": "categorical (one code per cell)",
    "boolean": 'boolean ("1" yes, "0" no)',
    "year": "year (four digits)",
    "country": "country (ISO 3166-1 alpha-2 code)",
    "multi": "multi-valued (sorted codes joined by the separator)",
}
ROLE_TEXT = {
    "quasi_identifier": "quasi-identifier",
    "sensitive": "sensitive",
    "plain": "plain",
}
ROLE_HELP = {
    "quasi_identifier": (
        "Could help identify a person when combined with outside knowledge (demographics, place, time); "
        "generalized or suppressed until every combination is shared by at least k people."
    ),
    "sensitive": "Describes what happened to the person; protected, never used to single anyone out.",
    "plain": "Neither identifying nor sensitive on its own.",
}
INLINE_LIMIT = 40  # code lists longer than this are shown once, in an appendix


def type_text(var: Variable) -> str:
    text = TYPE_TEXT[var.type]
    if var.type == "multi":
        text += f", separator {var.separator!r}"
    return text


def is_long(var: Variable) -> bool:
    """Whether the variable's codes go to an appendix instead of being listed with the variable."""
    return len(var.values_) > INLINE_LIMIT


def values_text(var: Variable) -> str:
    """All codes with their labels on one line (or a pointer to the code list when it is long)."""
    if var.type == "year":
        codes = var.codes
        return f"years {codes[0]} to {codes[-1]}"
    if is_long(var):
        return f"code list '{var.codelist}' ({len(var.values_)} codes, see the code lists)"
    return "; ".join(v.code if v.label == v.code else f"{v.code} = {v.label}" for v in var.values_)


def hierarchy_text(hierarchy: Hierarchy | None) -> str:
    if hierarchy is None:
        return ""
    return " > ".join([*hierarchy.labels, TOP])


def hierarchy_steps(hierarchy: Hierarchy) -> list[list[str]]:
    """Rows of the full generalization ladder: [original, level 1, ..., "*"] for every original code."""
    rows = []
    for code in hierarchy.level_values[0]:
        rows.append([hierarchy.generalize(code, level) for level in range(hierarchy.depth)])
    return rows


def long_codelists(std: Standard) -> dict[str, list[tuple[str, str]]]:
    """Code lists shown in an appendix (name -> [(code, label)]), in the order variables first use them."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table in std.tables_.values():
        for var in table.variables_:
            if is_long(var) and var.codelist and var.codelist not in out:
                out[var.codelist] = [(v.code, v.label) for v in var.values_]
    return out


def used_hierarchies(std: Standard) -> dict[str, Hierarchy]:
    """Hierarchies used by any variable, by name, with the variables that use them resolved."""
    out: dict[str, Hierarchy] = {}
    for table in std.tables_.values():
        for var in table.variables_:
            if var.hierarchy is not None and var.hierarchy.name not in out:
                out[var.hierarchy.name] = var.hierarchy
    return out
