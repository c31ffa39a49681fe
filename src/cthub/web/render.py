"""Render a page template with what `base.html` needs (navigation, hub name, link root), and the page registry.

In server mode links start at `/`; in static-site mode they are relative to the page (`../static/...`), so the
built site works from any folder, a sub-path of a web server, or a `file://` archive.

`PAGES` is the one list of public pages: the navigation is made from it, and `cthub site build` saves every page in
it (and, for a page with `follow`, every page it links to below its own path: the codebook's tables, the country
pages). Adding a page is its route (in `cthub/web/public/`) plus one `Page` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse


@dataclass(frozen=True)
class Page:
    """One public page: where it is, what the navigation calls it, and whether the static site carries it."""

    key: str  # the `active` name its route renders with
    label: str  # its name in the navigation
    href: str  # relative to the site root ("" is the overview)
    nav: bool = True  # listed in the navigation
    static: bool = True  # saved by `cthub site build` (the API docs need the live API, so they are not)
    follow: bool = False  # the static site also saves the pages this one links to below `href`


PAGES: tuple[Page, ...] = (
    Page("overview", "Overview", ""),
    Page("dashboards", "Dashboards", "dashboards/"),
    Page("map", "Map", "map/"),
    Page("countries", "Countries", "countries/", follow=True),
    Page("explorer", "Explorer", "explorer/"),
    Page("codebook", "Codebook", "codebook/", follow=True),
    Page("downloads", "Downloads", "downloads/"),
    Page("protection", "Protection", "protection/"),
    Page("api", "API", "api/docs", static=False),
)

#: (key, label, href) of the navigation, in order (what `base.html` iterates)
NAV = [(p.key, p.label, p.href) for p in PAGES if p.nav]
STATIC_NAV = [(p.key, p.label, p.href) for p in PAGES if p.nav and p.static]


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
        "nav": STATIC_NAV if getattr(state, "static_site", False) else NAV,
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
