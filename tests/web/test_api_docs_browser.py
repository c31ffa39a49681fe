"""The API docs are readable in a real browser (schema names were grey on dark blue), and a 404 is a page a reader
can leave by a link (issue 15). Debian's Chromium via Playwright; axe-core checks the contrast, INCLUDING the
Swagger UI that the general page check excludes."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

AXE = Path(__file__).with_name("axe.min.js")


def _contrast_violations(page, selector: str) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (sel) => {
            const r = await axe.run({include: [[sel]]}, {runOnly: ['color-contrast'], resultTypes: ['violations']});
            return r.violations.flatMap(v => v.nodes.map(n => ({target: n.target.join(' '),
                                                                 why: (n.any[0] || {}).message})));
        }""", selector)


def test_api_docs_have_readable_schemas_and_operations(page, live_server, artifacts):
    page.goto(live_server + "/api/docs")
    page.wait_for_selector("#swagger .info", timeout=15000)
    page.wait_for_selector("#swagger section.models", timeout=15000)
    for _ in range(2):  # open every schema, then the nested ones
        for el in page.query_selector_all("#swagger section.models button.json-schema-2020-12-accordion, "
                                          "#swagger section.models button.model-box-control"):
            try:
                el.click(timeout=1000)
            except Exception:  # noqa: BLE001 - a button the first pass already hid
                pass
    op = page.locator("#swagger .opblock").filter(has_text="/aggregates").first
    op.locator("button.opblock-summary-control").click()
    page.wait_for_selector("#swagger .responses-table", timeout=10000)
    page.screenshot(path=str(artifacts / "api-docs-open.png"), full_page=True)
    assert page.problems == [], page.problems

    # the schemas the spec documents are listed, and their names are dark on light
    names = page.locator("#swagger section.models .json-schema-2020-12__title, #swagger section.models .model-title")
    shown = {t.strip() for t in names.all_inner_texts()}
    assert {"AggregateAnswer", "Chart", "Error", "Flows", "ReleaseDetail"} <= shown, shown
    first = names.first
    color, background = first.evaluate(
        """el => { let b = el, bg = 'rgba(0, 0, 0, 0)';
                   while (b && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
                     bg = getComputedStyle(b).backgroundColor; b = b.parentElement; }
                   return [getComputedStyle(el).color, bg]; }""")
    assert color != background and "rgb(11, 41, 66)" not in background, (color, background)  # not on dark blue

    # the open operation documents its 400 and 404 answers
    codes = set(op.locator(".responses-table .response-col_status").all_inner_texts())
    assert {"200", "400", "404"} <= {c.strip()[:3] for c in codes}, codes

    bad = _contrast_violations(page, "#swagger")
    assert bad == [], bad[:5]


def test_a_404_page_leads_back(page, live_server):
    response = page.goto(live_server + "/no/such/page")
    assert response is not None and response.status == 404
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Page not found"
    # the page itself loads cleanly: the one console line is the browser noting the document's own 404
    assert all("status of 404" in p for p in page.problems) and len(page.problems) <= 1, page.problems
    assert _contrast_violations(page, "main") == []
    page.locator("main a", has_text="The explorer").click()
    page.wait_for_url(live_server + "/explorer/")
    assert page.locator("h1").count() == 1
    page.go_back()
    page.locator("main a", has_text="The overview").click()
    page.wait_for_url(live_server + "/")
