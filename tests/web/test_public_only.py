"""The public web reads only public artifacts: what `privacy.json` declares, nothing else in or near the release.

Method: build the fixture release and record every public page and API answer. Then delete every file of the folder
that the privacy statement does not declare, and put poisoned internal files next to it: a `metrics.json` and an
undeclared k-anonymized file inside the release folder, and an internal evaluation in `<hub>/evaluations/<version>/`,
all carrying sentinel values. A fresh app over the pruned and poisoned hub must answer every page and endpoint with
the same status and the same bytes, and no answer may contain a sentinel. The routes come from the app's router, so
a new public route fails here until it has an example request.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from cthub.release.folder import write_table
from cthub.release.reader import Release
from cthub.web.app import create_app
from tests.web.release_fixture import VERSION, write_release

ACCOUNT_PREFIXES = ("/admin", "/contribute", "/login", "/logout")
SENTINEL_NUMBER = 987654321
SENTINEL_TEXT = "SENTINEL-internal-7f3a"
SENTINELS = (str(SENTINEL_NUMBER), f"{SENTINEL_NUMBER:,}", SENTINEL_TEXT)
T = f"/api/releases/{VERSION}/tables/victims"

# Example requests per public GET route (path template -> concrete URLs). `{file}` expands to every declared file.
EXAMPLES: dict[str, list[str]] = {
    "/api/openapi.json": ["/api/openapi.json"],
    "/api/": ["/api/"],
    "/api/releases": ["/api/releases"],
    "/api/releases/{version}": [f"/api/releases/{VERSION}", "/api/releases/latest"],
    "/api/releases/{version}/privacy": [f"/api/releases/{VERSION}/privacy", "/api/releases/latest/privacy"],
    "/api/releases/{version}/tables": [f"/api/releases/{VERSION}/tables"],
    "/api/releases/{version}/tables/{table}/meta.json": [f"{T}/meta.json"],
    "/api/releases/{version}/tables/{table}/slices/{slug}.json": [f"{T}/slices/_all.json",
                                                                  f"{T}/slices/gender_3a_Female.json"],
    "/api/releases/{version}/tables/{table}/flows.json": [f"{T}/flows.json"],
    "/api/releases/{version}/tables/{table}/aggregates": [f"{T}/aggregates?selections=gender:Female",
                                                          f"{T}/aggregates?selections=gender:Female;ageBroad:18--20"],
    "/api/releases/{version}/tables/{table}/chart": [f"{T}/chart?attribute=ageBroad&filter=gender:Female",
                                                     f"{T}/chart?attribute=citizenship&format=csv"],
    "/api/codebook": ["/api/codebook"],
    "/api/codebook/{table}": ["/api/codebook/victims"],
    "/api/geo/world.json": ["/api/geo/world.json"],
    "/downloads/": ["/downloads/"],
    "/downloads/terms": ["/downloads/terms"],
    "/downloads/{version}/{name:path}": ["{file}"],
    "/downloads/{version}.zip": [f"/downloads/{VERSION}.zip"],
    "/": ["/"],
    "/protection/": ["/protection/"],
    "/dashboards/": ["/dashboards/", "/dashboards/?table=victims"],
    "/map/": ["/map/"],
    "/explorer/": ["/explorer/"],
    "/codebook/": ["/codebook/"],
    "/codebook/{table}/": ["/codebook/victims/"],
    "/countries/": ["/countries/"],
    "/countries/{code}/": ["/countries/US/", "/countries/UA/"],
    "/api/docs": ["/api/docs"],
}


def _walk(routes):
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes)
        else:
            yield r


def public_get_routes(app) -> list[str]:
    """Every GET route of the public site (pages and API), as registered on the router."""
    out = []
    for r in _walk(app.routes):
        if isinstance(r, (APIRoute, Route)) and "GET" in (r.methods or set()) and not r.path.startswith(ACCOUNT_PREFIXES):
            out.append(r.path)
    return sorted(set(out))


with tempfile.TemporaryDirectory(prefix="cthub-routes-") as _empty_hub:
    ROUTES = public_get_routes(create_app(home=_empty_hub))


def _urls(route: str, release: Release) -> list[str]:
    urls = []
    for u in EXAMPLES.get(route, []):
        if u == "{file}":
            urls += [f"/downloads/{VERSION}/{name}" for name in release.public_files() if name != "privacy.json"]
        else:
            urls.append(u)
    return urls


def _answers(home: Path) -> dict[str, tuple[int, bytes]]:
    release = Release(home / "releases" / VERSION)
    out = {}
    with TestClient(create_app(home=home)) as c:
        c.post("/downloads/terms", data={"accept": "yes"})
        for route in ROUTES:
            for url in _urls(route, release):
                r = c.get(url, follow_redirects=False)
                out[url] = (r.status_code, r.content)
    return out


def _prune_and_poison(home: Path) -> list[str]:
    """Delete what privacy.json does not declare; plant sentinel-carrying internal files. Returns what was deleted."""
    folder = home / "releases" / VERSION
    keep = set(Release(folder).public_files())
    deleted = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in keep:
            p.unlink()
            deleted.append(rel)
    (folder / "metrics.json").write_text(json.dumps({"records": SENTINEL_NUMBER, "records_real": SENTINEL_NUMBER,
                                                     "note": SENTINEL_TEXT}), encoding="utf-8")
    kanon = pd.DataFrame({"gender": [SENTINEL_TEXT] * 3, "ageBroad": ["18--20"] * 3,
                          "citizenship": [SENTINEL_TEXT] * 3}, dtype="string")
    write_table(kanon, folder / "data", "victims_kanon")  # undeclared in a dp release
    evaluation = home / "evaluations" / VERSION
    evaluation.mkdir(parents=True, exist_ok=True)
    (evaluation / "metrics.json").write_text(json.dumps({"records_real": SENTINEL_NUMBER, "dcr": SENTINEL_TEXT}),
                                             encoding="utf-8")
    (evaluation / "report.html").write_text(f"<p>{SENTINEL_TEXT} {SENTINEL_NUMBER}</p>", encoding="utf-8")
    return deleted


@pytest.fixture(scope="module")
def before_after(tmp_path_factory):
    home = tmp_path_factory.mktemp("publiconly")
    folder = write_release(home, n=2500)
    # an undeclared file the way an old pipeline left one: it must be neither read nor served, and is pruned below
    (folder / "metrics.json").write_text(json.dumps({"records_real": 2500}), encoding="utf-8")
    before = _answers(home)
    deleted = _prune_and_poison(home)
    after = _answers(home)
    return before, after, deleted, home


def test_the_routes_come_from_the_router():
    assert len(ROUTES) >= 20
    assert {"/", "/protection/", "/api/releases/{version}/privacy", "/downloads/{version}/{name:path}"} <= set(ROUTES)


def test_pruning_removed_only_undeclared_files(before_after):
    _, _, deleted, home = before_after
    assert deleted == ["metrics.json"]
    assert (home / "releases" / VERSION / "privacy.json").is_file()


@pytest.mark.parametrize("route", ROUTES)
def test_route_answers_the_same_from_public_files_alone(before_after, route):
    before, after, _, home = before_after
    urls = _urls(route, Release(home / "releases" / VERSION))
    assert urls, f"no example request for public route {route!r}: add one to EXAMPLES in {__file__}"
    for url in urls:
        status, body = after[url]
        assert before[url][0] == 200, f"{url} answered {before[url][0]} before pruning"
        assert status == 200, f"{url} answered {status} once undeclared files were gone"
        assert body == before[url][1], f"{url} changed once undeclared files were gone (it read one)"
        text = body.decode("utf-8", "replace")
        assert not any(s in text for s in SENTINELS), f"{url} carries a value from an internal file"


@pytest.mark.parametrize("name", ["metrics.json", "data/victims_kanon.csv", "data/victims_kanon.parquet",
                                  "../../evaluations/2026.11.22/metrics.json", "../evaluations/2026.11.22/report.html"])
def test_undeclared_files_are_not_served(before_after, name):
    home = before_after[3]
    assert (home / "releases" / VERSION / "metrics.json").is_file()  # the poison is there to be refused
    with TestClient(create_app(home=home)) as c:
        c.post("/downloads/terms", data={"accept": "yes"})
        r = c.get(f"/downloads/{VERSION}/{name}", follow_redirects=True)
        assert r.status_code == 404, name
        assert not any(s in r.text for s in SENTINELS)


def test_downloads_list_exactly_the_declared_files(before_after):
    home = before_after[3]
    release = Release(home / "releases" / VERSION)
    declared = [o["path"] for o in release.privacy["outputs"]]
    with TestClient(create_app(home=home)) as c:
        files = c.get(f"/api/releases/{VERSION}").json()["files"]
        page = c.get("/downloads/").text
    assert [f["name"] for f in files] == declared
    assert all(f["guarantee"] == release.guarantee(f["name"]) and f["protection"] for f in files)
    assert "metrics.json" not in page and "victims_kanon" not in page
