"""Item 9: a short or empty secret key is refused; rotating the key ends every session."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.accounts.helpers import login


@pytest.mark.parametrize("content", ["", "   \n", "short-key"])
def test_short_key_file_is_refused(hub, content, monkeypatch):
    from cthub.web.app import SecretKeyError, create_app

    monkeypatch.delenv("CTHUB_SECRET_KEY", raising=False)
    (hub / ".web-secret").write_text(content, encoding="utf-8")
    with pytest.raises(SecretKeyError) as exc:
        create_app(home=hub)
    assert ".web-secret" in str(exc.value) and "32" in str(exc.value)


def test_short_env_key_is_refused(hub, monkeypatch):
    from cthub.web.app import SecretKeyError, create_app

    monkeypatch.setenv("CTHUB_SECRET_KEY", "x" * 10)
    with pytest.raises(SecretKeyError):
        create_app(home=hub)


def test_generated_key_is_long_and_private(hub, monkeypatch):
    import stat

    from cthub.web.app import create_app

    monkeypatch.delenv("CTHUB_SECRET_KEY", raising=False)
    app = create_app(home=hub)
    assert len(app.state.secret_key) >= 32
    assert stat.S_IMODE((hub / ".web-secret").stat().st_mode) == 0o600


def test_rotating_the_key_ends_sessions(hub, monkeypatch):
    from cthub.web.app import create_app

    monkeypatch.setenv("CTHUB_SESSION_CACHE_SECONDS", "0")
    monkeypatch.setenv("CTHUB_SECRET_KEY", "a" * 20 + "first-key-long-enough")
    first = create_app(home=hub)
    with TestClient(first) as c:
        login(c, "ana")
        cookies = dict(c.cookies)
        assert c.get("/contribute/", follow_redirects=False).status_code == 200
    monkeypatch.setenv("CTHUB_SECRET_KEY", "b" * 20 + "second-key-long-enough")
    second = create_app(home=hub)
    with TestClient(second, cookies=cookies) as c:
        r = c.get("/contribute/", follow_redirects=False)
        assert r.status_code in (303, 401)  # signed out: sent to the login page, or 401 for a non-browser
