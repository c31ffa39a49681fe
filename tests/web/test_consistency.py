"""A walk over the public pages of one release that checks every number shown against the published files.

Overview, dashboards, map, explorer and country pages (issue 15, "done when"), in Debian's Chromium. The published
aggregates, the synthetic file and release.json are read here with pandas, independently of the web code; each
number a page shows must be a published cell (equal), a synthetic-file count where it is labelled an estimate, or a
declared count with its label ("about" a DP count). A number the files do not give, or a page disagreeing with
another about the same figure, fails. The pages' own rules (sums, one-sided ranges, the legend) are tested in
test_browser_truth.py, and each country page's cells in the country-page tests; this walk adds what they do not:
every row of every default view, and the agreement of the pages with each other.

It walks the web tests' release; `CTHUB_WALK_HOME=<hub>` walks another hub's latest release instead (the demo:
`cthub demo --no-serve --home ./demo-hub`, then `CTHUB_WALK_HOME=./demo-hub pytest -n 0 tests/web/test_consistency.py`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from cthub.release.reader import latest_published
from cthub.web.cube import parse_selections

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

META = "/api/releases/latest/tables/victims/meta.json"
NUMBER = re.compile(r"^\d{1,3}(,\d{3})*$")


class Published:
    """The release's public files, read without the web code."""

    def __init__(self, folder: Path) -> None:
        agg = pd.read_csv(folder / "data" / "victims_aggregates.csv", dtype=str, keep_default_na=False)
        self.cells = {frozenset(parse_selections(s)): int(c) for s, c in zip(agg["selections"], agg["count"])}
        self.synthetic = pd.read_csv(folder / "data" / "victims_synthetic.csv", dtype=str, keep_default_na=False)
        self.meta = json.loads((folder / "release.json").read_text(encoding="utf-8"))
        self.year = int(self.meta["created"][:4])

    def cell(self, attr: str, code: str) -> int | None:
        return self.cells.get(frozenset({(attr, code)}))

    def one_way(self, attr: str) -> dict[str, int]:
        return {v: c for k, c in self.cells.items() if len(k) == 1 for a, v in k if a == attr}

    def estimate(self, attr: str, code: str) -> int:
        return int((self.synthetic[attr] == code).sum())


@pytest.fixture(scope="module")
def walk(request):
    """(hub folder, base URL, API client): the session's test release, or the hub `CTHUB_WALK_HOME` names."""
    other = os.environ.get("CTHUB_WALK_HOME")
    if not other:
        return (request.getfixturevalue("web_home"), request.getfixturevalue("live_server"),
                request.getfixturevalue("client"))
    import threading
    import time

    import uvicorn
    from fastapi.testclient import TestClient

    from cthub.web.app import create_app
    from tests.web.conftest import _free_port

    app = create_app(home=Path(other))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    request.addfinalizer(lambda: setattr(server, "should_exit", True))
    return Path(other), f"http://127.0.0.1:{port}", TestClient(app)


@pytest.fixture(scope="module")
def live(walk) -> str:
    return walk[1]


@pytest.fixture(scope="module")
def api(walk):
    return walk[2]


@pytest.fixture(scope="module")
def published(walk) -> Published:
    return Published(latest_published(walk[0]).path)


@pytest.fixture(scope="module")
def meta(api) -> dict:
    return api.get(META).json()


def _open(page, url: str, ready: str | None = None) -> None:
    page.goto(url)
    if ready:
        page.wait_for_selector(ready, timeout=20000)
    page.wait_for_load_state("networkidle")


def _tables(page, selector: str) -> dict[str, list[list[str]]]:
    """id of the nearest element with an id -> body rows (cell texts) of each data table under `selector`."""
    return page.evaluate(
        """(sel) => { const out = {};
            document.querySelectorAll(sel + ' table').forEach(t => {
              const id = (t.closest('[id]') || {}).id || '';
              out[id] = Array.from(t.querySelectorAll('tbody tr')).map(tr =>
                Array.from(tr.children).map(c => c.textContent.trim())); });
            return out; }""", selector)


def _check_count(text: str, expected: int | None, missing: str, where: str) -> None:
    """A protected count as shown: the published cell itself, or the rule's wording when it is not published."""
    if expected is None:
        assert not re.search(r"\d", text.replace("10⁻", "")) or missing in text, (where, text)
        assert missing in text or "suppressed" in text or "not published" in text, (where, text)
    else:
        assert text == f"{expected:,}", (where, text, expected)


def _code_of(meta: dict, attr: str) -> dict[str, str]:
    return {label: code for code, label in meta["variables"][attr]["value_labels"].items()}


def test_dashboards_show_exactly_the_published_one_way_cells(page, live, published, meta):
    _open(page, live + "/dashboards/", "#card-age .chart svg")
    page.wait_for_timeout(500)
    tables = _tables(page, "#charts")
    missing = meta["rule"]["missing"]
    checked = 0
    for chart in meta["dashboards"]["charts"]:
        rows = tables.get(f"card-{chart['id']}")
        assert rows, f"card {chart['id']} shows no data table"
        if chart["kind"] == "attribute":
            codes = _code_of(meta, chart["attribute"])
            pairs = [(chart["attribute"], codes[r[0]], r) for r in rows]
        else:  # flags: one row per flag variable, counting its "1"s
            by_label = {label: col for col, label in chart["labels"].items()}
            pairs = [(by_label[r[0]], "1", r) for r in rows]
        for attr, code, row in pairs:
            _check_count(row[1], published.cell(attr, code), missing, f"dashboards {chart['id']} {row[0]}")
            checked += 1
    status = page.inner_text("#filter-status")
    value = published.meta["tables"]["victims"]["records"]["value"]
    shown = int(re.search(r"(\d[\d,]*) records", status).group(1).replace(",", ""))
    assert "about" in status.lower() and abs(shown - value) <= max(0.01 * value, 10), (status, value)
    assert checked >= 20
    assert page.problems == []


