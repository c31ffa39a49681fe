"""Country pages, the page registry and the web's import graph (issue 15: a page per country; issue 17: registries,
no cycles).

Every number on a country page is checked against the release's aggregates file, read here with pandas and a plain
split (not with the site's cube), so a page that summed cells, took them from the synthetic file or computed them
would fail.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from tests.web.release_fixture import SYNTHETIC_ONLY, VERSION

WEB = Path(__file__).resolve().parents[2] / "src" / "cthub" / "web"
ORIGIN, DEST, YEAR = "citizenship", "CountryOfExploitation", "yearOfRegistration"


def published(home: Path) -> dict[frozenset, int]:
    """{frozenset of (attribute, value)}: count} straight from the aggregates file."""
    agg = pd.read_csv(home / "releases" / VERSION / "data" / "victims_aggregates.csv", dtype={"selections": str})
    return {frozenset(tuple(p.split(":", 1)) for p in s.split(";")): int(n)
            for s, n in zip(agg["selections"], agg["count"])}


def one_way(cells: dict[frozenset, int], attr: str) -> dict[str, int]:
    return {next(iter(k))[1]: n for k, n in cells.items() if len(k) == 1 and next(iter(k))[0] == attr}


class Cells(HTMLParser):
    """Rows of the tables of a page: [(table classes, data-* of the table, [cell texts])]; links; figures."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, dict[str, str], list[str], dict[str, str]]] = []
        self.links: list[str] = []
        self.figures: dict[str, str] = {}
        self._table: tuple[str, dict[str, str]] | None = None
        self._row: list[str] | None = None
        self._row_attrs: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._figure: str | None = None
        self._in_figure_value = False
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "table":
            self._table = (a.get("class", ""), {k: v for k, v in a.items() if k.startswith("data-")})
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row, self._row_attrs = [], a
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "li" and "data-figure" in a:
            self._figure = a["data-figure"]
        elif tag == "span" and a.get("class") == "figure" and self._figure:
            self._in_figure_value = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.rows.append((self._table[0], self._table[1], self._row, self._row_attrs))
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "span":
            self._in_figure_value = False
        elif tag == "li":
            self._figure = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_figure_value and self._figure:
            self.figures[self._figure] = data.strip()


def parse(html: str) -> Cells:
    p = Cells()
    p.feed(html)
    return p


