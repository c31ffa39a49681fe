"""Logins, sessions, CSRF, lock-out, API tokens, headers and the error page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.accounts.helpers import PASSWORDS, csrf, csv_bytes, login, page_csrf


def _post_login(c: TestClient, username: str, password: str):
    token = csrf(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token},
                  follow_redirects=False)


def test_passwords_are_argon2id_hashes(acc_home):
    from cthub.store import Store

    for u in Store.open(acc_home).users():
        assert u["password_hash"].startswith("$argon2id$")
        assert PASSWORDS[u["username"]] not in u["password_hash"]


def test_session_cookie_flags_and_login_redirect(acc_app):
    with TestClient(acc_app) as c:
        r = _post_login(c, "ana", PASSWORDS["ana"])
        assert r.status_code == 303 and r.headers["location"] == "/contribute/"
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cthub_session="))
        low = cookie.lower()
        assert "httponly" in low and "samesite=strict" in low and "max-age=28800" in low
        assert "secure" not in low  # plain http on loopback is allowed for tests
    with TestClient(acc_app, base_url="https://hub.example") as c:
        r = _post_login(c, "ana", PASSWORDS["ana"])
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cthub_session="))
        assert "secure" in cookie.lower()


def test_login_over_plain_http_from_afar_is_refused(acc_app):
    with TestClient(acc_app, base_url="http://hub.example", client=("203.0.113.5", 4000)) as c:
        assert "HTTPS" in c.get("/login").text
        r = c.post("/login", data={"username": "ana", "password": PASSWORDS["ana"], "csrf_token": "x"})
        assert r.status_code in (400, 403)
        assert "cthub_session" not in r.headers.get("set-cookie", "")


def test_wrong_password_and_unknown_user_look_the_same(acc_app):
    with TestClient(acc_app) as c:
        a = _post_login(c, "ana", "not-the-password-at-all")
        b = _post_login(c, "nobody-here", "not-the-password-at-all")
        assert a.status_code == b.status_code == 401
        assert "Wrong username or password." in a.text and "Wrong username or password." in b.text


def test_lockout_after_repeated_failures(acc_app):
    throttle = acc_app.state.accounts.throttle
    throttle.reset()
    with TestClient(acc_app) as c:
        for _ in range(throttle.max_failures):
            assert _post_login(c, "bob", "wrong-password-xx").status_code == 401
        r = _post_login(c, "bob", PASSWORDS["bob"])  # even the right password is refused while locked
        assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    throttle.reset()


def test_csrf_is_required_on_every_form(acc_app):
    with TestClient(acc_app) as c:
        c.get("/login")
        r = c.post("/login", data={"username": "ana", "password": PASSWORDS["ana"]}, follow_redirects=False)
        assert r.status_code == 403
        r = c.post("/login", data={"username": "ana", "password": PASSWORDS["ana"], "csrf_token": "0" * 64},
                   follow_redirects=False)
        assert r.status_code == 403
        login(c, "ana")
        r = c.post("/contribute/upload", files={"file": ("a.csv", csv_bytes(5), "text/csv")},
                   data={"csrf_token": "forged"})
        assert r.status_code == 403
        assert c.post("/logout", data={}, follow_redirects=False).status_code == 403


def test_logout_revokes_the_session_server_side(acc_app):
    with TestClient(acc_app) as c:
        login(c, "ana")
        stolen = c.cookies.get("cthub_session")
        token = page_csrf(c, "/contribute/")
        assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    with TestClient(acc_app) as thief:
        thief.cookies.set("cthub_session", stolen)
        r = thief.get("/contribute/api/batches")
        assert r.status_code == 401


def test_disabled_user_loses_access_at_once(acc_app, acc_home):
    from cthub.store import Store
    from cthub.web.accounts.passwords import hash_password

    store = Store.open(acc_home)
    store.user_add("carol", hash_password("carol-passphrase-1"), "contributor", "ngo-a")
    acc_app.state.accounts.session_cache_seconds = 0  # as if disabled from the CLI, another process
    with TestClient(acc_app) as c:
        login(c, "carol", "carol-passphrase-1")
        assert c.get("/contribute/api/batches").status_code == 200
        store.user_update("carol", disabled=True)
        assert c.get("/contribute/api/batches").status_code == 401
        assert _post_login(c, "carol", "carol-passphrase-1").status_code == 401
    acc_app.state.accounts.session_cache_seconds = 5


def test_api_tokens_and_sessions_are_not_interchangeable(acc_app, acc_home):
    from datetime import UTC, datetime, timedelta

    from cthub.store import Store
    from cthub.web.accounts.sessions import new_token, token_hash

    store = Store.open(acc_home)
    api = new_token("cthub_")
    store.token_add(token_hash(api), "ana", purpose="api", expires=datetime.now(UTC) + timedelta(days=1))
    with TestClient(acc_app) as c:
        assert c.get("/contribute/api/batches", headers={"Authorization": f"Bearer {api}"}).status_code == 200
        c.cookies.set("cthub_session", api)
        assert c.get("/contribute/api/batches").status_code == 401  # an API token is no session cookie
    with TestClient(acc_app) as c:
        login(c, "ana")
        session = c.cookies.get("cthub_session")
    with TestClient(acc_app) as c:
        assert c.get("/contribute/api/batches", headers={"Authorization": f"Bearer {session}"}).status_code == 401
    expired = new_token("cthub_")
    store.token_add(token_hash(expired), "ana", purpose="api", expires=datetime.now(UTC) - timedelta(seconds=1))
    with TestClient(acc_app) as c:
        assert c.get("/contribute/api/batches", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


@pytest.mark.parametrize("path", ["/", "/login", "/api/releases", "/admin/", "/contribute/", "/no/such/page",
                                  "/static/css/cthub.css", "/accounts-static/admin.js"])
def test_security_headers_on_every_response(clients, path):
    r = clients["anonymous"].get(path, follow_redirects=False)
    csp = r.headers["content-security-policy"]
    for part in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                 "base-uri 'self'", "form-action 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] and r.headers["x-frame-options"] == "DENY"


def test_account_pages_have_no_inline_scripts(clients):
    import re

    for role, path in (("anonymous", "/login"), ("ana", "/contribute/"), ("admin", "/admin/"),
                       ("admin", "/admin/releases"), ("admin", "/admin/ledger"), ("admin", "/admin/audit")):
        html = clients[role].get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no inline event handlers either


def test_server_errors_show_a_generic_page(acc_home):
    from cthub.web.app import create_app

    app = create_app(home=acc_home)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret path /etc/cthub and a cell value Maria")

    with TestClient(app, raise_server_exceptions=False) as c:
        for accept in ("text/html", "application/json"):
            r = c.get("/boom", headers={"accept": accept})
            assert r.status_code == 500
            assert "Maria" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
            assert r.headers["content-security-policy"]
