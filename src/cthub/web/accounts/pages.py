"""Rendering for the account pages: the same base-template context as the public pages, plus the signed-in user and
a CSRF token, from templates in this package (which extend the public `base.html`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from cthub.web.accounts.sessions import PRE_COOKIE, cookie_args, csrf_token, current_user
from cthub.web.render import base_context

HERE = Path(__file__).resolve().parent


def make_templates(web_templates_dir: Path) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(HERE / "templates")),
                                    jinja2.FileSystemLoader(str(web_templates_dir))]),
        autoescape=True,
    )
    return Jinja2Templates(env=env)


def page(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200,
         active: str = "") -> HTMLResponse:
    state = request.app.state
    ctx = base_context(request, active) | {"user": current_user(request), "csrf_token": csrf_token(request)}
    try:
        latest = state.catalog.latest()
        ctx["latest_version"] = latest.version if latest is not None else None
    except Exception:  # noqa: BLE001 - a broken release folder must not take the account pages down
        ctx["latest_version"] = None
    ctx.update(context or {})
    response = state.account_templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    pre = request.scope.get("cthub_pre")
    if pre and request.cookies.get(PRE_COOKIE) != pre:
        response.set_cookie(PRE_COOKIE, pre, max_age=3600, **cookie_args(request))
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
