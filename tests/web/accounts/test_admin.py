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

    # read the public report and the internal evaluation, publish, and see it on the public API
    assert "Release report" in admin.get(f"/admin/releases/{VERSION}/report").text
    page = admin.get("/admin/releases").text
    assert f'href="/admin/releases/{VERSION}/evaluation"' in page
    assert "Internal evaluation" in admin.get(f"/admin/releases/{VERSION}/evaluation").text
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


def test_internal_evaluation_is_for_admins_only(clients, acc_home):
    """`<hub>/evaluations/<v>/` (computed against the raw records) is shown to admins, never to anyone else."""
    from tests.web.release_fixture import write_release

    version = "2026.11.26"
    write_release(acc_home, n=400, version=version, publish=False)
    evaluation = acc_home / "evaluations" / version
    (evaluation / "metrics.json").write_text('{"records_real": 400, "dcr_share": 0.01}', encoding="utf-8")
    admin = clients["admin"]
    r = admin.get(f"/admin/releases/{version}/evaluation")
    assert r.status_code == 200 and "Internal evaluation" in r.text and r.headers["cache-control"] == "no-store"
    m = admin.get(f"/admin/releases/{version}/evaluation/metrics.json")
    assert m.status_code == 200 and m.json() == {"records_real": 400, "dcr_share": 0.01}
    assert admin.get("/admin/releases/2026.11.27/evaluation").status_code == 404  # none written
    assert admin.get("/admin/releases/..%2F..%2Fcthub.yaml/evaluation").status_code == 404
    for role in ("anonymous", "ana", "bob"):
        for url in (f"/admin/releases/{version}/evaluation", f"/admin/releases/{version}/evaluation/metrics.json"):
            r = clients[role].get(url, follow_redirects=False)
            assert r.status_code in (401, 403) or (r.status_code == 303 and r.headers["location"].startswith("/login"))
            assert "records_real" not in r.text and "Internal evaluation" not in r.text
    # and no public route reaches it, even for a published release
    from cthub.release.folder import write_published

    write_published(acc_home, ["2026.11.22", version])
    from fastapi.testclient import TestClient

    try:
        with TestClient(clients["anonymous"].app) as anon:
            anon.post("/downloads/terms", data={"accept": "yes"})
            assert anon.get(f"/downloads/{version}/release.json").status_code == 200  # published and served
            for name in ("../../evaluations/2026.11.26/metrics.json", "metrics.json", "evaluation/metrics.json"):
                assert anon.get(f"/downloads/{version}/{name}").status_code == 404
    finally:
        write_published(acc_home, ["2026.11.22"])
