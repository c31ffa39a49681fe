"""The web application factory.

`create_app` builds the public site (pages + `/api/`) over the hub's published releases. The login, contributor and
admin areas live in `cthub.web.accounts` and plug in through its `install(app)` hook, called here when that package
exists, so neither side edits the other's routes.

What an extension can rely on (`app.state`): `home` (Path), `config` (HubConfig), `catalog` (ReleaseCatalog),
`templates` (Jinja2Templates over `cthub/web/templates`, extend `base.html`), `secret_key` (str, for signed cookies),
and `render(request, template, context)` from `cthub.web.render`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from cthub import __version__ as cthub_version
from cthub.config import ConfigError, hub_home, load_config
from cthub.web.catalog import ReleaseCatalog
from cthub.web.security import SecurityHeaders

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
SECRET_FILE = ".web-secret"


MIN_SECRET_CHARS = 32


class SecretKeyError(ConfigError):
    """A secret key too short to keep CSRF tokens, session cookies and terms cookies unforgeable."""


def _checked(key: str, where: str) -> str:
    if len(key) < MIN_SECRET_CHARS:
        raise SecretKeyError(
            f"the web secret key in {where} has {len(key)} characters; it needs at least {MIN_SECRET_CHARS} "
            f"(random). Delete {SECRET_FILE} in the hub folder to have a new one made, or set CTHUB_SECRET_KEY to "
            "the output of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`. Everyone signs in again."
        )
    return key


def _secret_key(home: Path) -> str:
    """`CTHUB_SECRET_KEY`, else a random key kept in the hub folder (so cookies survive a restart). A short or
    empty key is refused rather than used: with it every CSRF token and cookie signature could be forged."""
    env = os.environ.get("CTHUB_SECRET_KEY")
    if env is not None and env.strip():
        return _checked(env.strip(), "CTHUB_SECRET_KEY")
    file = home / SECRET_FILE
    try:
        return _checked(file.read_text(encoding="utf-8").strip(), str(file.name))
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key)
    except FileExistsError:
        return _checked(file.read_text(encoding="utf-8").strip(), str(file.name))
    except OSError:
        pass  # read-only hub folder: a per-process key (cookies reset on restart)
    return key


def _wants_json(request: Request) -> bool:
    """API clients get JSON; a browser (which asks for text/html) gets a page."""
    path = request.url.path
    if path.startswith("/api/") or path == "/api" or "/api/" in path:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
    """A 404 says where to go next: a page with links back for browsers, JSON with the API's entry points under
    `/api/`; other HTTP errors keep FastAPI's `{"detail": ...}`."""
    if exc.status_code != 404:
        return await http_exception_handler(request, exc)
    routed = exc.detail not in (None, "", "Not Found")
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail if routed else f"no API endpoint at {request.url.path}",
                             "api": "/api/", "docs": "/api/docs", "openapi": "/api/openapi.json"},
                            status_code=404, headers=getattr(exc, "headers", None))
    from cthub.web.render import render

    message = str(exc.detail) if routed else "There is no page at this address. It may have moved, or the link " \
                                             "may be mistyped."
    return render(request, "error.html", {"title": "Page not found", "message": message, "not_found": True},
                  status_code=404)


def create_app(
    home: str | os.PathLike[str] | None = None,
    release: str | os.PathLike[str] | None = None,
    static_site: bool = False,
) -> FastAPI:
    """The cthub web app over `home`'s published releases, or over the single release folder `release`.

    `static_site=True` renders links relative to each page so `cthub site build` can save the pages as files.
    """
    home_path = hub_home(home)
    app = FastAPI(
        title="cthub public API",
        version=cthub_version if isinstance(cthub_version, str) else "0",
        description=(
            "Protected counter-trafficking case data. Counts come only from each release's published (protected) "
            "aggregates: a combination that is not published is reported as suppressed, never computed."
        ),
        docs_url=None,  # the default Swagger page loads scripts from a CDN; ours is served from /api/docs
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.home = home_path
    app.state.config = load_config(home_path)
    app.state.catalog = ReleaseCatalog(home_path, Path(release).resolve() if release else None)
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    from cthub.web.protection import fmt_delta, fmt_epsilon, fmt_rho

    app.state.templates.env.filters.update(eps=fmt_epsilon, delta=fmt_delta, rho=fmt_rho)
    app.state.secret_key = _secret_key(home_path)
    app.state.static_site = static_site

    from cthub.web.public import api, downloads, pages

    app.include_router(api.router)
    app.include_router(downloads.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    if importlib.util.find_spec("cthub.web.accounts") is not None:
        accounts = importlib.import_module("cthub.web.accounts")
        install = getattr(accounts, "install", None)
        if install is not None:
            install(app)

    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    return app