def num(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def cells(web_home):
    return published(web_home)


@pytest.fixture(scope="module")
def missing(client):
    return client.get("/api/releases/latest/tables/victims/meta.json").json()["rule"]["missing"]


def test_index_lists_exactly_the_countries_with_a_published_count(client, cells, missing):
    r = client.get("/countries/")
    assert r.status_code == 200
    page = parse(r.text)
    origin, dest = one_way(cells, ORIGIN), one_way(cells, DEST)
    rows = {attrs["data-code"]: texts for cls, _, texts, attrs in page.rows if "country-index" in cls}
    assert set(rows) == set(origin) | set(dest)
    assert len(rows) > 50
    for code, (_name, _region, as_origin, as_dest) in rows.items():
        for shown, truth in ((as_origin, origin.get(code)), (as_dest, dest.get(code))):
            assert shown == (f"{truth:,}" if truth is not None else missing), code
    assert sum(1 for link in page.links if re.fullmatch(r"/countries/[A-Z]{2}/", link)) == len(rows)
    meta = client.get("/api/releases/latest/tables/victims/meta.json").json()
    assert meta["rule"]["text"] in r.text  # the rule, as the privacy statement declares it


def _richest(cells: dict[frozenset, int]) -> str:
    """The country with the most published pairs (years and corridors), so the page has something to check."""
    score: dict[str, int] = {}
    for k in cells:
        d = dict(k)
        if len(k) == 2 and (ORIGIN in d or DEST in d) and (YEAR in d or (ORIGIN in d and DEST in d)):
            for attr in (ORIGIN, DEST):
                if attr in d:
                    score[d[attr]] = score.get(d[attr], 0) + 1
    return max(sorted(score), key=lambda c: score[c])


def test_every_number_on_a_country_page_is_a_published_cell(client, cells, missing):
    code = _richest(cells)
    r = client.get(f"/countries/{code}/")
    assert r.status_code == 200
    page = parse(r.text)
    for side, attr in (("origin", ORIGIN), ("destination", DEST)):
        truth = cells.get(frozenset({(attr, code)}))
        assert page.figures[side] == (f"{truth:,}" if truth is not None else missing)
    years = [texts for cls, _, texts, _ in page.rows if "trend" in cls]
    corridors: dict[str, list[tuple[str, list[str]]]] = {}
    for cls, table, texts, attrs in page.rows:
        if "corridors" in cls:
            corridors.setdefault(table["data-direction"], []).append((attrs["data-code"], texts))
    checked = 0
    for year, as_origin, as_dest in years:
        for shown, attr in ((as_origin, ORIGIN), (as_dest, DEST)):
            truth = cells.get(frozenset({(attr, code), (YEAR, year)}))
            assert shown == (f"{truth:,}" if truth is not None else "–"), (year, attr)
            checked += truth is not None
    for direction, here, there in (("out", ORIGIN, DEST), ("in", DEST, ORIGIN)):
        truth = sorted(((n, dict(k)[there]) for k, n in cells.items()
                        if len(k) == 2 and (here, code) in k and there in dict(k)), key=lambda t: -t[0])[:10]
        shown = [(c, num(texts[1])) for c, texts in corridors.get(direction, [])]
        assert sorted(n for _, n in shown) == sorted(n for n, _ in truth)  # the ten largest, none summed
        for other, n in shown:
            assert cells[frozenset({(here, code), (there, other)})] == n
            checked += 1
    assert checked >= 3, "the fixture's richest country should have published pairs to check"
    assert client.get("/api/releases/latest/tables/victims/meta.json").json()["rule"]["text"] in r.text


def test_corridor_links_lead_only_to_pages_that_exist(client, cells):
    code = _richest(cells)
    page = parse(client.get(f"/countries/{code}/").text)
    for link in {x for x in page.links if re.fullmatch(r"/countries/[A-Z]{2}/", x)}:
        assert client.get(link).status_code == 200, link


def test_unknown_and_unpublished_codes_are_404(client, cells):
    listed = set(one_way(cells, ORIGIN)) | set(one_way(cells, DEST))
    from cthub.standard import load_standard

    codes = load_standard().table("victims").variable(ORIGIN).codes
    unpublished = [c for c in codes if c not in listed]
    assert len(unpublished) > 10
    # the synthetic file names AQ and AX: unless the noisy aggregates publish them too, they have no page
    synthetic_only = {c for _, c in SYNTHETIC_ONLY} - listed
    for code in sorted(synthetic_only) + unpublished[:5] + ["ZZ", "XX"]:
        r = client.get(f"/countries/{code}/")
        assert r.status_code == 404 and "countries page lists" in r.text, code
    for bad in ("PHX", "1A", "P"):
        assert client.get(f"/countries/{bad}/").status_code == 404
    code = sorted(listed)[0]
    r = client.get(f"/countries/{code.lower()}/", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"].endswith(f"/countries/{code}/")
    shown = {attrs["data-code"] for cls, _, _, attrs in parse(client.get("/countries/").text).rows
             if "country-index" in cls}
    assert not shown & (synthetic_only | set(unpublished))


def test_the_navigation_and_the_static_site_come_from_one_registry(client):
    from cthub.web.render import NAV, PAGES, STATIC_NAV

    assert NAV == [(p.key, p.label, p.href) for p in PAGES if p.nav]
    assert ("countries", "Countries", "countries/") in NAV
    assert [k for k, _, _ in STATIC_NAV] == [p.key for p in PAGES if p.nav and p.static]
    assert "api" not in [k for k, _, _ in STATIC_NAV]
    html = client.get("/countries/").text
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="/([^"]*)"', nav)[:len(NAV)] == [href for _, _, href in NAV]
    assert 'href="/countries/" aria-current="page"' in nav
    site = (WEB / "site.py").read_text(encoding="utf-8")
    assert '"/dashboards/"' not in site and '"/map/"' not in site  # no second list of pages


