"""The JSON API answers only from published aggregates, and the downloads gate holds."""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest

from cthub.release.reader import Release, latest_published

BASE = "/api/releases/latest/tables/victims"


@pytest.fixture(scope="module")
def published(web_home) -> dict[frozenset, int]:
    """The release's aggregates file, read independently of the web code."""
    df = pd.read_csv(latest_published(web_home).path / "data" / "victims_aggregates.csv", dtype=str,
                     keep_default_na=False)
    return {frozenset(tuple(p.split(":", 1)) for p in s.split(";")): int(c) for s, c in zip(df.selections, df["count"])}


def test_releases_and_tables(client, web_home):
    statement = latest_published(web_home).privacy  # read independently of the web code
    releases = client.get("/api/releases").json()
    assert [r["version"] for r in releases] == ["2026.11.22"]
    assert releases[0]["privacy"]["profile"] == "dp" and releases[0]["privacy"]["epsilon"] > 0
    tables = client.get("/api/releases/latest/tables").json()
    assert tables[0]["table"] == "victims" and tables[0]["reporting_length"] == 3
    # the record count only as declared: the DP noisy count with its guarantee, never an exact count
    assert tables[0]["records"] == {"value": statement["tables"]["victims"]["records"]["value"], "guarantee": "dp"}
    assert "differentially private count" in tables[0]["records_text"]
    files = client.get("/api/releases/2026.11.22").json()["files"]
    assert [f["name"] for f in files] == [o["path"] for o in statement["outputs"]]
    assert not any(f["name"].endswith("metrics.json") for f in files)
    import hashlib

    folder = latest_published(web_home).path
    for f in files:  # the digests are the files' own, whether or not SHA256SUMS is declared
        assert f["sha256"] == hashlib.sha256((folder / f["name"]).read_bytes()).hexdigest()
    assert client.get("/api/releases/latest/privacy").json() == statement


def test_meta_json_states_records_and_rule_as_declared(client, web_home):
    meta = client.get(f"{BASE}/meta.json").json()
    declared = latest_published(web_home).privacy["tables"]["victims"]["records"]
    assert meta["records"] == {"value": declared["value"], "guarantee": "dp"}
    assert meta["records_text"].startswith("about ") and meta["threshold"] is None
    assert meta["rule"]["kind"] == "dp" and "noise" in meta["rule"]["missing"]
    assert client.get(f"{BASE}/slices/_all.json").json()["total"]["protected"] == declared["value"]


def test_aggregate_query_returns_published_counts_or_suppressed(client, published):
    rng = random.Random(7)
    for sel in rng.sample(sorted(published, key=sorted), 40):
        text = ";".join(f"{a}:{v}" for a, v in sel)
        body = client.get(f"{BASE}/aggregates", params={"selections": text}).json()
        assert body["status"] == "published" and body["count"] == published[sel]
    # a combination of published values that is itself not published is suppressed, not computed
    ones = {next(iter(k)) for k in published if len(k) == 1}
    cit = sorted(v for a, v in ones if a == "citizenship")
    missing = next(c for c in cit if frozenset({("citizenship", c), ("gender", "Female")}) not in published)
    body = client.get(f"{BASE}/aggregates", params={"selections": f"citizenship:{missing};gender:Female"}).json()
    assert body == {"selections": f"gender:Female;citizenship:{missing}", "length": 2, "status": "suppressed",
                    "count": None, "reporting_length": 3}
    deep = "gender:Female;ageBroad:9--17;Datasource:Hotline;majorityStatus:Minor"
    assert client.get(f"{BASE}/aggregates", params={"selections": deep}).json()["status"] == "too deep"


def test_bad_queries_say_what_to_do(client):
    r = client.get(f"{BASE}/aggregates", params={"selections": "shoeSize:42"})
    assert r.status_code == 400 and "no published attribute 'shoeSize'" in r.json()["detail"]
    r = client.get(f"{BASE}/aggregates", params={"selections": "gender:Female;gender:Male"})
    assert r.status_code == 400 and "one value per attribute" in r.json()["detail"]
    assert client.get("/api/releases/1999.01.01").status_code == 404
    assert client.get("/api/releases/latest/tables/nope/meta.json").status_code == 404


def test_every_protected_number_in_a_slice_is_a_published_count(client, published):
    from cthub.web.cube import slug

    # the largest published pair: a filter whose 3-way cells a DP release publishes the most of
    pair = max((k for k in published if len(k) == 2), key=lambda k: published[k])
    order = client.get(f"{BASE}/meta.json").json()["columns"]
    pair_key = ";".join(f"{a}:{v}" for a, v in sorted(pair, key=lambda s: order.index(s[0])))
    for key in ["_all", "gender_3a_Female", slug(pair_key)]:
        sl = client.get(f"{BASE}/slices/{key}.json").json()
        base = frozenset(tuple(s) for s in sl["selections"])
        seen = 0
        for attr, entries in sl["attributes"].items():
            for value, prot, syn in entries:
                combo = base | {(attr, value)}
                if prot is None:
                    assert combo not in published
                else:
                    assert published[combo] == prot
                    seen += 1
                assert syn is None or syn >= 0
        assert seen > 5


