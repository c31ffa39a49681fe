"""Sign in and out. Failed logins are slowed per username and per client address (progressive delays, see
`ratelimit`), and audited without what was typed: an unknown username is logged as a keyed hash, since people
type passwords into the username box.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from cthub.web.accounts.deps import check_csrf
from cthub.web.accounts.pages import page, see_other
from cthub.web.accounts.passwords import hasher, needs_rehash, verify_password
from cthub.web.accounts.sessions import (
    client_address,
    current_user,
    end_session,
    is_https,
    is_loopback,
    start_session,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, default: str) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


HTTPS_NEEDED = ("Sign-in needs HTTPS: open the hub at its https:// address (the hub admin serves it behind a TLS "
                "proxy and sets CTHUB_TRUSTED_PROXIES), or sign in on the hub's own machine.")


def _secure_enough(request: Request) -> bool:
    return is_https(request) or is_loopback(request)


def _name_hash(request: Request, username: str) -> str:
    """A keyed hash of a typed username: repeated attempts on one name stay linkable, the text is not kept."""
    key = request.app.state.secret_key.encode("utf-8")
    return hmac.new(key, username.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _home_for(role: str) -> str:
    return "/admin/" if role == "admin" else "/contribute/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    user = current_user(request)
    if user is not None:
        return see_other(_safe_next(next, _home_for(user.role)))
    if not _secure_enough(request):  # say so before a password is typed, not after it was sent in clear
        return page(request, "login.html", {"next": "", "error": HTTPS_NEEDED, "no_form": True}, status_code=400,
                    active="login")
    return page(request, "login.html", {"next": _safe_next(next, ""), "error": None}, active="login")


@router.post("/login")
def login(request: Request, username: str = Form("", max_length=200), password: str = Form("", max_length=1000),
          csrf_token: str = Form("", max_length=200), next: str = Form("", max_length=500)) -> Response:
    check_csrf(request, csrf_token)
    state = request.app.state.accounts
    store = state.store()
    throttle = state.throttle
    if not _secure_enough(request):
        return page(request, "login.html", {"next": "", "error": HTTPS_NEEDED, "no_form": True}, status_code=400)
    address = client_address(request)
    client = "ip:" + address
    name_key = "user:" + username.strip().casefold()

    def slowed(wait: float, key: str, actor: str | None, detail: dict) -> Response:
        if throttle.first_notice(key):  # once per waiting period: no audit flood from a hammering client
            store.audit(actor, "login-locked", None, {"client": address, **detail})
        return page(request, "login.html", {"next": next, "error": f"Too many failed sign-ins. Try again in "
                                            f"{max(1, round(wait))} second(s)."}, status_code=429)

    row = store.user_get(username.strip()) if username else None
    actor, who = (row["username"], {}) if row else (None, {"username_hash": _name_hash(request, username)})
    wait = throttle.wait(name_key)
    if wait > 0:  # this account is being guessed at: no password check until its (bounded) delay passes
        return slowed(wait, name_key, actor, who)
    ok = verify_password(row["password_hash"] if row else None, password)
    if not ok or row is None or row["disabled"]:
        ip_wait = throttle.wait(client)
        if ip_wait > 0:  # a slowed address: wrong passwords count against the name only
            throttle.failure(name_key)
            return slowed(ip_wait, client, actor, who)
        waiting = throttle.failure(name_key, client)
        store.audit(actor, "login-failed", None, {"client": address, "slowed": waiting, **who})
        return page(request, "login.html", {"next": next, "error": "Wrong username or password."}, status_code=401)
    state.throttle.success(name_key)
    if needs_rehash(row["password_hash"]):
        store.user_update(row["username"], password_hash=hasher().hash(password))
    from datetime import UTC, datetime

    store.user_update(row["username"], last_login=datetime.now(UTC).replace(tzinfo=None))
    store.audit(row["username"], "login", None, {"client": address})
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
