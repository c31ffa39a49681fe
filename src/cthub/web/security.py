"""HTTP security headers for every response.

The Content-Security-Policy forbids inline scripts and `eval`, which is why charts run through Vega's CSP-safe
expression interpreter and every page script lives in `static/js/`. A pure ASGI middleware (not
`BaseHTTPMiddleware`) keeps the per-request cost to a list append, which matters for the API latency target.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)

HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]

HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE = (b"cache-control", b"no-store")
PRIVATE_PREFIXES = ("/contribute/", "/admin/", "/login", "/logout")


def _over_tls(scope: Scope) -> bool:
    """HTTPS to the browser: this server's own TLS, or a trusted proxy's `X-Forwarded-Proto: https` (trusted by
    `CTHUB_TRUSTED_PROXIES`, the same rule as sign-in); a client's own header counts for nothing."""
    if scope.get("scheme") == "https":
        return True
    from cthub.web.accounts.sessions import _is_trusted, trusted_proxies

    nets = trusted_proxies()
    client = scope.get("client") or ("", 0)
    if not nets or not _is_trusted(str(client[0]), nets):
        return False
    return any(k == b"x-forwarded-proto" and v.strip().lower() == b"https" for k, v in scope.get("headers", []))


class SecurityHeaders:
    """Adds the CSP and friends to every HTTP response (docs pages included); HSTS when the browser came over TLS;
    `Cache-Control: no-store` on the signed-in areas, whose answers must not stay in shared or browser caches."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        extras = list(HEADERS)
        if _over_tls(scope):
            extras.append(HSTS)
        if str(scope.get("path", "")).startswith(PRIVATE_PREFIXES):
            extras.append(NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in extras if k not in names]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