def test_a_value_outside_the_standard_is_a_clear_400(client, published):
    """Issue 15 item 6: `gender:Nope` answered 200 "suppressed"; a value the standard does not define is an error that
    names the attribute and lists the published values, on every route that takes a filter. A value the standard
    defines but the release does not publish stays "suppressed": a 400 there would tell a rare value that is absent
    apart from one that is merely withheld (the differencing test relies on that)."""
    absent = next(c for c in ("TV", "NR", "VA", "PN", "NU") if frozenset({("citizenship", c)}) not in published)
    for url, params in [(f"{BASE}/aggregates", {"selections": "gender:Nope"}),
                        (f"{BASE}/slices/gender_3a_Nope.json", None),
                        (f"{BASE}/chart", {"attribute": "ageBroad", "filter": "gender:Nope"})]:
        r = client.get(url, params=params)
        assert r.status_code == 400, (url, params, r.status_code)
        detail = r.json()["detail"]
        assert "has no published value" in detail and "values:" in detail
    withheld = client.get(f"{BASE}/aggregates", params={"selections": f"citizenship:{absent}"})
    assert withheld.status_code == 200 and withheld.json()["status"] == "suppressed"
    ok = client.get(f"{BASE}/aggregates", params={"selections": "gender:Female"}).json()
    assert ok["status"] == "published" and ok["count"] == published[frozenset({("gender", "Female")})]


def test_too_deep_slice_is_flagged(client):
    sl = client.get(f"{BASE}/slices/Datasource_3a_Hotline_3b_gender_3a_Male_3b_ageBroad_3a_9--17.json").json()
    assert sl["too_deep"] is True
    assert all(e[1] is None for entries in sl["attributes"].values() for e in entries)


def test_chart_csv_and_json(client, published):
    r = client.get(f"{BASE}/chart", params={"attribute": "ageBroad", "filter": "gender:Female", "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0] == "attribute,value,label,protected_count,status,synthetic_estimate"
    rows = client.get(f"{BASE}/chart", params={"attribute": "ageBroad", "filter": "gender:Female"}).json()["rows"]
    assert len(rows) == len(lines) - 1
    for row in rows:
        combo = frozenset({("gender", "Female"), ("ageBroad", row["value"])})
        assert row["protected_count"] == published.get(combo)


def test_flows_are_published_two_way_counts(client, published):
    body = client.get(f"{BASE}/flows.json").json()
    assert body["origin_attribute"] == "citizenship" and body["destination_attribute"] == "CountryOfExploitation"
    counts = [f["count"] for f in body["flows"]]
    assert counts == sorted(counts, reverse=True) and counts
    for f in body["flows"]:
        assert published[frozenset({("citizenship", f["origin"]), ("CountryOfExploitation", f["destination"])})] == f["count"]


def test_world_topojson_uses_alpha2(client):
    topo = client.get("/api/geo/world.json").json()
    ids = {g["id"] for g in topo["objects"]["countries"]["geometries"]}
    assert {"PH", "NA", "US", "XK"} <= ids and all(re.fullmatch(r"[A-Z]{2}", i) for i in ids)


def test_openapi_documents_the_api(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/releases/{version}/tables/{table}/aggregates" in paths
    assert "/api/codebook" in paths


def test_codebook_api_matches_the_standard(client):
    from cthub.standard import load_standard

    body = client.get("/api/codebook/victims").json()
    assert [v["name"] for v in body["variables"]] == load_standard().table("victims").columns
    assert client.get("/api/codebook/nope").status_code == 404


class TestDownloadGate:
    URL = "/downloads/2026.11.22/data/victims_aggregates.csv"

    def test_file_url_without_terms_redirects(self, web_app):
        from fastapi.testclient import TestClient

        with TestClient(web_app) as c:
            r = c.get(self.URL, follow_redirects=False)
            assert r.status_code == 303
            assert r.headers["location"].startswith("/downloads/terms?next=%2Fdownloads%2F2026.11.22")

    def test_accepting_sets_a_cookie_and_serves_the_file(self, web_app, web_home):
        from fastapi.testclient import TestClient

        with TestClient(web_app) as c:
            refused = c.post("/downloads/terms", data={"next": self.URL}, follow_redirects=False)
            assert refused.status_code == 400 and "cthub_terms" not in refused.cookies
            r = c.post("/downloads/terms", data={"accept": "yes", "next": self.URL}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == self.URL
            got = c.get(self.URL)
            assert got.status_code == 200
            assert got.content == (Release(web_home / "releases" / "2026.11.22").path_of("data/victims_aggregates.csv")
                                   .read_bytes())

    def test_forged_cookie_and_open_redirect_are_refused(self, web_app):
        from fastapi.testclient import TestClient

        with TestClient(web_app) as c:
            c.cookies.set("cthub_terms", "eyJhY2NlcHRlZCI6dHJ1ZX0.forged")
            assert c.get(self.URL, follow_redirects=False).status_code == 303
            r = c.post("/downloads/terms", data={"accept": "yes", "next": "https://evil.example/"},
                       follow_redirects=False)
            assert r.headers["location"] == "/downloads/"

    @pytest.mark.parametrize("name", ["../../cthub.yaml", "..%2F..%2Fpublished.json", "data/../../published.json",
                                      "/etc/passwd", "data/not_listed.csv", "%2e%2e/%2e%2e/published.json"])
    def test_path_traversal_is_impossible(self, web_app, name):
        from fastapi.testclient import TestClient

        with TestClient(web_app) as c:
            c.post("/downloads/terms", data={"accept": "yes"})
            r = c.get(f"/downloads/2026.11.22/{name}", follow_redirects=True)
            assert r.status_code == 404, name
            assert b'"published"' not in r.content and b"root:" not in r.content
