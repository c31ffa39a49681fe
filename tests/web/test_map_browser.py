"""The map in a real browser (Debian's Chromium via Playwright): flows, the key, small states, region zoom.

Issue 15: corridors as flows on the map (origin -> destination, width by protected count, top N with a legend);
suppressed and zero told apart, each with a key; countries the 1:110m atlas does not draw listed below the map with
their figures; region zoom fitted to the region's main landmass; the map's tables link to the country pages.
Expected values are computed here from the API's published cells and the served atlas, not from the page script.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.web.test_browser import _axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

BASE = "/api/releases/latest/tables/victims"


def _open(page, url: str, ready: str) -> None:
    page.goto(url)
    page.wait_for_selector(ready, timeout=20000)
    page.wait_for_load_state("load")  # the ready selector is set once the page's data has come and is drawn


def _atlas_codes(client) -> set[str]:
    return {g["id"] for g in client.get("/api/geo/world.json").json()["objects"]["countries"]["geometries"]}


def _label_count(label: str) -> int:
    return int(re.search(r"Protected count: ([\d,]+)", label).group(1).replace(",", ""))


def test_corridors_are_flows_whose_width_grows_with_the_protected_count(page, live_server, client):
    flows = client.get(f"{BASE}/flows.json").json()["flows"]
    atlas = _atlas_codes(client) - {"AQ"}
    _open(page, live_server + "/map/", "#flow-map[data-ready=true] svg")
    for n in (10, 25, 5):
        if n != 10:
            page.select_option("#flows-top", str(n))
            page.wait_for_function(f"document.querySelectorAll('#flow-map svg .mark-rule line').length === "
                                   f"Number(document.getElementById('flow-map').dataset.lines) && "
                                   f"document.getElementById('flows-note').textContent.includes('The {min(n, len(flows))} ')")
        top = flows[:n]
        drawable = [f for f in top if f["origin"] in atlas and f["destination"] in atlas]
        lines = [f for f in drawable if f["origin"] != f["destination"]]
        el = page.locator("#flow-map")
        assert int(el.get_attribute("data-lines")) == len(lines)
        assert int(el.get_attribute("data-rings")) == len(drawable) - len(lines)
        assert int(el.get_attribute("data-off-map")) == len(top) - len(drawable)
        drawn = page.eval_on_selector_all(
            "#flow-map svg .mark-rule line", "els => els.map(e => [e.getAttribute('aria-label'), Number(e.getAttribute('stroke-width'))])")
        assert sorted(_label_count(label) for label, _ in drawn) == sorted(f["count"] for f in lines)
        # wider for larger counts: ordering by count never makes a line thinner
        widths = [w for _, w in sorted(drawn, key=lambda d: _label_count(d[0]))]
        assert widths == sorted(widths)
        if len({f["count"] for f in lines}) > 1:
            assert widths[0] < widths[-1]
    legend = page.text_content("#flow-map svg")
    assert "Protected count (line width)" in legend  # the width legend
    assert "citizenship to the country of exploitation" in page.inner_text("#flows-note")
    assert page.locator("#flows .mark-rect path").count() > 0  # the heatmap is still there
    assert page.problems == []


def test_the_key_tells_suppressed_from_a_published_zero(page, live_server, client):
    """No aggregate of the fixture is 0, so the test publishes one: it rewrites one cell of the slice to 0."""
    entries = client.get(f"{BASE}/slices/_all.json").json()["attributes"]["citizenship"]
    atlas = _atlas_codes(client)
    zero = next(code for code, count, _ in entries if count is not None and code in atlas)

    def rewrite(route):
        body = route.fetch().json()
        body["attributes"]["citizenship"] = [[c, 0 if c == zero else p, s] for c, p, s in body["attributes"]["citizenship"]]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r".*/slices/_all\.json$"), rewrite)
    _open(page, live_server + "/map/", "#map[data-ready=true] svg")
    assert page.get_attribute("#map", "data-zero") == "1"
    key = {li.get_attribute("data-key"): li.inner_text() for li in page.locator("#map-key li").all()}
    assert set(key) == {"published", "zero", "suppressed"}
    assert "0" in key["zero"] and "Suppressed" in key["suppressed"]
    rule = client.get(f"{BASE}/meta.json").json()["rule"]["missing"]
    assert rule in key["suppressed"]
    fills = page.eval_on_selector_all(
        "#map svg path[aria-label]", "els => els.map(e => [e.getAttribute('aria-label'), e.getAttribute('fill')])")
    zero_fills = [f for label, f in fills if label.endswith("Records: 0")]
    suppressed_fills = {f for label, f in fills if "or none" in label}
    assert zero_fills == ["#ffffff"]  # the one published zero, white
    assert suppressed_fills == {"#c8c8c8"}  # every suppressed country grey, never white
    assert page.problems == []


def test_small_states_are_listed_below_the_map_with_their_counts(page, live_server, client):
    from cthub.web.geo import region_of

    entries = client.get(f"{BASE}/slices/_all.json").json()["attributes"]["citizenship"]
    atlas = _atlas_codes(client)
    small = {code: count for code, count, _ in entries if count is not None and code not in atlas and code != "AQ"}
    assert small, "the fixture publishes counts of countries too small for the atlas"
    _open(page, live_server + "/map/", "#map[data-ready=true] svg")
    shown = {li.get_attribute("data-code"): li.inner_text() for li in page.locator("#map-small li").all()}
    assert set(shown) == set(small)
    for code, text in shown.items():
        assert text.endswith(f": {small[code]:,}"), (code, text)
    link = page.locator("#map-small li a").first
    href = link.get_attribute("href")
    assert re.fullmatch(r"/countries/[A-Z]{2}/", href) and client.get(href).status_code == 200
    page.select_option("#region-select", "Europe")
    page.wait_for_url(re.compile(r"region=Europe"))
    page.wait_for_function("document.getElementById('map').dataset.region === 'Europe'")
    shown = {li.get_attribute("data-code") for li in page.locator("#map-small li").all()}
    assert shown == {c for c in small if region_of(c) == "Europe"}
    assert page.problems == []


def _box(page, country: str) -> dict:
    return page.eval_on_selector_all(
        "#map svg path[aria-label]",
        """(els, name) => { const e = els.find(x => x.getAttribute('aria-label').includes('Country: ' + name + ';'));
             const b = e.getBoundingClientRect(); return {w: b.width, h: b.height, x: b.x, y: b.y}; }""", country)


def test_region_zoom_fits_the_main_landmass(page, live_server):
    """Fitted to every shape of the region, Russia to 180 degrees east and French Guiana made Europe a strip: Germany
    was 29 px of a 1,142 px map (2.5%), now 85 px (7.4%); New Zealand in Oceania 54 px, now 131 px (measured)."""
    _open(page, live_server + "/map/?region=Europe", "#map[data-ready=true] svg")
    width = page.evaluate("document.querySelector('#map svg').getBoundingClientRect().width")
    germany = _box(page, "Germany")
    assert germany["w"] > 0.05 * width, (germany, width)
    page.select_option("#region-select", "")
    page.wait_for_function("document.getElementById('map').dataset.region === ''")
    page.wait_for_selector("#map[data-ready=true] svg")
    assert _box(page, "Germany")["w"] < germany["w"] / 2  # the world view is not zoomed
    page.select_option("#region-select", "Oceania")
    page.wait_for_function("document.getElementById('map').dataset.region === 'Oceania'")
    page.wait_for_selector("#map[data-ready=true] svg")
    assert _box(page, "New Zealand")["w"] > 0.08 * width
    assert page.problems == []


def test_map_tables_link_to_the_country_pages(page, live_server, client):
    _open(page, live_server + "/map/", "#map[data-ready=true] svg")
    page.click("#map-table summary")
    link = page.locator("#map-table tbody a", has_text="Country page").first
    label = link.get_attribute("aria-label")
    link.click()
    page.wait_for_url(re.compile(r"/countries/[A-Z]{2}/$"))
    assert page.inner_text("h1").startswith(label.split(":")[0].split(",")[0])
    page.go_back()
    page.wait_for_selector("#flows-table summary")
    page.click("#flows-table summary")
    hrefs = page.eval_on_selector_all("#flows-table tbody a", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(client.get(h).status_code == 200 for h in set(hrefs))
    assert page.problems == []


def test_map_has_no_serious_axe_violations(page, live_server):
    _open(page, live_server + "/map/?region=Europe", "#flow-map[data-ready=true] svg")
    bad = [v for v in _axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert bad == []
