"""Who may do what. Each protected route depends on one of these; a denial never says whether the thing exists.

Browsers without a session are sent to the login page (303); API callers get 401; a signed-in user without the
role gets 403; a contributor asking for another organization's batch gets 404, exactly as for a batch that does
not exist.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import HTTPException, Request

from cthub.web.accounts.sessions import User, csrf_valid, current_user


class LoginRequired(Exception):
    """Raised for anonymous browser requests; turned into a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and "authorization" not in request.headers


def _require(request: Request, roles: tuple[str, ...]) -> User:
    user = current_user(request)
    if user is None:
        if _wants_html(request) and request.method == "GET":
            raise LoginRequired(request.url.path)
        raise HTTPException(401, "sign in first (or send an API token as `Authorization: Bearer ...`)",
                            headers={"www-authenticate": "Bearer"})
    if user.role not in roles:
        raise HTTPException(403, "your account may not do this")
    if user.role == "contributor" and not user.contributor:
        raise HTTPException(403, "your account is not bound to a contributor organization; ask an admin")
    return user


def require_admin(request: Request) -> User:
    return _require(request, ("admin",))


def require_contributor(request: Request) -> User:
    return _require(request, ("contributor",))


def check_csrf(request: Request, token: str | None) -> None:
    """Every cookie-authenticated form POST must echo the page's CSRF token; API-token requests carry no cookie."""
    user = current_user(request)
    if user is not None and user.via == "api":
        return
    if not csrf_valid(request, token):
        raise HTTPException(403, "the form expired or did not come from this site; reload the page and try again")


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")
