"""Every account route x every role: allowed or denied, with nothing left out.

Allowed POSTs are sent without a CSRF token, so they stop at the CSRF check (proving the role got through) and
change nothing; denied roles send a valid CSRF token of their own, so only the role check can stop them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.accounts.helpers import csv_bytes, page_csrf

ROLES = ("anonymous", "ana", "bob", "admin", "ana-token")
CSRF_REFUSAL = "the form expired or did not come from this site"
DRAFT = "2026.11.23"


@pytest.fixture(scope="module")
def fixtures(acc_home, acc_app, clients):
    """A batch of ngo-a (ana's organization), a draft release, an API token for ana."""
    from cthub.ingest import ingest_file
    from cthub.store import Store
    from cthub.web.accounts.sessions import new_token, token_hash
    from tests.web.release_fixture import write_release

    store = Store.open(acc_home)
    path = acc_home / "matrix.csv"
    path.write_bytes(csv_bytes(15, seed=42))
    res = ingest_file(store, "ngo-a", path)
    folder = write_release(acc_home, n=600, version=DRAFT, publish=False)
    (folder / "report.html").write_text("<!doctype html><title>report</title><p>gates passed</p>", encoding="utf-8")
    store.release_add(DRAFT, folder, "draft", {"gates_passed": True})
    token = new_token("cthub_")
    store.token_add(token_hash(token), "ana", purpose="api", expires=datetime.now(UTC) + timedelta(days=1))
    api = TestClient(acc_app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
    yield {"batch": res.batch_id, "clients": {**clients, "ana-token": api}}
    api.close()


def _walk(routes):
    for r in routes:
        inner = getattr(r, "original_router", None)  # FastAPI keeps included routers as wrappers
        if inner is not None:
            yield from _walk(inner.routes)
        else:
            yield r


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for r in _walk(app.routes):
        if isinstance(r, APIRoute) and r.path.startswith(("/admin", "/contribute", "/login", "/logout")):
            for m in r.methods - {"HEAD"}:
                out.add((m, r.path))
    return out


def _expected(method: str, path: str) -> dict[str, str]:
    """role -> "allow" | "deny" | "hidden" (404: another organization's batch)."""
    if path.startswith("/admin"):
        return {"anonymous": "deny", "ana": "deny", "bob": "deny", "admin": "allow", "ana-token": "deny"}
    if path.startswith("/contribute"):
        other = "hidden" if "{batch_id}" in path else "allow"
        return {"anonymous": "deny", "ana": "allow", "bob": other, "admin": "deny", "ana-token": "allow"}
    return {r: "allow" for r in ROLES}  # /login, /logout


def _fill(path: str, batch: str) -> str:
    return (path.replace("{batch_id}", batch).replace("{version}", DRAFT).replace("{name}", "problems.csv"))


_TOKENS: dict[str, str] = {}


def _request(c: TestClient, method: str, url: str, role: str, outcome: str):
    if method == "GET":
        return c.get(url, follow_redirects=False, headers={"accept": "text/html"})
    data: dict[str, str] = {}
    if outcome != "allow" and role not in ("anonymous", "ana-token"):
        if role not in _TOKENS:  # bound to the session, so one per role
            _TOKENS[role] = page_csrf(c, "/contribute/" if role in ("ana", "bob") else "/admin/releases")
        data["csrf_token"] = _TOKENS[role]
    files = {"file": ("m.csv", csv_bytes(3, seed=7), "text/csv")} if url.endswith(("/upload", "/api/batches")) else None
    return c.post(url, data=data, files=files, follow_redirects=False)


def test_every_account_route_is_in_the_matrix(acc_app):
    routes = _routes(acc_app)
    assert len(routes) >= 15
    # the admin forms for contributors and accounts (test_admin_forms) are walked by test_matrix too
    assert {("POST", "/admin/contributors"), ("POST", "/admin/users"), ("POST", "/admin/users/disable"),
            ("POST", "/admin/users/enable")} <= routes
    # the internal evaluation (computed against the raw records) is an admin route like the others
    assert {("GET", "/admin/releases/{version}/evaluation"),
            ("GET", "/admin/releases/{version}/evaluation/metrics.json")} <= routes
    for method, path in routes:
        assert set(_expected(method, path)) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(acc_app, fixtures, role):
    c = fixtures["clients"][role]
    failures = []
    for method, path in sorted(_routes(acc_app)):
        if path in ("/logout",) or (path == "/login" and method == "POST"):
            continue  # covered by test_auth (signing in or out here would change the role under test)
        outcome = _expected(method, path)[role]
        url = _fill(path, fixtures["batch"])
        r = _request(c, method, url, role, outcome)
        ok: bool
        if outcome == "allow":
            if method == "GET":
                ok = r.status_code in (200, 303) and (r.status_code != 303 or "/login" not in r.headers["location"])
            else:
                ok = (role == "ana-token" and r.status_code < 500) or (r.status_code == 403 and CSRF_REFUSAL in r.text)
                if role == "ana-token" and r.status_code in (401, 403):
                    ok = False
        elif outcome == "hidden":
            ok = r.status_code == 404
        else:
            login_redirect = r.status_code == 303 and r.headers["location"].startswith("/login")
            ok = (r.status_code in (401, 403) or login_redirect) and CSRF_REFUSAL not in r.text
        if not ok:
            failures.append(f"{role} {method} {url} -> {r.status_code}")
    assert failures == []


def test_named_denials(fixtures):
    """The cases the brief names, spelled out."""
    cl, batch = fixtures["clients"], fixtures["batch"]
    assert cl["bob"].get(f"/contribute/batches/{batch}").status_code == 404  # another organization's batch
    assert cl["bob"].get(f"/contribute/api/batches/{batch}").status_code == 404
    token = page_csrf(cl["ana"], "/contribute/")
    r = cl["ana"].post(f"/admin/releases/{DRAFT}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403  # a contributor publishing
    assert cl["ana-token"].post(f"/admin/releases/{DRAFT}/publish").status_code == 403
    anon = cl["anonymous"]
    for path in ("/contribute/upload", "/contribute/api/batches", "/admin/releases/run",
                 f"/admin/releases/{DRAFT}/publish", f"/admin/releases/{DRAFT}/discard"):
        r = anon.post(path, files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}, follow_redirects=False)
        assert r.status_code in (401, 403), path
    from cthub.release.reader import published_versions

    assert DRAFT not in published_versions(fixtures["clients"]["admin"].app.state.home)
