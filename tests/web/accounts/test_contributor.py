"""The contributor area end to end: upload, report, CSV downloads, isolation between organizations, withdrawal."""

from __future__ import annotations

import json

from tests.web.accounts.helpers import csv_bytes, page_csrf, upload

BAD_ROWS = [["901", "Someone", "", "", "", "", "", "note"],  # nothing mapped: rejected
            ["902", "Else", "", "2020-02-02", "X", "31", "Brazil", ""]]


def _batch_id(location: str) -> str:
    assert location.startswith("/contribute/batches/")
    return location.rsplit("/", 1)[1]


def test_upload_report_downloads_and_withdraw(clients, acc_home):
    ana, bob = clients["ana"], clients["bob"]
    r = upload(ana, csv_bytes(40, seed=1, extra=BAD_ROWS), name="march.csv")
    assert r.status_code == 303, r.text[:500]
    batch = _batch_id(r.headers["location"])
    page = ana.get(f"/contribute/batches/{batch}")
    assert page.status_code == 200
    assert "march.csv" in page.text
    assert "<dt>Accepted</dt><dd>41</dd>" in page.text and "<dt>Rejected</dt><dd>1</dd>" in page.text
    assert "Person 1-0" not in page.text  # a name from the file never comes back
    problems = ana.get(f"/contribute/batches/{batch}/problems.csv")
    assert problems.status_code == 200 and problems.headers["content-type"].startswith("text/csv")
    assert "reason" in problems.text.splitlines()[0]
    rejected = ana.get(f"/contribute/batches/{batch}/rejected.csv")
    assert rejected.status_code == 200 and len(rejected.text.strip().splitlines()) == 2  # header + the one row
    # the other organization cannot see that the batch exists
    for path in (f"/contribute/batches/{batch}", f"/contribute/batches/{batch}/problems.csv",
                 f"/contribute/api/batches/{batch}"):
        assert bob.get(path).status_code == 404
    assert batch not in bob.get("/contribute/").text
    assert all(b["batch_id"] != batch for b in bob.get("/contribute/api/batches").json())
    token = page_csrf(bob, "/contribute/")
    assert bob.post(f"/contribute/batches/{batch}/withdraw", data={"csrf_token": token}).status_code == 404
    # re-uploading the same file changes nothing
    again = upload(ana, csv_bytes(40, seed=1, extra=BAD_ROWS), name="march.csv")
    assert again.status_code == 409 and "already imported" in again.text
    # withdraw
    token = page_csrf(ana, f"/contribute/batches/{batch}")
    r = ana.post(f"/contribute/batches/{batch}/withdraw", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    from cthub.store import Store

    store = Store.open(acc_home)
    assert store.batch(batch).status == "withdrawn"
    log = store.audit_log(200)
    actions = {(e["action"], e["target"]) for e in log}
    assert ("upload", batch) in actions and ("withdraw", batch) in actions
    text = json.dumps(log, default=str)
    assert "Person 1-" not in text and "Philippines" not in text  # no record values in the audit log


def test_htcds_template_choice_and_api_upload(clients, acc_app, acc_home):
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    from cthub.store import Store
    from cthub.web.accounts.sessions import new_token, token_hash

    r = upload(clients["bob"], csv_bytes(5, seed=9), mapping="htcds")
    assert r.status_code in (303, 400)  # a hotline export is not the HTCDS template: a clear refusal or a report
    if r.status_code == 400:
        assert "column" in r.text.lower()
    api = new_token("cthub_")
    Store.open(acc_home).token_add(token_hash(api), "bob", purpose="api",
                                   expires=datetime.now(UTC) + timedelta(days=1))
    with TestClient(acc_app) as c:
        r = c.post("/contribute/api/batches", headers={"Authorization": f"Bearer {api}"},
                   files={"file": ("script.csv", csv_bytes(12, seed=3), "text/csv")})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["contributor"] == "ngo-b" and body["accepted"] == 12 and "report_dir" not in body
