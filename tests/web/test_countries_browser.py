"""Country pages in a real browser (Debian's Chromium via Playwright): the by-year chart draws exactly the published
cells, its downloads say where they come from, and the pages fit a phone and pass axe-core."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from cthub.release.reader import latest_published
from tests.web.test_browser import _axe_violations
from tests.web.test_browser_truth import OVERLAPS
from tests.web.test_countries import YEAR, _richest, published

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _open(page, url: str, ready: str | None) -> None:
    page.goto(url)
    if ready:
        page.wait_for_selector(ready, timeout=20000)
    page.wait_for_load_state("load")  # the ready selector is set once the page's data has come and is drawn


def _best_trend(cells: dict[frozenset, int]) -> str:
    """The country with the most published (citizenship or exploitation, year) cells."""
    score: dict[str, int] = {}
    for k in cells:
        d = dict(k)
        if len(k) == 2 and YEAR in d:
            for attr in ("citizenship", "CountryOfExploitation"):
                if attr in d:
                    score[d[attr]] = score.get(d[attr], 0) + 1
    return max(sorted(score), key=lambda c: score[c])


def test_the_trend_chart_draws_the_published_year_cells_and_nothing_else(page, live_server, web_home, client):
    cells = published(web_home)
    code = _best_trend(cells)
    _open(page, f"{live_server}/countries/{code}/", ".trend-chart[data-ready=true] svg")
    # the DP fixture's noise can publish cells for years after the release was made; no record can have such a year,
    # so the site never shows them (cube._values): the chart must draw every other published (country, year) cell
    created = int(json.loads((latest_published(web_home).path / "release.json").read_text())["created"][:4])
    truth = sorted(n for k, n in cells.items() if len(k) == 2 and YEAR in dict(k) and int(dict(k)[YEAR][:4]) <= created
                   and (("citizenship", code) in k or ("CountryOfExploitation", code) in k))
    labels = page.eval_on_selector_all(".trend-chart svg .mark-symbol path[aria-label]",
                                       "els => els.map(e => e.getAttribute('aria-label'))")
    drawn = sorted(int(re.search(r"count: ([\d,]+)", label).group(1).replace(",", "")) for label in labels)
    assert drawn == truth  # one point per published cell; suppressed years are gaps, not zeros
    meta = client.get("/api/releases/latest/tables/victims/meta.json").json()
    with page.expect_download() as info:
        page.click(".trend-card a.csv")
    d = info.value
    assert d.suggested_filename == f"victims_{code}_by_year.csv"
    frame = pd.read_csv(d.path(), dtype=str, keep_default_na=False)
    assert {"release", "table", "filter", "protection", "source"} <= set(frame.columns)
    assert set(frame["release"]) == {meta["version"]} and set(frame["protection"]) == {meta["rule"]["text"]}
    assert sorted(int(x) for x in frame["protected_count"] if x) == truth
    for fmt, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
        with page.expect_download() as info:
            page.click(f".trend-card .image-download[data-format={fmt}]")
        assert info.value.suggested_filename == f"victims_{code}_by_year.{fmt}"
        assert magic in open(info.value.path(), "rb").read(64)
    assert meta["rule"]["text"] in page.inner_text("main")  # the rule is visible on the page
    assert page.problems == []


@pytest.mark.parametrize("which", ["index", "country"])
def test_country_pages_pass_axe_and_fit_a_phone(browser, live_server, web_home, artifacts, which):
    code = _best_trend(published(web_home))  # a page with a chart, so its tick labels are checked too
    path, ready = ("/countries/", "#country-index") if which == "index" else (f"/countries/{code}/", ".chart svg")
    for width, mobile in ((1280, False), (390, True)):
        context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=mobile)
        pg = context.new_page()
        problems: list[str] = []
        pg.on("console", lambda m, seen=problems: seen.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e, seen=problems: seen.append(str(e)))
        try:
            _open(pg, live_server + path, ready)
            pg.screenshot(path=str(artifacts / f"countries-{which}-{width}.png"), full_page=True)
            assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, (path, width)
            assert pg.evaluate(OVERLAPS) == [], (path, width)
            bad = [v for v in _axe_violations(pg) if v["impact"] in ("serious", "critical")]
            assert bad == [], (path, width, bad)
            assert problems == []
        finally:
            context.close()


def test_from_the_index_to_a_country_and_on_to_a_corridor(page, live_server, web_home):
    code = _richest(published(web_home))
    _open(page, live_server + "/countries/", "#country-index")
    page.click(f"#country-index tr[data-code={code}] a")
    page.wait_for_url(re.compile(rf"/countries/{code}/$"))
    link = page.locator("table.corridors a").first
    target = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    assert page.locator("h1").count() == 1 and "No such" not in page.inner_text("h1")
    page.go_back()
    page.wait_for_url(re.compile(rf"/countries/{code}/$"))
    explore = page.locator("p.links a", has_text="Explore people").first
    attr = "citizenship" if "from" in explore.inner_text() else "CountryOfExploitation"
    explore.click()
    page.wait_for_url(re.compile(rf"/explorer/\?table=victims&f={attr}%3A{code}$"))
    page.wait_for_selector(".chip")
    assert page.problems == []
