"""Render the codebook (one self-contained HTML page and the same in Markdown) from the standard.

The release stage calls `render_codebook(std, out_dir)`; the web serves the HTML as is. Templates live in
`templates/` so wording and layout change without touching code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from cthub.standard import describe
from cthub.standard.model import Standard, Variable

LADDER_INLINE_LIMIT = 12  # hierarchies with more original codes get an appendix table instead


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cthub.standard", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = _md_cell
    env.filters["anchor"] = _anchor
    return env


def _md_cell(text: Any) -> str:
    """Make text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _anchor(*parts: str) -> str:
    return "-".join(str(p).lower().replace(" ", "-").replace("/", "-").replace("*", "") for p in parts)


def _variable_context(var: Variable) -> dict[str, Any]:
    h = var.hierarchy
    ladder = None
    if h is not None and len(h.levels) > 1 and len(h.level_values[0]) <= LADDER_INLINE_LIMIT:
        ladder = describe.hierarchy_steps(h)
    return {
        "var": var,
        "type_text": describe.type_text(var),
        "role_text": describe.ROLE_TEXT[var.role],
        "values_inline": not describe.is_long(var) and var.type != "year",
        "values_text": describe.values_text(var),
        "hierarchy_text": describe.hierarchy_text(h),
        "hierarchy_header": [*h.labels, "*"] if h else [],
        "ladder": ladder,
        "ladder_appendix": h is not None and len(h.levels) > 1 and ladder is None,
    }


def codebook_context(std: Standard) -> dict[str, Any]:
    """Everything the codebook templates show (exposed for the web's codebook pages and for tests)."""
    tables = []
    for table in std.tables_.values():
        tables.append(
            {
                "table": table,
                "variables": [_variable_context(v) for v in table.variables_],
            }
        )
    appendix_hierarchies = {
        name: {"header": [*h.labels, "*"], "rows": describe.hierarchy_steps(h), "hierarchy": h}
        for name, h in describe.used_hierarchies(std).items()
        if len(h.levels) > 1 and len(h.level_values[0]) > LADDER_INLINE_LIMIT
    }
    return {
        "std": std,
        "tables": tables,
        "codelists": describe.long_codelists(std),
        "appendix_hierarchies": appendix_hierarchies,
        "role_help": describe.ROLE_HELP,
        "role_text": describe.ROLE_TEXT,
    }


def render_codebook(std: Standard, out_dir: str | Path) -> list[Path]:
    """Write codebook.html and codebook.md into `out_dir` (created if needed); return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    context = codebook_context(std)
    html_path = out / "codebook.html"
    md_path = out / "codebook.md"
    html_path.write_text(_environment(True).get_template("codebook.html").render(**context), encoding="utf-8")
    md_path.write_text(_environment(False).get_template("codebook.md").render(**context), encoding="utf-8")
    return [html_path, md_path]
