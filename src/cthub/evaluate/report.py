"""Render the INTERNAL evaluation as one self-contained HTML page a data manager can read top to bottom.

It is computed against the raw records, so it is for the admins' review only and lives in
`<hub>/evaluations/<version>/`, never in a release folder (the public report is `cthub.evaluate.public`).
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
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.3g}" if (abs(v) < 0.01 and v != 0) else f"{v:,.{digits}f}"
    return str(v)


def _sentence(text: Any) -> str:
    """Text ending in exactly one full stop (statements written elsewhere may or may not end in one)."""
    return str(text or "").strip().rstrip(".") + "."


# One template environment for the internal and the public report (public.py renders with it too).
_env.filters["pct"] = _pct
_env.filters["num"] = _num
_env.filters["sentence"] = _sentence

#: The title and banner of every internal report and the `notice` of its metrics.json: a reader who finds one of
#: these files anywhere should know at once that it must not be published.
INTERNAL_TITLE = "Internal evaluation"
INTERNAL_NOTICE = "Internal evaluation — computed against the raw records; never publish"


def internal_title(title: str) -> str:
    """`title` prefixed with "Internal evaluation — " (once), so the browser tab and heading say it too."""
    return title if title.startswith(INTERNAL_TITLE) else f"{INTERNAL_TITLE} — {title}"


def render_report(
    metrics: dict[str, Any], charts: dict[str, dict[str, Any]], title: str, context: dict[str, Any]
) -> str:
    svg = {
        t: {k: ([Markup(x) for x in v] if isinstance(v, list) else Markup(v)) for k, v in c.items()}
        for t, c in charts.items()
    }
    return _env.get_template("report.html").render(
        m=metrics, charts=svg, title=title, ctx=context, notice=INTERNAL_NOTICE, notice_title=internal_title(title)
    )
