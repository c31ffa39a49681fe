"""Adding contributors and accounts from the admin page: same checks as the CLI, admin only, CSRF-protected.

These tests change the hub (cthub.yaml, users), so they run on a hub and app of their own, not the shared ones.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.accounts.helpers import login, make_hub, page_csrf

NEW_PASSWORD = "shelter-passphrase-1"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from cthub.web.app import create_app

    home = make_hub(tmp_path_factory.mktemp("formhub"))
    app = create_app(home=home)
    out = {}
    for role in ("anonymous", "ana", "admin"):
        c = TestClient(app, raise_server_exceptions=False)
        if role != "anonymous":
            login(c, role)
        out[role] = c
    yield home, app, out
    for c in out.values():
        c.close()


def _audit_actions(home) -> list[tuple]:
    from cthub.store import Store

    return [(r["actor"], r["action"], r["target"]) for r in Store.open(home).audit_log(500)]


def test_admin_adds_contributor_and_user_who_can_sign_in(hub):
    from cthub.config import load_config

    home, app, cl = hub
    admin = cl["admin"]
    page = admin.get("/admin/")
    assert 'value="htcds"' in page.text  # built-in mappings are offered
    token = page_csrf(admin, "/admin/")
    r = admin.post("/admin/contributors", data={"csrf_token": token, "contributor_id": "shelter-a",
                                                "name": "Shelter A", "builtin_mapping": "htcds"},
                   follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    conf = load_config(home)
    assert conf.contributor("shelter-a").mapping == "builtin:htcds"
    assert app.state.config.contributor("shelter-a").name == "Shelter A"  # the running app sees it at once
    assert "shelter-a" in admin.get("/admin/").text

    r = admin.post("/admin/users", data={"csrf_token": token, "username": "sam", "role": "contributor",
                                         "contributor": "shelter-a", "password": NEW_PASSWORD},
                   follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    actions = _audit_actions(home)
    assert ("admin", "contributor-add", "shelter-a") in actions
    assert ("admin", "user-add", "sam") in actions

    from cthub.store import Store

    stored = Store.open(home).user_get("sam")
    assert stored["password_hash"].startswith("$argon2id$") and NEW_PASSWORD not in stored["password_hash"]
    sam = TestClient(app, raise_server_exceptions=False)
    login(sam, "sam", NEW_PASSWORD)
    r = sam.get("/contribute/")
    assert r.status_code == 200 and ("Shelter A" in r.text or "shelter-a" in r.text)

    # disabling locks the account out: its open session ends
    r = admin.post("/admin/users/disable", data={"csrf_token": token, "username": "sam"}, follow_redirects=False)
    assert r.status_code == 303
    assert Store.open(home).user_get("sam")["disabled"]
    r = sam.get("/contribute/", follow_redirects=False, headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert ("admin", "user-disable", "sam") in _audit_actions(home)
    sam.close()


def test_invalid_contributor_id_is_explained_on_the_page(hub):
    from cthub.config import load_config

    home, _, cl = hub
    admin = cl["admin"]
    token = page_csrf(admin, "/admin/")
    r = admin.post("/admin/contributors", data={"csrf_token": token, "contributor_id": "Bad Id!",
                                                "name": "Bad", "builtin_mapping": "htcds"})
    assert r.status_code == 400
    assert "Contributor &#39;Bad Id!&#39; not added" in r.text and "pattern" in r.text
    assert 'value="Bad Id!"' in r.text  # the typed values come back for correcting
    assert all(c.id != "Bad Id!" for c in load_config(home).contributors)
    r = admin.post("/admin/contributors", data={"csrf_token": token, "contributor_id": "ngo-c", "name": "C",
                                                "mapping_path": "no-such-mapping.yaml"})
    assert r.status_code == 400 and "not added" in r.text
    assert all(c.id != "ngo-c" for c in load_config(home).contributors)


def test_bad_accounts_are_refused_with_reasons(hub):
    from cthub.store import Store

    home, _, cl = hub
    admin = cl["admin"]
    token = page_csrf(admin, "/admin/")
    cases = [({"username": "x1", "role": "contributor", "contributor": "", "password": NEW_PASSWORD}, "organization"),
             ({"username": "x2", "role": "contributor", "contributor": "nope", "password": NEW_PASSWORD}, "unknown"),
             ({"username": "x3", "role": "admin", "contributor": "ngo-a", "password": NEW_PASSWORD}, "admin"),
             ({"username": "x4", "role": "contributor", "contributor": "ngo-a", "password": "short"}, "12"),
             ({"username": "ana", "role": "contributor", "contributor": "ngo-a", "password": NEW_PASSWORD}, "ana")]
    for data, word in cases:
        r = admin.post("/admin/users", data={"csrf_token": token, **data})
        assert r.status_code == 400 and "Account not added" in r.text and word in r.text, data["username"]
        assert NEW_PASSWORD not in r.text
    store = Store.open(home)
    assert all(store.user_get(u) is None for u in ("x1", "x2", "x3", "x4"))


def test_missing_csrf_token_is_refused(hub):
    from cthub.config import load_config
    from cthub.store import Store

    home, _, cl = hub
    admin = cl["admin"]
    r = admin.post("/admin/contributors", data={"contributor_id": "nocsrf", "name": "N", "builtin_mapping": "htcds"})
    assert r.status_code == 403
    r = admin.post("/admin/users", data={"username": "nocsrf", "role": "admin", "password": NEW_PASSWORD})
    assert r.status_code == 403
    r = admin.post("/admin/users/disable", data={"username": "ana"})
    assert r.status_code == 403
    assert all(c.id != "nocsrf" for c in load_config(home).contributors)
    store = Store.open(home)
    assert store.user_get("nocsrf") is None and not store.user_get("ana")["disabled"]


def test_contributor_and_public_are_denied(hub):
    from cthub.config import load_config
    from cthub.store import Store

    home, _, cl = hub
    token = page_csrf(cl["ana"], "/contribute/")  # a valid token of her own: only the role check can stop her
    posts = [("/admin/contributors", {"contributor_id": "evil", "name": "E", "builtin_mapping": "htcds"}),
             ("/admin/users", {"username": "evil", "role": "admin", "password": NEW_PASSWORD}),
             ("/admin/users/disable", {"username": "admin"})]
    for url, data in posts:
        r = cl["ana"].post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == 403, url
        r = cl["anonymous"].post(url, data=data, follow_redirects=False)
        assert r.status_code in (401, 403), url
    r = cl["anonymous"].get("/admin/", follow_redirects=False, headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert all(c.id != "evil" for c in load_config(home).contributors)
    store = Store.open(home)
    assert store.user_get("evil") is None and not store.user_get("admin")["disabled"]


def test_admin_cannot_disable_self(hub):
    home, _, cl = hub
    admin = cl["admin"]
    token = page_csrf(admin, "/admin/")
    r = admin.post("/admin/users/disable", data={"csrf_token": token, "username": "admin"})
    assert r.status_code == 400 and "your own account" in r.text
