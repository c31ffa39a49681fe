"""Accounts, the contributor portal and the admin area, plugged into the public app by `install(app)`.

Roles: `admin` (runs and publishes releases, reads the ledger and audit log), `contributor` (bound to one
organization of cthub.yaml: uploads, reads its own validation reports, withdraws its own batches) and anonymous
public (the public pages and `/api/`, which answer only from published releases). Modules: `passwords` (argon2),
`sessions` (server-side sessions, API tokens, CSRF), `ratelimit` (login lock-out), `deps` (who may do what),
`uploads` (limits and type checks), `hardening` (body limits, generic 500 page), `jobs` (background release),
and the routers `auth`, `contributor`, `admin`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent


def install(app: FastAPI) -> None:
    """Add the account routers, their templates and static files, the body limit and the generic error page."""
    from cthub.web.accounts import admin, auth, contributor
    from cthub.web.accounts.deps import LoginRequired, login_url
    from cthub.web.accounts.hardening import BodyLimit, server_error
    from cthub.web.accounts.jobs import ReleaseJob
    from cthub.web.accounts.pages import make_templates
    from cthub.web.accounts.settings import AccountSettings

    settings = AccountSettings(home=app.state.home)

    def audit(actor: str | None, action: str, target: str | None, detail: dict) -> None:
        settings.store().audit(actor, action, target, detail)

    settings.job = ReleaseJob(home=app.state.home, audit=audit)
    app.state.accounts = settings
    app.state.account_templates = make_templates(Path(app.state.templates.env.loader.searchpath[0]))

    app.include_router(auth.router)
    app.include_router(contributor.router)
    app.include_router(admin.router)
    app.mount("/accounts-static", StaticFiles(directory=str(HERE / "static")), name="accounts-static")

    async def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    app.add_exception_handler(LoginRequired, to_login)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, server_error)
    app.add_middleware(BodyLimit, limit=lambda: settings.limits.max_bytes)
