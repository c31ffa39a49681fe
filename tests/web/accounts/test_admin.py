"""The admin area: status, live release progress, publish and discard, ledger and audit log."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

from tests.web.accounts.helpers import page_csrf

VERSION = "2026.11.24"


def test_status_page_lists_contributors_mappings_and_accounts(clients):
    html = clients["admin"].get("/admin/").text
    for text in ("NGO A", "NGO B", "testline.yaml", "ana", "bob", "Privacy budget spent"):
        assert text in html


def test_release_runs_in_background_with_polled_progress(clients, acc_app, acc_home):
    from tests.web.release_fixture import write_release

    gate = threading.Event()

    def fake_release(home, config, draft, progress):
        assert draft is True  # the web makes drafts; publishing is a separate, audited step
        for i, what in enumerate(["deid victims", "synth victims", "aggregates victims"]):
            progress(what, i, 4)
            if i == 1:
                gate.wait(10)
        folder = write_release(Path(home), n=500, version=VERSION, publish=False)
        (folder / "report.html").write_text("<!doctype html><title>r</title><p>utility report</p>", encoding="utf-8")
        from cthub.store import Store

        Store.open(home).release_add(VERSION, folder, "draft", {"gates_passed": True, "epsilon": 4.0, "k": 11})
        return SimpleNamespace(version=VERSION, status="draft", gates={"passed": True})

    job = acc_app.state.accounts.job
    job.runner = fake_release
    admin = clients["admin"]
    token = page_csrf(admin, "/admin/releases")
    r = admin.post("/admin/releases/run", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    deadline = time.monotonic() + 10
    seen = admin.get("/admin/releases/progress.json").json()
    while seen["message"] != "synth victims" and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = admin.get("/admin/releases/progress.json").json()
    assert seen["state"] == "running" and seen["done"] == 1 and seen["total"] == 4 and seen["percent"] == 25
    page = admin.get("/admin/releases").text
    assert 'data-progress-url="/admin/releases/progress.json"' in page and "/accounts-static/admin.js" in page
    again = admin.post("/admin/releases/run", data={"csrf_token": token}, follow_redirects=False)
    assert again.status_code == 409  # one run at a time
    gate.set()
    job.wait(20)
    done = admin.get("/admin/releases/progress.json").json()
    assert done["state"] == "done" and done["version"] == VERSION and done["percent"] == 100
    assert admin.get("/accounts-static/admin.js").status_code == 200

    # read the report, publish, and see it on the public API
    assert "utility report" in admin.get(f"/admin/releases/{VERSION}/report").text
    assert clients["anonymous"].get(f"/api/releases/{VERSION}").status_code == 404  # a draft is not public
    r = admin.post(f"/admin/releases/{VERSION}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert clients["anonymous"].get(f"/api/releases/{VERSION}").status_code == 200
    r = admin.post(f"/admin/releases/{VERSION}/discard", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert clients["anonymous"].get(f"/api/releases/{VERSION}").status_code == 404
    assert (acc_home / "releases" / "_discarded" / VERSION).is_dir()

    audit = admin.get("/admin/audit").text
    for action in ("release-run", "release-made", "publish", "discard", "login"):
        assert f"<td>{action}</td>" in audit
    job.runner = None


def test_failed_gates_are_never_published(clients, acc_home):
    from cthub.release.folder import write_checksums, write_json
    from tests.web.release_fixture import write_release

    folder = write_release(acc_home, n=400, version="2026.11.25", publish=False)
    import json

    meta = json.loads((folder / "release.json").read_text())
    meta["gates"] = {"passed": False, "checks": [{"gate": "min_k", "passed": False}]}
    write_json(folder / "release.json", meta)
    write_checksums(folder)
    admin = clients["admin"]
    token = page_csrf(admin, "/admin/releases")
    r = admin.post("/admin/releases/2026.11.25/publish", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 409 and "failed its gates" in r.text
    assert clients["anonymous"].get("/api/releases/2026.11.25").status_code == 404


def test_ledger_page_shows_spends(clients, acc_home):
    from cthub.store import Store

    Store.open(acc_home).ledger_add("2026.11.22", "victims", "synth:mst", 2.0, 1e-7, 0.05)
    html = clients["admin"].get("/admin/ledger").text
    assert "synth:mst" in html and "Privacy-budget ledger" in html
