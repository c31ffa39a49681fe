"""Server-side sessions, API tokens and CSRF tokens.

A session is a random token in an HttpOnly, SameSite=Strict cookie; the store keeps only its SHA-256, with an
expiry, so logging out, disabling a user or resetting a password revokes it at once. API tokens (for scripted
uploads, `Authorization: Bearer ...`) are stored the same way with purpose `api`; a session token is never accepted
as an API token or the other way round.

CSRF uses the synchronizer-token pattern: every form carries an HMAC of the session token (or, before login, of a
random pre-session cookie) under the app's secret, checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

SESSION_COOKIE = "cthub_session"
PRE_COOKIE = "cthub_presession"
SESSION_HOURS = 8
API_PREFIX = "cthub_"
ROLES = ("admin", "contributor")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    contributor: str | None
    display_name: str | None
    via: str  # "session" | "api"
    token_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def _store(request: Request) -> Any:
    return request.app.state.accounts.store()


TEST_PEER = "testclient"  # Starlette's TestClient; a real server always reports an IP address


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]:
    out: list[ipaddress.IPv4Network | ipaddress.IPv6Network | str] = []
    for part in spec.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            out.append(part)  # a host name such as TestClient's peer; compared as text
    return out


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]:
    """`CTHUB_TRUSTED_PROXIES` (addresses or CIDR ranges); with only `CTHUB_BEHIND_TLS_PROXY=1`, the loopback
    addresses (a proxy on this machine). Forwarding headers are believed only from these peers."""
    spec = os.environ.get("CTHUB_TRUSTED_PROXIES", "")
    if not spec.strip() and os.environ.get("CTHUB_BEHIND_TLS_PROXY", "") not in ("", "0", "false"):
        spec = "127.0.0.0/8,::1"
    return _networks(spec)


def _is_trusted(host: str, nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]) -> bool:
    try:
        ip = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return host.strip() in [n for n in nets if isinstance(n, str)]
    return any(not isinstance(n, str) and ip.version == n.version and ip in n for n in nets)


def _peer(request: Any) -> str:
    return request.client.host if getattr(request, "client", None) else "unknown"


def _from_proxy(request: Any) -> bool:
    nets = trusted_proxies()
    return bool(nets) and _is_trusted(_peer(request), nets)


def client_address(request: Any) -> str:
    """The client's address: the connection's peer, or, when that peer is a trusted proxy, the rightmost
    `X-Forwarded-For` hop that is not itself a trusted proxy (the left part of that header is client-written)."""
    peer = _peer(request)
    nets = trusted_proxies()
    if not nets or not _is_trusted(peer, nets):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, nets):
            return hop[:64]
    return hops[0][:64] if hops else peer


def is_loopback(request: Request) -> bool:
    """A connection from this machine, decided on the connection's address (never the Host header) and not
    relayed by a proxy (whose clients are remote)."""
    peer = _peer(request)
    if _from_proxy(request):
        return False
    if peer == TEST_PEER:
        return True
    try:
        return ipaddress.ip_address(peer.strip("[]")).is_loopback
    except ValueError:
        return False


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    return _from_proxy(request) and request.headers.get("x-forwarded-proto", "").strip().lower() == "https"


def cookie_args(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": is_https(request), "path": "/"}


def start_session(request: Request, response: Response, username: str) -> str:
    """Create a session for `username`, set its cookie, drop the pre-session cookie; returns the token."""
    token = new_token()
    expires = datetime.now(UTC) + timedelta(hours=SESSION_HOURS)
    _store(request).token_add(token_hash(token), username, purpose="session", expires=expires)
    response.set_cookie(SESSION_COOKIE, _signed(request, token), max_age=SESSION_HOURS * 3600, **cookie_args(request))
    response.delete_cookie(PRE_COOKIE, path="/")
    return token


def _signed(request: Request, token: str) -> str:
    """The session cookie: the token and its HMAC under the app's secret key, so a new key ends every session."""
    return f"{token}.{_hmac(request, 'cookie:' + token)[:32]}"


def _unsigned(request: Request, cookie: str) -> str | None:
    token, _, sig = cookie.rpartition(".")
    if not token or not hmac.compare_digest(sig, _hmac(request, "cookie:" + token)[:32]):
        return None
    return token


def end_session(request: Request, response: Response) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    token = _unsigned(request, cookie) if cookie else None
    if token:
        _store(request).token_revoke(token_hash(token))
        forget(request, token_hash(token))
    response.delete_cookie(SESSION_COOKIE, path="/")


def forget(request: Request, hashed: str | None = None, username: str | None = None) -> None:
    """Drop cached lookups of one token, or of every token of a user (logout, disable, new password)."""
    cache = request.app.state.accounts.session_cache
    for key, (_, user) in list(cache.items()):
        if key.endswith(":" + str(hashed)) or (username is not None and user is not None and user.username == username):
            cache.pop(key, None)


def _lookup(request: Request, token: str, purpose: str) -> User | None:
    if not token or len(token) > 200:
        return None
    settings = request.app.state.accounts
    h = token_hash(token)
    key = f"{purpose}:{h}"
    hit = settings.session_cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    user = _lookup_store(request, h, purpose)
    if user is not None and settings.session_cache_seconds > 0:
        if len(settings.session_cache) > 10_000:
            settings.session_cache.clear()
        settings.session_cache[key] = (now + settings.session_cache_seconds, user)
    return user


def _lookup_store(request: Request, h: str, purpose: str) -> User | None:
    store = _store(request)
    row = store.token_get(h)
    if row is None or row["purpose"] != purpose:
        return None
    user = store.user_get(row["username"])
    if user is None or user["disabled"] or user["role"] not in ROLES:
        return None
    return User(username=user["username"], role=user["role"], contributor=user["contributor"],
                display_name=user.get("display_name"), via=purpose if purpose == "session" else "api", token_hash=h)


def current_user(request: Request) -> User | None:
    """The signed-in user (session cookie) or API caller (Bearer token), cached on the request."""
    if "cthub_user" in request.scope:
        return request.scope["cthub_user"]
    user = None
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        user = _lookup(request, auth[7:].strip(), "api")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        token = _unsigned(request, cookie) if cookie and len(cookie) <= 300 else None
        if token:
            user = _lookup(request, token, "session")
    request.scope["cthub_user"] = user
    return user


# -- CSRF ------------------------------------------------------------------------------------------------------
def _hmac(request: Request, text: str) -> str:
    key = request.app.state.secret_key.encode("utf-8")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_token(request: Request, response: Response | None = None) -> str:
    """The token forms must send back: bound to the session, or to a pre-session cookie set now if needed."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and current_user(request) is not None:
        return _hmac(request, "session:" + session)
    pre = request.cookies.get(PRE_COOKIE) or request.scope.get("cthub_pre")
    if not pre:
        pre = new_token()
        request.scope["cthub_pre"] = pre
    if response is not None and request.cookies.get(PRE_COOKIE) != pre:
        response.set_cookie(PRE_COOKIE, pre, max_age=3600, **cookie_args(request))
    return _hmac(request, "pre:" + pre)


def csrf_valid(request: Request, sent: str | None) -> bool:
    if not sent:
        return False
    session = request.cookies.get(SESSION_COOKIE)
    if session and current_user(request) is not None:
        return hmac.compare_digest(sent, _hmac(request, "session:" + session))
    pre = request.cookies.get(PRE_COOKIE)
    if not pre:
        return False
    return hmac.compare_digest(sent, _hmac(request, "pre:" + pre))
