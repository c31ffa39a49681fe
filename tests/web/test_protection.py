"""The "How this release is protected" page and every record count: generated from privacy.json, as declared.

Each claim on the page is checked against the statement read independently (json), for both profiles; an old
release whose release.json carries exact counts shows none of them.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from cthub.web.app import create_app
from cthub.web.protection import about, fmt_delta, fmt_epsilon, records_text
from tests.web.release_fixture import EFFECTIVE_THRESHOLD, THRESHOLD, VERSION, write_release

LONG_FLOAT = re.compile(r"\d\.\d{4,}")  # e.g. 5.911290765542465: ε printed unrounded


def _text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    home = tmp_path_factory.mktemp("classic")
    folder = write_release(home, n=2000, profile="classic")
    with TestClient(create_app(home=home)) as c:
        yield c, json.loads((folder / "privacy.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dp(web_home, client):
    return client, json.loads((web_home / "releases" / VERSION / "privacy.json").read_text(encoding="utf-8"))


def test_formatting():
    assert fmt_epsilon(5.911290765542465) == "5.91" and fmt_epsilon(0.017646) == "0.018" and fmt_epsilon(None) == ""
    assert fmt_epsilon(0.09999999999998266) == "0.10" and fmt_epsilon(0.05) == "0.050"
    assert fmt_delta(1e-6) == "10⁻⁶" and fmt_delta(2.5e-7) == "2.5 × 10⁻⁷"
    assert about(37914) == "37,900" and about(912) == "912" and about(6150) == "6,150"
    assert records_text({"value": 37914, "guarantee": "dp"}) == "about 37,900 records — a differentially private count"
    assert records_text({"value": 37912, "guarantee": "k-anonymity"}) == "37,912 records (k-anonymized file)"
    assert records_text(None) is None


def test_statement_prefers_the_releases_own_limits_and_lists_spends():
    from cthub.web.protection import statement

    st = statement({"profile": "dp", "unit": {"kind": "person", "statement": "one person."},
                    "composed": {"epsilon": 5.914766964191292, "delta": 1e-6, "rho": 0.62, "spends": [
                        {"table": "victims", "mechanism": "count:discrete-gaussian", "epsilon": 0.09999999999998266,
                         "rho": 0.00032}]},
                    "not_promised": ["Two contributors' records of one person count as two persons."]})
    assert st["composed"]["epsilon"] == "5.91" and st["unit"] == "one person"
    assert st["spends"] == [{"table": "victims", "mechanism": "record count (discrete Gaussian noise)",
                             "epsilon": "0.10", "rho": "0.00032"}]
    assert st["not_promised"] == ["Two contributors' records of one person count as two persons."]


def test_dp_page_states_the_composed_budget_once_and_every_output(dp):
    c, statement = dp
    r = c.get("/protection/")
    assert r.status_code == 200
    text = _text(r.text)
    eps = statement["composed"]["epsilon"]
    assert f"(ε = {eps:.2f}, δ = 10⁻⁶) -differential privacy" in text
    assert text.count("One (ε, δ) for the whole release") == 1
    assert statement["unit"]["statement"] in text
    for o in statement["outputs"]:
        assert o["path"] in text
    syn = next(o for o in statement["outputs"] if o["kind"] == "synthetic")["guarantee"]
    assert f"Differential privacy (mst), ε = {syn['epsilon']:.2f}, δ = 10⁻⁶" in text
    noisy = statement["tables"]["victims"]["records"]["value"]
    assert f"about {about(noisy)} records: a differentially private (noisy) count" in text
    assert "What this protection does not promise" in text and "does not hide facts about groups" in text
    assert "Where the budget of this release goes" in text and "synthetic data (MST synthesizer) 4.00" in text
    assert not LONG_FLOAT.search(text)


def test_classic_page_states_the_effective_threshold_and_k(classic):
    c, statement = classic
    text = _text(c.get("/protection/").text)
    assert f"Counts below {EFFECTIVE_THRESHOLD} are not published" in text
    assert f"the effective threshold is {EFFECTIVE_THRESHOLD}" in text and f"“below {THRESHOLD}”" in text
    kanon = next(o for o in statement["outputs"] if o["kind"] == "kanon")["guarantee"]
    assert f"k-anonymity with k = {kanon['k']}" in text and "isForcedLabour takes at least 2 values" in text
    assert "One (ε, δ)" not in text  # classic makes no DP claim
    assert "are not differential privacy" in text
    rows = statement["tables"]["victims"]["records"]["value"]
    overview = _text(c.get("/").text)
    assert f"{rows:,} victim records (k-anonymized file)" in overview
    assert f"Counts below {EFFECTIVE_THRESHOLD} are not published" in overview
    for page in ("/dashboards/", "/map/"):
        lede = _text(c.get(page).text)
        assert f"Counts below {EFFECTIVE_THRESHOLD} are not published" in lede and f"fewer than {THRESHOLD} " not in lede
    meta = c.get("/api/releases/latest/tables/victims/meta.json").json()
    assert meta["threshold"] == EFFECTIVE_THRESHOLD and meta["rule"]["missing"] == f"fewer than {EFFECTIVE_THRESHOLD} (suppressed)"
    assert meta["records_text"] == f"{rows:,} records (k-anonymized file)" and meta["k"] == kanon["k"]


@pytest.mark.parametrize("path", ["/", "/downloads/", "/protection/"])
def test_no_unrounded_epsilon_on_any_page(dp, classic, path):
    for c, _ in (dp, classic):
        assert not LONG_FLOAT.search(_text(c.get(path).text)), path


def test_downloads_show_each_files_guarantee(dp):
    c, statement = dp
    text = _text(c.get("/downloads/").text)
    assert "metrics.json" not in text
    for o in statement["outputs"]:
        assert o["path"] in text
    assert "Differential privacy (ε = 4.00, δ = 10⁻⁶)" in text and "Data-independent" in text


def test_old_release_with_exact_counts_shows_none(tmp_path):
    """release.json of an old release: int records, summary.records, gate details. None of it reaches the site."""
    home = tmp_path / "hub"
    folder = write_release(home, n=1200)
    meta = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    exact = 1187
    meta["tables"]["victims"]["records"] = exact
    meta["summary"]["records"] = exact
    meta["gates"] = {"passed": True, "checks": [{"name": "records", "value": exact}]}
    (folder / "release.json").write_text(json.dumps(meta), encoding="utf-8")
    with TestClient(create_app(home=home)) as c:
        bodies = [c.get(u).text for u in ("/", "/protection/", "/downloads/", "/api/releases", "/api/releases/latest",
                                          "/api/releases/latest/tables",
                                          "/api/releases/latest/tables/victims/meta.json")]
        assert c.get("/api/releases/latest/tables").json()[0]["records"] is None
        assert c.get("/api/releases/latest/tables/victims/slices/_all.json").json()["total"]["protected"] is None
    for body in bodies:
        assert str(exact) not in body and f"{exact:,}" not in body


def test_release_without_a_statement_shows_no_data(tmp_path):
    """An old release (no privacy.json) declares nothing, so nothing of it is charted, listed or served."""
    home = tmp_path / "hub"
    folder = write_release(home, n=1000)
    (folder / "privacy.json").unlink()
    with TestClient(create_app(home=home)) as c:
        assert "declares no public aggregates" in c.get("/explorer/").text
        assert c.get("/api/releases/latest/tables").json() == []
        assert c.get("/api/releases/latest").json()["files"] == []
        assert c.get("/api/releases/latest/privacy").status_code == 404
        assert c.get("/api/releases/latest/tables/victims/meta.json").status_code == 404
        c.post("/downloads/terms", data={"accept": "yes"})
        assert c.get(f"/downloads/{VERSION}/data/victims_aggregates.csv").status_code == 404
        assert "predates the privacy statement" in c.get("/protection/").text
