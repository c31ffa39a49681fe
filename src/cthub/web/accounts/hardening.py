"""Request-size limits and the generic error page.

`BodyLimit` refuses a request body over the upload limit before it is read (Content-Length) or as soon as a
chunked body passes it, so a huge upload costs the server nothing. `server_error` shows a generic page (never a
stack trace) and logs the exception server-side for the operator.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

log = logging.getLogger("cthub.web")

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other form fields


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware: 413 for a body larger than `limit()` bytes."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit() + FORM_OVERHEAD
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _too_large(limit, scope, receive, send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(limit, scope, receive, send, drain=False)


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send, drain: bool = True) -> None:
    mb = (limit - FORM_OVERHEAD) / 1e6
    body = JSONResponse(
        {"detail": f"the upload is larger than the hub's limit of {mb:,.0f} MB; split the file or ask the hub admin "
                   "to raise CTHUB_UPLOAD_MAX_MB"},
        status_code=413, headers={"connection": "close"},
    )
    await body(scope, receive, send)


def _with_headers(response: Response) -> Response:
    """Errors are answered outside the middleware stack, so the security headers are added here."""
    from cthub.web.security import HEADERS

    for name, value in HEADERS:
        response.headers[name.decode()] = value.decode()
    response.headers["cache-control"] = "no-store"
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """No stack trace, no exception text: those can hold paths, SQL or cell values."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return _with_headers(JSONResponse({"detail": "internal error; the hub admin can find the details in the "
                                           "server log"}, status_code=500))
    html = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went wrong</title>"
        "<link rel=\"stylesheet\" href=\"/static/css/cthub.css\"></head><body><main id=\"main\">"
        "<h1>Something went wrong</h1><p>The hub could not answer this request. The error was logged for the hub's "
        "administrator. Try again later, or go back to the <a href=\"/\">overview</a>.</p></main></body></html>"
    )
    return _with_headers(HTMLResponse(html, status_code=500))
