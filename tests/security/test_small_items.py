"""Item 12: the terms cookie is per acceptance, expires and is bound to the terms; cross-site acceptance is refused;
HSTS behind TLS; private answers are not cached."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _accept(c: TestClient, headers: dict | None = None):
    return c.post("/downloads/terms", data={"accept": "yes", "next": "/downloads/"}, headers=headers or {},
                  follow_redirects=False)


def _terms_cookie(r) -> str:
    return next(h for h in r.headers.get_list("set-cookie") if h.startswith("cthub_terms=")).split(";")[0]


def test_terms_cookie_is_unique_per_acceptance(app):
    with TestClient(app) as a, TestClient(app) as b:
        assert _terms_cookie(_accept(a)) != _terms_cookie(_accept(b))


def test_terms_cookie_expires_and_follows_the_terms(app, monkeypatch):
    from cthub.web.public import downloads

    with TestClient(app) as c:
        _accept(c)

        class R:
            def __init__(self) -> None:
                self.cookies = dict(c.cookies)
                self.app = app

        assert downloads.accepted(R())
        monkeypatch.setattr(downloads, "TERMS_MAX_AGE", -1)
        assert not downloads.accepted(R())  # an old acceptance is not honoured forever
        monkeypatch.setattr(downloads, "TERMS_MAX_AGE", 3600)
        app.state.config.terms_of_use = app.state.config.terms_of_use + " Changed."
        assert not downloads.accepted(R())  # new terms need a new acceptance


def test_static_terms_value_no_longer_works(app):
    from itsdangerous import URLSafeSerializer

    old = URLSafeSerializer(app.state.secret_key, salt="cthub-terms").dumps({"accepted": True})
    with TestClient(app, cookies={"cthub_terms": old}) as c:
        r = c.get("/downloads/any/file.csv", follow_redirects=False)
        assert r.status_code == 303 and "/downloads/terms" in r.headers["location"]


def test_cross_site_terms_acceptance_is_refused(app):
    with TestClient(app) as c:
        for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
            r = _accept(c, headers)
            assert r.status_code == 403 and "cthub_terms" not in r.headers.get("set-cookie", "")
        assert _accept(c, {"origin": "http://testserver", "sec-fetch-site": "same-origin"}).status_code == 303
        # behind a proxy that rewrites Host, the browser's Sec-Fetch-Site still decides
        assert _accept(c, {"origin": "https://hub.example", "sec-fetch-site": "same-origin"}).status_code == 303
        assert _accept(c, {"origin": "https://evil.example", "sec-fetch-site": "same-site"}).status_code == 403


def test_hsts_only_over_tls(app, monkeypatch):
    with TestClient(app, base_url="https://hub.example") as c:
        assert "max-age=" in c.get("/").headers.get("strict-transport-security", "")
    with TestClient(app) as c:
        assert "strict-transport-security" not in c.get("/").headers
        assert "strict-transport-security" not in c.get("/", headers={"x-forwarded-proto": "https"}).headers
    monkeypatch.setenv("CTHUB_TRUSTED_PROXIES", "testclient")
    with TestClient(app) as c:
        assert "strict-transport-security" in c.get("/", headers={"x-forwarded-proto": "https"}).headers


def test_private_answers_are_not_cached(app, client):
    for path in ("/contribute/api/batches", "/login", "/admin/"):
        r = client.get(path, follow_redirects=False)
        assert r.headers.get("cache-control") == "no-store", path
