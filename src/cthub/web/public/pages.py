"""The public HTML pages: overview, dashboards, map, explorer, codebook, how the release is protected, API docs.

The country pages live in `countries.py` (included below). Every page here is listed once in
`cthub.web.render.PAGES`, which makes the navigation and the static site's page list.

Pages carry no data in scripts: each chart page names its release and table in `data-` attributes and its script
fetches the JSON under `api/` (which `cthub site build` also writes as files).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cthub.release.reader import Release, ReleaseNotFound
from cthub.web.catalog import public_meta
from cthub.web.declared import aggregates_guarantee
from cthub.web.labels import load_standard_or_none
from cthub.web.protection import records_text, statement, suppression_rule
from cthub.web.public import countries
from cthub.web.render import render

router = APIRouter(include_in_schema=False)
router.include_router(countries.router)  # /countries/ and /countries/<ISO2>/


def _release_context(request: Request, table: str | None = None) -> dict[str, Any] | None:
    rel: Release | None = request.app.state.catalog.latest()
    if rel is None:
        return None
    tables = request.app.state.catalog.tables(rel)
    chosen = table if table in tables else (tables[0] if tables else None)
    return {"release": public_meta(rel), "version": rel.version, "tables": tables, "table": chosen}


def _published_span(request: Request, ctx: dict[str, Any]) -> dict[str, Any]:
    """Countries and years with a published one-way count: what the country pages and the year filters offer.

    Not release.json's summary, which lists every value seen in the outputs (the synthetic file's included), so it
    counted more "countries with a published count" than have one and years no page offers."""
    catalog = request.app.state.catalog
    rel = catalog.get(ctx["version"])
    found = countries.published_countries(countries.country_tables(catalog, rel))
    years: set[str] = set()
    for t in ctx["tables"]:
        cube = catalog.cube(rel.version, t)
        for col in (c for c in cube.columns if cube.variables[c].type == "year"):
            years.update(v for v in cube.values[col] if cube.counts.get(frozenset({(col, v)})) is not None)
    return {"countries": sorted(found), "years": sorted(years)}


def _count(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return f"{len(v):,}" if v else "–"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{v:,.0f}"
    return str(v) if v else "–"


def _figures(summary: dict[str, Any], tables: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    """Key figures, each with its unit and table: record counts only as declared (one line per table, never summed)."""
    out: list[tuple[str, str]] = []
    for t, info in tables.items():
        text = records_text((info or {}).get("records"))
        if text:
            value, _, rest = text.partition(" records")
            out.append((value, f"{labels.get(t, t)} records{rest}"))
    years = summary.get("years")
    if isinstance(years, (list, tuple)) and years:
        span = f"{min(map(str, years))}–{max(map(str, years))}" if len(years) > 1 else str(years[0])
    else:
        span = _count(years)
    out += [(_count(summary.get("countries")), "countries (of citizenship or exploitation) with a published count"),
            (span, "years of registration"), (_count(summary.get("contributors")), "contributing organizations")]
    return out


TABLE_NOUNS = {"victims": "victim", "victim_perpetrator": "victim–perpetrator"}


def _table_labels(tables: list[str]) -> dict[str, str]:
    return {t: TABLE_NOUNS.get(t, t.replace("_", " ")) for t in tables}


def _nothing(request: Request, active: str) -> HTMLResponse:
    return render(request, "no_release.html", {}, active=active)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    ctx = _release_context(request)
    if ctx is None:
        return _nothing(request, "overview")
    summary = dict(ctx["release"]["summary"])
    if ctx["table"]:  # the published cells decide, as on the country pages and the dashboards
        summary.update(_published_span(request, ctx))
    ctx["figures"] = _figures(summary, ctx["release"]["tables"], _table_labels(list(ctx["release"]["tables"])))
    ctx["protection"] = _protection(request)
    return render(request, "overview.html", ctx, active="overview")


def _protection(request: Request) -> dict[str, Any] | None:
    """The latest release's statement, with the rule of each table's aggregates (effective threshold)."""
    rel: Release | None = request.app.state.catalog.latest()
    if rel is None:
        return None
    st = statement(rel.privacy)
    st["rules"] = [{"table": t, **suppression_rule(aggregates_guarantee(rel, t))}
                   for t in request.app.state.catalog.tables(rel)]
    st["declared"] = bool(rel.privacy)
    return st


@router.get("/protection/", response_class=HTMLResponse)
def protection(request: Request) -> HTMLResponse:
    """How this release is protected, in plain language, generated from its privacy.json."""
    ctx = _release_context(request)
    if ctx is None:
        return _nothing(request, "protection")
    ctx["protection"] = _protection(request)
    return render(request, "protection.html", ctx, active="protection")


def _table_page(request: Request, table: str | None, page: str) -> HTMLResponse:
    """A page charting one table of the latest release (or the "nothing published yet" page)."""
    ctx = _release_context(request, table)
    if ctx is None or ctx["table"] is None:
        return _nothing(request, page)
    rel = request.app.state.catalog.get(ctx["version"])
    ctx["rule"] = suppression_rule(aggregates_guarantee(rel, ctx["table"]))  # the EFFECTIVE rule, as declared
    return render(request, f"{page}.html", ctx, active=page)


@router.get("/dashboards/", response_class=HTMLResponse)
def dashboards(request: Request, table: str | None = None) -> HTMLResponse:
    return _table_page(request, table, "dashboards")


@router.get("/map/", response_class=HTMLResponse)
def world_map(request: Request, table: str | None = None) -> HTMLResponse:
    return _table_page(request, table, "map")


@router.get("/explorer/", response_class=HTMLResponse)
def explorer(request: Request, table: str | None = None) -> HTMLResponse:
    return _table_page(request, table, "explorer")


@router.get("/codebook/", response_class=HTMLResponse)
def codebook_index(request: Request) -> HTMLResponse:
    std = load_standard_or_none()
    return render(request, "codebook_index.html", {"standard": std}, active="codebook")


@router.get("/codebook/{table}/", response_class=HTMLResponse)
def codebook_table(request: Request, table: str) -> HTMLResponse:
    std = load_standard_or_none()
    try:
        tbl = std.table(table) if std is not None else None
    except Exception:
        tbl = None
    if tbl is None:
        return render(request, "error.html", {"title": "No such table",
                                              "message": f"The standard has no table {table!r}."},
                      status_code=404, active="codebook")
    return render(request, "codebook_table.html", {"standard": std, "tbl": tbl}, active="codebook")


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "api_docs.html", {}, active="api")


def not_found_page(request: Request, exc: ReleaseNotFound | str) -> HTMLResponse:
    return render(request, "error.html", {"title": "Not found", "message": str(exc)}, status_code=404)
