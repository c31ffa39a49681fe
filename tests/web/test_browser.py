"""The public pages in a real browser (Debian's Chromium via Playwright), under the strict CSP.

One worker runs them all (xdist group) against one live server; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

AXE = Path(__file__).with_name("axe.min.js")
PAGES = {
    "overview": ("/", None),
    "dashboards": ("/dashboards/", "#charts .chart svg"),
    "map": ("/map/", "#map[data-ready=true] svg"),
    "explorer": ("/explorer/", "#charts .chart svg"),
    "codebook": ("/codebook/victims/", None),
    "downloads": ("/downloads/", None),
    "protection": ("/protection/", None),
    "terms": ("/downloads/terms", None),
    "api": ("/api/docs", "#swagger .info"),
}


def _open(page, live_server: str, path: str, ready: str | None) -> None:
    page.goto(live_server + path)
    if ready:
        page.wait_for_selector(ready, timeout=15000)
    page.wait_for_load_state("networkidle")


def _axe_violations(page) -> list[dict]:
    """Run axe-core in the page. Injected through the DevTools protocol, which the page's CSP does not govern.

    The inside of each rendered chart is excluded: the chart container is role=img with a label, and the same
    numbers are in the data table next to it, which axe does check."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const r = await axe.run({exclude: [['.vega-embed > svg'], ['#swagger']]}, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                                           target: v.nodes[0] && v.nodes[0].target.join(' ')}));
        }"""
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_without_console_errors_or_serious_axe_violations(page, live_server, artifacts, name):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `python scripts/build_web_assets.py`")
    path, ready = PAGES[name]
    _open(page, live_server, path, ready)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert page.problems == [], f"{path}: {page.problems}"
    bad = [v for v in _axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{path}: {bad}"


def test_pages_fit_a_phone_screen(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    pg = context.new_page()
    try:
        for name in ("explorer", "dashboards", "map"):
            path, ready = PAGES[name]
            _open(pg, live_server, path, ready)
            overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            pg.screenshot(path=str(artifacts / f"{name}-phone.png"), full_page=True)
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at phone width"
    finally:
        context.close()


def _table_text(page, attr: str) -> str:
    return page.text_content(f"#card-{attr} details table", timeout=5000) or ""


def test_clicking_a_bar_filters_the_other_charts_and_the_url(page, live_server):
    _open(page, live_server, "/explorer/?attrs=gender,ageBroad,Datasource", "#card-gender .chart svg")
    before = _table_text(page, "ageBroad")
    bar = page.locator("#card-gender .chart svg .mark-rect path").first
    bar.click()
    page.wait_for_url(re.compile(r"f=gender"), timeout=10000)
    page.wait_for_selector("#charts[data-filter^='gender:']", timeout=10000)
    page.wait_for_selector("#card-ageBroad .chart svg")
    selected = parse_qs(urlparse(page.url).query)["f"][0]
    assert selected in ("gender:Female", "gender:Male")
    assert page.locator("#card-gender").count() == 0  # the filtered attribute becomes a chip
    assert "Remove filter" in (page.locator(".chip").first.get_attribute("aria-label") or "")
    after = _table_text(page, "ageBroad")
    assert after != before, "the age chart did not change after filtering"
    # the shared URL restores the same state
    page.goto(page.url)
    page.wait_for_selector("#card-ageBroad .chart svg")
    assert _table_text(page, "ageBroad") == after
    assert page.problems == []


def test_explorer_states_the_declared_record_count_only(page, live_server, client):
    _open(page, live_server, "/explorer/?attrs=gender,ageBroad", "#card-gender .chart svg")
    meta = client.get("/api/releases/latest/tables/victims/meta.json").json()
    status = page.inner_text("#explorer-status")
    declared = meta["records_text"]  # "about 6,150 records — a differentially private count"
    assert status.split(" in this table.")[0] == declared[:1].upper() + declared[1:]  # that sentence and no other count
    assert page.problems == []


def test_filter_by_keyboard_through_the_data_table(page, live_server):
    _open(page, live_server, "/explorer/?attrs=Datasource,gender", "#card-Datasource .chart svg")
    page.click("#card-Datasource summary")
    button = page.locator("#card-Datasource button", has_text="Filter").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"f=Datasource"), timeout=10000)
    page.wait_for_selector(".chip")
    page.locator(".chip").first.focus()
    page.keyboard.press("Enter")  # removes the filter again
    page.wait_for_url(lambda url: "f=" not in url, timeout=10000)


def test_map_draws_countries_and_greys_out_small_ones(page, live_server, client):
    _open(page, live_server, "/map/", "#map[data-ready=true] svg")
    published = int(page.get_attribute("#map", "data-published"))
    hidden = int(page.get_attribute("#map", "data-hidden"))
    shapes = page.locator("#map svg path").count()
    assert shapes >= 150, f"only {shapes} shapes drawn"
    assert published > 10 and hidden > 10
    # the coloured countries are exactly those with a published citizenship count that the atlas draws
    entries = client.get("/api/releases/latest/tables/victims/slices/_all.json").json()["attributes"]["citizenship"]
    assert published <= sum(1 for e in entries if e[1] is not None)
    page.click("#map-table summary")
    rule = client.get("/api/releases/latest/tables/victims/meta.json").json()["rule"]
    assert rule["missing"] + " or none" in page.inner_text("#map-table")  # the release's declared rule, not "11"
    page.check("input[name=which][value=destination]")
    page.select_option("#region-select", "Asia")
    page.wait_for_selector("#map[data-ready=true] svg")
    assert int(page.get_attribute("#map", "data-published")) + int(page.get_attribute("#map", "data-hidden")) < 80
    assert page.problems == []


def test_download_gate_blocks_until_terms_are_accepted(page, live_server):
    _open(page, live_server, "/downloads/", None)
    page.click("a.download >> nth=0")
    page.wait_for_url(re.compile(r"/downloads/terms\?next="))
    page.click("button[type=submit]")  # without ticking: the browser's `required` check keeps us here
    assert "/downloads/terms" in page.url
    page.check("input[name=accept]")
    with page.expect_download() as info:
        page.click("button[type=submit]")
    assert info.value.suggested_filename
    assert page.problems == [] or all("net::ERR_ABORTED" in p for p in page.problems)


def test_dashboard_filter_bar_updates_every_chart_and_warns_when_too_deep(page, live_server):
    _open(page, live_server, "/dashboards/", "#card-age .chart svg")
    before = page.text_content("#card-age details table")
    page.select_option("#f-gender", "Female")
    page.wait_for_selector("#filter-status:has-text('Matching records')")
    page.wait_for_selector("#card-age .chart svg")
    assert page.text_content("#card-age details table") != before
    page.select_option("#f-source", "Hotline")
    page.select_option("#f-from", "2010")  # a third filter: deeper than reporting length 3 allows
    page.wait_for_selector("#filter-status:has-text('Too many filters')")
    assert page.locator("#charts .chart-card").count() == 0
    assert page.problems == []
