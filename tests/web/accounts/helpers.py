"""A small hub for the account tests: two contributor organizations, an admin, users and a valid upload file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from cthub.config import Contributor, HubConfig, save_config

MAPPING = """
name: testline
version: "1"
table: victims
identifiers: [Caller name, Phone, Notes]
variables:
  Datasource: {constant: Hotline}
  yearOfRegistration: {from: [Call date], required: true}
  gender: {from: Sex, values: {F: Female, M: Male}}
  ageBroad: {from: Age, transform: age_band}
  majorityStatus: {from: Age, transform: majority}
  citizenship: {from: Nationality}
"""
HEADER = ["Call ID", "Caller name", "Phone", "Call date", "Sex", "Age", "Nationality", "Notes"]
PASSWORDS = {"admin": "admin-passphrase-1", "ana": "ana-passphrase-12", "bob": "bob-passphrase-12"}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_hub(home: Path) -> Path:
    """Config, mapping and three accounts (admin; ana of ngo-a; bob of ngo-b)."""
    from cthub.store import Store
    from cthub.web.accounts.passwords import hash_password

    home.mkdir(parents=True, exist_ok=True)
    (home / "testline.yaml").write_text(MAPPING, encoding="utf-8")
    save_config(HubConfig(name="test hub", contributors=[
        Contributor(id="ngo-a", name="NGO A", mapping=str(home / "testline.yaml")),
        Contributor(id="ngo-b", name="NGO B", mapping=str(home / "testline.yaml")),
    ]), home)
    store = Store.open(home)
    store.user_add("admin", hash_password(PASSWORDS["admin"]), "admin")
    store.user_add("ana", hash_password(PASSWORDS["ana"]), "contributor", "ngo-a")
    store.user_add("bob", hash_password(PASSWORDS["bob"]), "contributor", "ngo-b")
    return home


def csv_bytes(rows: int = 30, seed: int = 0, extra: list[list[str]] | None = None) -> bytes:
    """A hotline export: valid rows plus, optionally, `extra` raw rows (bad ones for the report)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    sexes, nats = ["F", "M"], ["Philippines", "Viet Nam", "UA", "Brazil"]
    for i in range(rows):
        w.writerow([str(i + 1), f"Person {seed}-{i}", "", f"20{19 + (i + seed) % 4}-0{1 + i % 9}-11",
                    sexes[(i + seed) % 2], str(14 + (i * 7 + seed) % 40), nats[(i + seed) % 4], ""])
    for row in extra or []:
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def csrf(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def login(client, username: str, password: str | None = None) -> None:
    """Sign `client` in through the real form (CSRF and all)."""
    token = csrf(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": password or PASSWORDS[username],
                                    "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])


def page_csrf(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return csrf(r.text)


def upload(client, data: bytes, name: str = "calls.csv", mapping: str = "organization", follow: bool = False):
    token = page_csrf(client, "/contribute/")
    return client.post("/contribute/upload", files={"file": (name, data, "text/csv")},
                       data={"csrf_token": token, "mapping": mapping}, follow_redirects=follow)
