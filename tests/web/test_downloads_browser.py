"""The downloads page in a real browser at phone width: the purpose groups, sizes and the zip link fit 390 px, and
the zip link goes through the terms to the zip (issue 15). Debian's Chromium via Playwright."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_downloads_fit_a_phone_and_the_zip_link_passes_the_terms(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/downloads/")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(artifacts / "downloads-phone.png"), full_page=True)
        assert overflow <= 1, f"/downloads/ scrolls sideways by {overflow}px at 390 px"
        groups = page.locator("tbody.purpose .purpose-head th").all_inner_texts()
        assert any(g.startswith("Synthetic microdata") for g in groups) and any(g.startswith("Aggregate counts")
                                                                               for g in groups), groups
        sizes = page.locator("table.files td.num").all_inner_texts()
        assert sizes and all(s.endswith((" kB", " MB", " bytes", " GB")) and "\n" not in s for s in sizes), sizes
        link = page.locator("a.download-all")
        href = link.get_attribute("href")
        assert href and href.endswith(".zip")
        with page.expect_navigation():
            link.click()
        assert "/downloads/terms" in page.url  # the zip is behind the same gate as the files
        page.check("input[name=accept]")
        with page.expect_download() as info:
            page.click("button[type=submit]")
        name = info.value.suggested_filename
        assert name.startswith("cthub-release-") and name.endswith(".zip")
    finally:
        context.close()
