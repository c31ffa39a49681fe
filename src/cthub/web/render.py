"""Render a page template with what `base.html` needs (navigation, hub name, link root).

In server mode links start at `/`; in static-site mode they are relative to the page (`../static/...`), so the
built site works from any folder, a sub-path of a web server, or a `file://` archive.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

NAV = [
    ("overview", "Overview", ""),
    ("dashboards", "Dashboards", "dashboards/"),
    ("map", "Map", "map/"),
    ("explorer", "Explorer", "explorer/"),
    ("codebook", "Codebook", "codebook/"),
    ("downloads", "Downloads", "downloads/"),
    ("protection", "Protection", "protection/"),
    ("api", "API", "api/docs"),
]


def link_root(request: Request) -> str:
    """`/` for the live server; `../` repeated per folder level for static pages."""
    if not getattr(request.app.state, "static_site", False):
        return "/"
    path = request.url.path
    depth = path.strip("/").count("/") + 1 if path.strip("/") else 0
    if not path.endswith("/") and depth:
        depth -= 1  # "/codebook/victims.html" sits in "codebook/"
    return "../" * depth


def base_context(request: Request, active: str = "") -> dict[str, Any]:
    """What `base.html` needs, for the public pages and the account pages alike."""
    state = request.app.state
    return {
        "root": link_root(request),
        "nav": NAV,
        "active": active,
        "hub_name": state.config.name,
        "static_site": bool(getattr(state, "static_site", False)),
    }


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200,
           active: str = "") -> HTMLResponse:
    """A page response with the base-template context filled in."""
    state = request.app.state
    ctx = base_context(request, active)
    latest = state.catalog.latest()
    ctx["latest_version"] = latest.version if latest is not None else None
    ctx.update(context or {})
    return state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
