"""Render the evaluation as one self-contained HTML page a data manager can read top to bottom.

Verdicts first (did the release pass its gates, and what each gate means), then privacy and utility in plain
words, then the charts. Jinja2 autoescaping is on; the only markup let through is the SVG matplotlib made here.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, Undefined, select_autoescape
from markupsafe import Markup

_env = Environment(
    loader=PackageLoader("cthub.evaluate", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(v: Any, digits: int = 1) -> str:
    return "–" if v is None or isinstance(v, Undefined) else f"{100 * float(v):.{digits}f}%"


def _num(v: Any, digits: int = 2) -> str:
    if v is None or isinstance(v, Undefined):
        return "–"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{float(v):,.{digits}f}"


_env.filters["pct"] = _pct
_env.filters["num"] = _num


def render_report(
    metrics: dict[str, Any], charts: dict[str, dict[str, Any]], title: str, context: dict[str, Any]
) -> str:
    svg = {
        t: {k: ([Markup(x) for x in v] if isinstance(v, list) else Markup(v)) for k, v in c.items()}
        for t, c in charts.items()
    }
    return _env.get_template("report.html").render(m=metrics, charts=svg, title=title, ctx=context)
