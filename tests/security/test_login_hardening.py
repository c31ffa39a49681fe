"""Items 3, 5, 6: lock-outs that cannot shut legitimate users out, a trusted-proxy client address, no audit
flooding, and an HTTPS check that trusts the connection, not the Host header."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.accounts.helpers import PASSWORDS, csrf


def _post_login(c: TestClient, username: str, password: str, headers: dict | None = None):
    token = csrf(c.get("/login", headers=headers or {}).text)
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token},
                  headers=headers or {}, follow_redirects=False)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_address_lock_never_refuses_a_correct_password(app, client):
    for i in range(40):  # far past the per-address allowance, spread over many names
        _post_login(client, f"guess{i}", "wrong-password-xx")
    assert _post_login(client, "zed", "wrong-password-xx").status_code == 429  # wrong passwords are slowed
    assert _post_login(client, "ana", PASSWORDS["ana"]).status_code == 303  # the right one still gets in


def test_account_lock_is_a_short_growing_delay_not_a_lockout(app, client):
    clock = Clock()
    throttle = app.state.accounts.throttle
    throttle.clock = clock
    for _ in range(50):  # an attacker hammering the admin account
        _post_login(client, "admin", "wrong-password-xx")
        clock.t += 1
    r = _post_login(client, "admin", PASSWORDS["admin"])
    assert r.status_code == 429
    clock.t += throttle.max_delay + 1  # the longest wait is bounded, however many failures came before
    assert _post_login(client, "admin", PASSWORDS["admin"]).status_code == 303


def test_trusted_proxy_header_gives_each_client_its_own_address(app, monkeypatch):
    from cthub.web.accounts.sessions import client_address

    client = TestClient(app, base_url="https://hub.example")  # secure cookies come back over https
    app.state.accounts.throttle.clock = Clock()  # frozen time: a slow machine must not let the delay run out

    monkeypatch.setenv("CTHUB_TRUSTED_PROXIES", "testclient,10.0.0.0/8")
    tls = {"x-forwarded-proto": "https"}
    for i in range(40):  # one attacker behind the proxy
        _post_login(client, f"guess{i}", "wrong-password-xx", {**tls, "x-forwarded-for": "198.51.100.7, 10.1.2.3"})
    assert _post_login(client, "zed", "wrong", {**tls, "x-forwarded-for": "198.51.100.7"}).status_code == 429
    assert _post_login(client, "zed2", "wrong", {**tls, "x-forwarded-for": "203.0.113.9"}).status_code == 401

    class Req:
        def __init__(self, peer: str, xff: str) -> None:
            self.client = type("C", (), {"host": peer})()
            self.headers = {"x-forwarded-for": xff}

    assert client_address(Req("10.0.0.1", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"  # rightmost untrusted hop
    assert client_address(Req("192.0.2.1", "1.2.3.4")) == "192.0.2.1"  # not from the proxy: header ignored
    monkeypatch.delenv("CTHUB_TRUSTED_PROXIES")
    assert client_address(Req("10.0.0.1", "1.2.3.4")) == "10.0.0.1"  # no proxy configured: header ignored


def test_attempts_on_a_locked_account_do_not_flood_the_audit_log(hub, app, client):
    from cthub.store import Store

    app.state.accounts.throttle.clock = Clock()

    for _ in range(200):
        _post_login(client, "bob", "wrong-password-xx")
    actions = [r["action"] for r in Store.open(hub).audit_log(1000)]
    assert actions.count("login-failed") <= 10
    assert actions.count("login-locked") <= 3
    assert len(actions) <= 15


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "testserver"])
def test_host_header_does_not_make_a_remote_client_local(app, host):
    with TestClient(app, base_url=f"http://{host}", client=("203.0.113.5", 4321)) as c:
        form = c.get("/login")
        assert "Sign-in needs HTTPS" in form.text and 'type="password"' not in form.text  # no form to type into
        r = c.post("/login", data={"username": "ana", "password": PASSWORDS["ana"], "csrf_token": "x"})
        assert r.status_code in (400, 403) and "cthub_session" not in r.headers.get("set-cookie", "")


def test_a_local_connection_may_sign_in_over_http(app):
    with TestClient(app, base_url="http://hub.example", client=("127.0.0.1", 4321)) as c:
        assert _post_login(c, "ana", PASSWORDS["ana"]).status_code == 303