def test_explorer_cards_show_published_cells_beside_synthetic_counts(page, live, published, meta):
    _open(page, live + "/explorer/", "#charts .chart svg")
    page.wait_for_timeout(500)
    tables = _tables(page, "#charts")
    missing = meta["rule"]["missing"]
    cards = {k.removeprefix("card-"): v for k, v in tables.items() if k.startswith("card-")}
    assert len(cards) >= 3
    for attr, rows in cards.items():
        codes = _code_of(meta, attr)
        for row in rows:
            code = codes[row[0]]
            where = f"explorer {attr} {row[0]}"
            _check_count(row[1], published.cell(attr, code), missing, where)
            assert row[2] == f"{published.estimate(attr, code):,}", (where, row[2])  # the synthetic file's count
    assert page.problems == []


def test_map_table_and_small_states_are_the_citizenship_cells(page, live, published, meta):
    _open(page, live + "/map/", "#map[data-ready=true] svg")
    cells = published.one_way("citizenship")
    body = page.evaluate("""() => Array.from(document.querySelectorAll('#map-table tbody tr')).map(tr =>
        [(tr.querySelector('a[href*="/countries/"]') || {href: ''}).href.split('/countries/').pop().replace('/', ''),
         tr.children[1].textContent.trim(), tr.children[0].textContent.trim()])""")
    assert body, "the map has no data table"
    grey = None
    for code, text, label in body:
        if not code:  # the closing row: the countries drawn without a published count, counted, not numbered
            grey = re.fullmatch(r"(\d+) other countries", label)
            # "<the rule's wording> or none" (or its short form, e.g. "fewer than 10 or none"): a bound, no count
            assert grey and text.endswith(" or none") and meta["rule"]["missing"].startswith(
                text.removesuffix(" or none")), (label, text)
            continue
        _check_count(text, cells.get(code), meta["rule"]["missing"], f"map {label}")
    small = page.evaluate("""() => Array.from(document.querySelectorAll('#map-small li[data-code]')).map(li =>
                               [li.dataset.code, li.textContent.split(': ').pop()])""")
    for code, text in small:
        assert text == f"{cells[code]:,}", (code, text)  # only published cells are listed, with their count
    status = page.inner_text("#map-status") if page.locator("#map-status").count() else page.inner_text("main")
    m = re.search(r"(\d[\d,]*) countries with published counts", status)
    assert m and int(m.group(1)) + len(small) <= len(cells), status  # drawn + listed: never more than published
    assert int(m.group(1)) == sum(1 for code, _, _ in body if code)  # the status counts the table's countries
    assert grey is None or f"{grey.group(1)} shown in grey" in status, status
    assert page.problems == []


def test_a_country_reads_the_same_on_its_page_the_map_and_the_explorer(page, live, api, published, meta):
    cells = published.one_way("citizenship")
    code = max((c for c in cells if c != "AQ"), key=lambda c: cells[c])  # the largest published citizenship
    r = api.get(f"/countries/{code}/")
    if r.status_code == 404 and api.get("/countries/").status_code == 404:
        pytest.skip("no country pages in this build")
    _open(page, live + f"/countries/{code}/")
    figures = page.inner_text("main")
    assert f"{cells[code]:,}" in figures, (code, cells[code])
    destination = published.cell("CountryOfExploitation", code)
    if destination is not None:
        assert f"{destination:,}" in figures
    # the explorer filtered by that country (as the map's click and the country page's link open it)
    _open(page, live + f"/explorer/?f=citizenship:{code}", "#charts .chart svg")
    page.wait_for_timeout(500)
    status = page.inner_text("#explorer-status")
    assert f"Matching records: {cells[code]:,} (protected)" in status, (status, cells[code])
    assert f"Synthetic estimate: {published.estimate('citizenship', code):,}" in status, status
    assert page.problems == []


def test_countries_index_counts_the_countries_it_lists(page, live, published):
    _open(page, live + "/countries/")
    either = set(published.one_way("citizenship")) | set(published.one_way("CountryOfExploitation"))
    heading = page.inner_text("main")
    m = re.search(r"Countries with a published count \((\d[\d,]*)\)", heading)
    assert m, heading[:400]
    assert int(m.group(1).replace(",", "")) == len(either)


def test_overview_figures_agree_with_the_other_pages(page, live, published):
    _open(page, live + "/")
    figures = page.evaluate("""() => Array.from(document.querySelectorAll('.figures li')).map(li =>
                                 [li.querySelector('.figure').textContent.trim(), li.textContent.trim()])""")
    assert figures
    either = set(published.one_way("citizenship")) | set(published.one_way("CountryOfExploitation"))
    years = sorted(int(y) for y, c in published.one_way("yearOfRegistration").items() if int(y) <= published.year)
    for value, text in figures:
        if "victim records" in text and "perpetrator" not in text:
            declared = published.meta["tables"]["victims"]["records"]["value"]
            n = int(value.split()[-1].replace(",", ""))
            assert value.startswith("about") and abs(n - declared) <= max(0.01 * declared, 10), (value, declared)
        elif "countries" in text:
            assert value == f"{len(either):,}", (value, len(either))
        elif "years of registration" in text:
            first, _, last = value.partition("–")
            assert int(first) >= years[0] and int(last) <= years[-1] <= published.year, (value, years[-1])
        elif "contributing organizations" in text:
            assert value == str(published.meta["summary"]["contributors"])
        else:
            assert not NUMBER.match(value) or "records" in text, (value, text)
