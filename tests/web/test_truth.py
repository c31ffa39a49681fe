"""Numbers that must never mislead (issue 15) and names validated before anything else (issue 14 item 11), at the API.

Each test reads the published files independently of the web code and checks what the API tells the pages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cthub.release.reader import latest_published
from tests.web.release_fixture import SYNTHETIC_ONLY, write_release

BASE = "/api/releases/latest/tables/victims"


def _published_values(folder: Path, table: str) -> dict[str, set[str]]:
    """attribute -> values named by some published aggregate, from the CSV itself."""
    df = pd.read_csv(folder / "data" / f"{table}_aggregates.csv", dtype=str, keep_default_na=False)
    out: dict[str, set[str]] = {}
    for sel in df["selections"]:
        from cthub.web.cube import parse_selections

        for a, v in parse_selections(sel):
            out.setdefault(a, set()).add(v)
    return out


def test_values_only_in_the_synthetic_data_reach_no_filter_axis_or_region(client, web_home):
    """Issue 15 item 3: years 2025-2034, Antarctica and Åland came from the synthetic file into the pages."""
    folder = latest_published(web_home).path
    synthetic = pd.read_csv(folder / "data" / "victims_synthetic.csv", dtype=str, keep_default_na=False)
    published = _published_values(folder, "victims")
    # future years never show (DP noise may even publish a count for one); other synthetic-only values are absent
    # unless some aggregate happens to publish them
    only_synthetic = {("yearOfRegistration", y) for y, _ in SYNTHETIC_ONLY}
    only_synthetic |= {("citizenship", c) for _, c in SYNTHETIC_ONLY if c not in published["citizenship"]}
    assert all(int(y) > 2026 for y, _ in SYNTHETIC_ONLY)
    assert all((synthetic[a] == v).any() for a, v in only_synthetic)  # they are there to leak

    meta = client.get(f"{BASE}/meta.json").json()
    created_year = int(client.get("/api/releases/latest").json()["created"][:4])
    for attr, info in meta["variables"].items():
        assert set(info["values"]) <= published[attr], attr
        if info["type"] == "year":  # a registration cannot postdate the release (DP noise can name such a year)
            assert all(int(v[:4]) <= created_year for v in info["values"])
    for f in meta["dashboards"]["filters"]:
        if f.get("regions"):
            assert set(f["regions"]) <= published[f["attribute"]]  # regions come from published countries only
    shown = client.get(f"{BASE}/slices/_all.json").json()["attributes"]
    for attr, value in only_synthetic:
        assert value not in {e[0] for e in shown[attr]}, (attr, value)
        assert value not in meta["variables"][attr]["values"]


def test_table_names_are_checked_against_the_release_first(client, web_app):
    """Issue 14 item 11: a 1,000-character table name gave 500, and every unknown name left a lock behind."""
    catalog = web_app.state.catalog
    client.get(f"{BASE}/meta.json")  # the real table's cube is built
    locks_before = len(catalog._build_locks)
    long = "x" * 1000
    for i in range(50):
        name = f"{long}{i}"
        for path in ("meta.json", "slices/_all.json", "flows.json", "aggregates?selections=gender:Female",
                     "chart?attribute=gender"):
            r = client.get(f"/api/releases/latest/tables/{name}/{path}")
            assert r.status_code == 404, (path, r.status_code)
            assert "publishes no aggregates for table" in r.json()["detail"] and len(r.json()["detail"]) < 300
    assert len(catalog._build_locks) == locks_before == 0  # built cubes keep no lock; unknown names make none
    for page in ("/dashboards/", "/explorer/", "/map/"):
        assert client.get(page, params={"table": long}).status_code == 200  # falls back to a published table


@pytest.fixture(scope="module")
def vp_client(tmp_path_factory):
    """A release with a victim-perpetrator table (multi-valued cells, regions instead of countries)."""
    from fastapi.testclient import TestClient

    from cthub.web.app import create_app

    home = tmp_path_factory.mktemp("vphub")
    write_release(home, n=1500, victim_perpetrator=True)
    with TestClient(create_app(home=home)) as c:
        yield c


def test_multi_valued_cells_are_shown_by_their_labels(vp_client):
    """Issue 15 item 6: the victim-perpetrator dashboards showed `FamilyIntimatePartner;Friend…`."""
    from cthub.standard import load_standard

    var = load_standard().table("victim_perpetrator").variable("IP_Relation")
    meta = vp_client.get("/api/releases/latest/tables/victim_perpetrator/meta.json").json()
    labels = meta["variables"]["IP_Relation"]["value_labels"]
    assert "FamilyIntimatePartner|FriendAcquaintance" in labels  # the aggregates' joiner for a multi-valued set
    for code, label in labels.items():
        parts = code.split("|")
        assert label == " + ".join(var.labels[p] for p in parts)
        assert not any(p in label for p in var.codes if p not in var.labels.values())  # no raw code
    rows = vp_client.get("/api/releases/latest/tables/victim_perpetrator/chart",
                         params={"attribute": "IP_Relation"}).json()["rows"]
    assert rows and all(r["label"] == labels[r["value"]] for r in rows)
    assert not any("|" in r["label"] or ";" in r["label"] for r in rows)


def test_multi_valued_estimates_count_the_synthetic_rows_of_that_set(vp_client):
    """The synthetic file writes a set as "A;B", the aggregates as "A|B": an estimate must count the same set."""
    from cthub.release.reader import latest_published

    home = vp_client.app.state.home
    syn = pd.read_csv(latest_published(home).path / "data" / "victim_perpetrator_synthetic.csv", dtype=str,
                      keep_default_na=False)
    rows = vp_client.get("/api/releases/latest/tables/victim_perpetrator/chart",
                         params={"attribute": "IP_Relation"}).json()["rows"]
    got = {r["value"]: r["synthetic_estimate"] for r in rows}
    both = "FamilyIntimatePartner|FriendAcquaintance"
    assert got[both] == int((syn["IP_Relation"] == "FamilyIntimatePartner;FriendAcquaintance").sum()) > 0
    assert got["FriendAcquaintance"] == int((syn["IP_Relation"] == "FriendAcquaintance").sum())


def test_a_table_without_countries_tells_the_map_so_and_flows_are_documented(vp_client):
    """The map asked for flows.json of a table with no country attributes (404) and drew an empty map."""
    meta = vp_client.get("/api/releases/latest/tables/victim_perpetrator/meta.json").json()
    assert meta["countries"] == {"origin": None, "destination": None}  # map.js then fetches no flows
    r = vp_client.get("/api/releases/latest/tables/victim_perpetrator/flows.json")
    assert r.status_code == 404 and "no pair of country attributes" in r.json()["detail"]
    body = vp_client.get(f"{BASE}/flows.json").json()
    assert body["origin_attribute"] == "citizenship" and body["destination_attribute"] == "CountryOfExploitation"
    spec = vp_client.get("/api/openapi.json").json()
    op = spec["paths"]["/api/releases/{version}/tables/{table}/flows.json"]["get"]
    assert "origin_attribute" in op["description"] and "404" in op["responses"]


def test_api_root_links_to_the_docs_and_the_spec(client):
    """`/api/` answered 404 (issue 15)."""
    body = client.get("/api/").json()
    for key in ("docs", "openapi", "releases", "latest"):
        assert client.get(body[key]).status_code == 200, key
