"""Sign in and out. Failed logins are throttled per username and per client address, and audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from cthub.web.accounts.deps import check_csrf
from cthub.web.accounts.pages import page, see_other
from cthub.web.accounts.passwords import hasher, needs_rehash, verify_password
from cthub.web.accounts.sessions import current_user, end_session, is_https, is_loopback, start_session

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, default: str) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _home_for(role: str) -> str:
    return "/admin/" if role == "admin" else "/contribute/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    user = current_user(request)
    if user is not None:
        return see_other(_safe_next(next, _home_for(user.role)))
    return page(request, "login.html", {"next": _safe_next(next, ""), "error": None}, active="login")


@router.post("/login")
def login(request: Request, username: str = Form("", max_length=200), password: str = Form("", max_length=1000),
          csrf_token: str = Form("", max_length=200), next: str = Form("", max_length=500)) -> Response:
    check_csrf(request, csrf_token)
    state = request.app.state.accounts
    store = state.store()
    if not is_https(request) and not is_loopback(request):
        return page(request, "login.html", {"next": next, "error": "Sign-in needs HTTPS: serve the hub behind a TLS "
                                            "proxy (set CTHUB_BEHIND_TLS_PROXY=1) or open it on this machine."},
                    status_code=400)
    client = "ip:" + (request.client.host if request.client else "unknown")
    name_key = "user:" + username.strip().casefold()
    wait = state.throttle.locked(name_key, client)
    if wait > 0:
        store.audit(username or None, "login-locked", None, {"client": client[3:]})
        return page(request, "login.html", {"next": next, "error": f"Too many failed sign-ins. Try again in "
                                            f"{max(1, round(wait / 60))} minute(s)."}, status_code=429)
    row = store.user_get(username.strip()) if username else None
    ok = verify_password(row["password_hash"] if row else None, password)
    if not ok or row is None or row["disabled"]:
        locked = state.throttle.failure(name_key, client)
        store.audit(username[:100] or None, "login-failed", None, {"client": client[3:], "locked": locked})
        return page(request, "login.html", {"next": next, "error": "Wrong username or password."}, status_code=401)
    state.throttle.success(name_key)
    if needs_rehash(row["password_hash"]):
        store.user_update(row["username"], password_hash=hasher().hash(password))
    from datetime import UTC, datetime

    store.user_update(row["username"], last_login=datetime.now(UTC).replace(tzinfo=None))
    store.audit(row["username"], "login", None, {"client": client[3:]})
    response = see_other(_safe_next(next, _home_for(row["role"])))
    start_session(request, response, row["username"])
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("", max_length=200)) -> Response:
    check_csrf(request, csrf_token)
    user = current_user(request)
    response = see_other("/")
    if user is not None:
        request.app.state.accounts.store().audit(user.username, "logout", None, {})
    end_session(request, response)
    return response
