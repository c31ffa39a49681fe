"""The cthub data standard: every published table's schema, kept as versioned YAML in `schema/`.

Ingest validation, k-anonymity hierarchies, synthesizer domains, the codebook, the data dictionary,
datapackage.json and the explorer's labels are all generated from it, so it is the one place a variable, code or
label is defined.

    from cthub.standard import load_standard
    std = load_standard()
    std.table("victims").quasi_identifiers
"""

from cthub.standard.base import Problem, StandardError, UnknownNameError
from cthub.standard.loader import load_standard
from cthub.standard.model import Hierarchy, Standard, Table, Value, Variable

__all__ = [
    "Hierarchy",
    "Problem",
    "Standard",
    "StandardError",
    "Table",
    "UnknownNameError",
    "Value",
    "Variable",
    "load_standard",
]

_RENDERERS = {
    "render_codebook": "cthub.standard.codebook",
    "render_dictionary": "cthub.standard.dictionary",
    "render_datapackage": "cthub.standard.datapackage",
}


def __getattr__(name: str) -> object:
    """Renderers load lazily: importing the standard should not pull in Jinja2 and the spreadsheet writers."""
    if name in _RENDERERS:
        import importlib

        return getattr(importlib.import_module(_RENDERERS[name]), name)
    raise AttributeError(f"module 'cthub.standard' has no attribute {name!r}")