@pytest.mark.slow
def test_static_site_carries_every_country_page(tmp_path):
    from cthub.web.site import build_site
    from tests.web.release_fixture import write_release

    home = tmp_path / "hub"
    write_release(home, n=1500)
    out = tmp_path / "site"
    build_site(out, home=home, progress=False, with_files=False)
    index = (out / "countries" / "index.html").read_text(encoding="utf-8")
    codes = set(re.findall(r'href="\.\./countries/([A-Z]{2})/"', index))
    assert len(codes) > 20
    built = {p.parent.name for p in (out / "countries").glob("*/index.html")}
    assert built == codes
    page = (out / "countries" / sorted(codes)[0] / "index.html").read_text(encoding="utf-8")
    assert 'href="/' not in page and 'src="/' not in page  # relative links only
    assert (out / "codebook" / "victims" / "index.html").is_file()  # followed from the codebook index too
    assert 'api/docs' not in index  # the API docs need the live API: not in the static navigation


def _web_imports() -> dict[str, set[str]]:
    """cthub.web module -> the cthub.web modules it imports anywhere (top level, in functions, TYPE_CHECKING)."""
    graph: dict[str, set[str]] = {}
    for f in WEB.rglob("*.py"):
        mod = ".".join(("cthub", *f.relative_to(WEB.parent).with_suffix("").parts)).removesuffix(".__init__")
        deps: set[str] = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        graph[mod] = deps
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def test_the_public_web_modules_import_each_other_without_a_cycle():
    """cube <-> catalog, cube <-> dashboards, geo -> cube were cycles hidden by deferred and TYPE_CHECKING imports."""
    graph = {m: d for m, d in _web_imports().items() if not m.startswith("cthub.web.accounts")}
    assert "cthub.web.catalog" not in graph["cthub.web.cube"]
    assert "cthub.web.cube" not in graph["cthub.web.geo"] | graph["cthub.web.dashboards"]
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cycles.append(path[path.index(d):] + [d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


@pytest.mark.parametrize("which", ["index", "country"])
def test_country_pages_keep_the_csp_and_carry_no_inline_script(client, cells, which):
    from tests.web.test_pages import ScriptAudit

    r = client.get("/countries/" if which == "index" else f"/countries/{_richest(cells)}/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    audit = ScriptAudit()
    audit.feed(r.text)
    assert audit.inline == [] and audit.handlers == [] and audit.external == []


def test_a_table_without_countries_adds_no_column_and_classic_pages_state_the_threshold(tmp_path):
    """The victim-perpetrator table records regions, not countries: it has no place on the country pages."""
    from fastapi.testclient import TestClient

    from cthub.web.app import create_app
    from tests.web.release_fixture import EFFECTIVE_THRESHOLD, write_release

    home = tmp_path / "hub"
    write_release(home, n=3000, profile="classic", victim_perpetrator=True)
    cells = published(home)
    with TestClient(create_app(home=home)) as c:
        page = parse(c.get("/countries/").text)
        rows = [(attrs["data-code"], texts) for cls, _, texts, attrs in page.rows if "country-index" in cls]
        assert rows and all(len(texts) == 4 for _, texts in rows)  # name, region, two victims columns only
        assert {code for code, _ in rows} == set(one_way(cells, ORIGIN)) | set(one_way(cells, DEST))
        html = c.get(f"/countries/{rows[0][0]}/").text
    assert f"Counts below {EFFECTIVE_THRESHOLD} are not published" in html  # the effective rule, as declared
    assert "victim_perpetrator" not in html
