"""Item 7: the admin form's mapping path cannot read server files: only the hub's `mappings/` folder, no echo."""

from __future__ import annotations

import pytest

from tests.web.accounts.helpers import MAPPING, login, page_csrf


def _add(client, path: str, cid: str = "ngo-z"):
    token = page_csrf(client, "/admin/")
    return client.post("/admin/contributors", data={"csrf_token": token, "contributor_id": cid, "name": "Z",
                                                   "mapping_path": path})


@pytest.mark.parametrize("path", ["/etc/passwd", "../testline.yaml", "mappings/../testline.yaml",
                                  "{home}/testline.yaml", "/etc/hostname", "mappings/../../etc/passwd"])
def test_paths_outside_mappings_are_refused_without_echo(hub, client, path):
    from cthub.config import load_config

    login(client, "admin")
    secret = "root-line-that-must-not-leak: [unbalanced"
    (hub / "private.yaml").write_text(secret + "\n", encoding="utf-8")
    r = _add(client, path.format(home=hub))
    assert r.status_code == 400 and "mappings/" in r.text
    assert "root:" not in r.text and "unbalanced" not in r.text
    assert all(c.id != "ngo-z" for c in load_config(hub).contributors)


def test_existence_is_not_revealed_outside_mappings(hub, client):
    login(client, "admin")
    a = _add(client, "/etc/passwd").text
    b = _add(client, "/etc/no-such-file-here").text
    strip = lambda t: t.replace("/etc/passwd", "X").replace("/etc/no-such-file-here", "X")  # noqa: E731
    assert strip(a) == strip(b)


def test_a_bad_mapping_inside_mappings_is_not_quoted(hub, client):
    login(client, "admin")
    (hub / "mappings").mkdir(exist_ok=True)
    (hub / "mappings" / "broken.yaml").write_text("secret-line: [unbalanced\n", encoding="utf-8")
    r = _add(client, "broken.yaml")
    assert r.status_code == 400 and "unbalanced" not in r.text and "secret-line" not in r.text


def test_a_mapping_in_mappings_is_accepted(hub, client):
    from cthub.config import load_config

    login(client, "admin")
    (hub / "mappings").mkdir(exist_ok=True)
    (hub / "mappings" / "z.yaml").write_text(MAPPING, encoding="utf-8")
    r = _add(client, "z.yaml")
    assert r.status_code in (200, 303), r.text[:300]
    entry = next(c for c in load_config(hub).contributors if c.id == "ngo-z")
    assert entry.mapping == "mappings/z.yaml"
