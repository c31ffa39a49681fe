"""A page per country (as CTDC has) and their index, drawn only from the published aggregates.

Every number on these pages is one published cell of a table's aggregates: the country as citizenship, as country of
exploitation, each by year, and the corridors in and out of it (two-way cells). A cell that is not published is shown
with the release's own rule for what that means ("fewer than 20 (suppressed)", "not published (too rare for the
noise)"), never computed, summed or taken from the synthetic records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cthub.release.reader import Release
from cthub.web.catalog import ReleaseCatalog
from cthub.web.cube import TableCube
from cthub.web.geo import country_columns, region_of
from cthub.web.labels import country_name
from cthub.web.render import render

router = APIRouter(include_in_schema=False)

TOP = 10  # corridors listed each way
CODE = re.compile(r"[A-Za-z]{2}")


@dataclass
class Cell:
    """One published count, or None with what its absence means under the table's rule."""

    count: int | None
    missing: str

    @property
    def text(self) -> str:
        return f"{self.count:,}" if self.count is not None else self.missing


@dataclass
class CountryTable:
    """A country's figures in one table that has country attributes."""

    table: str
    version: str
    rule: dict[str, Any]
    origin: str | None  # attribute names (either may be None)
    destination: str | None
    origin_label: str = ""
    destination_label: str = ""
    as_origin: Cell | None = None
    as_destination: Cell | None = None
    year_attribute: str | None = None
    years: list[dict[str, Any]] = field(default_factory=list)  # {year, origin: Cell|None, destination: Cell|None}
    corridors_out: list[dict[str, Any]] = field(default_factory=list)  # {code, name, count}
    corridors_in: list[dict[str, Any]] = field(default_factory=list)
    two_way: bool = True  # the reporting length publishes pairs (years, corridors)


def country_tables(catalog: ReleaseCatalog, release: Release) -> list[TableCube]:
    """The cubes of a release's tables that have a country attribute (the victim-perpetrator table records regions)."""
    out = []
    for t in catalog.tables(release):
        cube = catalog.cube(release.version, t)
        if any(country_columns(cube)):
            out.append(cube)
    return out


def _one_way(cube: TableCube, attribute: str | None, code: str) -> int | None:
    return cube.counts.get(frozenset({(attribute, code)})) if attribute else None


def published_countries(cubes: list[TableCube]) -> dict[str, dict[str, Any]]:
    """{code: {name, region, counts: {table: (as origin, as destination)}}} for every country some table publishes a
    one-way count of, as either attribute; sorted by name."""
    found: dict[str, dict[str, Any]] = {}
    for cube in cubes:
        origin, destination = country_columns(cube)
        codes = {v for col in (origin, destination) if col for v in cube.values[col]}
        for code in codes:
            pair = (_one_way(cube, origin, code), _one_way(cube, destination, code))
            if pair == (None, None):
                continue
            entry = found.setdefault(code, {"code": code, "name": country_name(code), "region": region_of(code),
                                            "counts": {}})
            entry["counts"][cube.table] = pair
    return dict(sorted(found.items(), key=lambda kv: (kv[1]["name"], kv[0])))


def _corridors(cube: TableCube, here: str, there: str, code: str, top: int) -> list[dict[str, Any]]:
    """The largest published pairs (here = code, there = any country), as one cell each."""
    rows: list[dict[str, Any]] = []
    for value in cube.values[there]:
        n = cube.counts.get(frozenset({(here, code), (there, value)}))
        if n is not None:
            rows.append({"code": value, "name": country_name(value), "count": n})
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows[:top]


def country_profile(cube: TableCube, code: str, top: int = TOP) -> CountryTable:
    """One country's published figures in one table: each a published cell or the rule's missing text."""
    origin, destination = country_columns(cube)
    missing = cube.rule["missing"]
    ct = CountryTable(table=cube.table, version=cube.release.version, rule=cube.rule, origin=origin,
                      destination=destination, two_way=cube.length >= 2)
    for attr, side in ((origin, "origin"), (destination, "destination")):
        if attr is None:
            continue
        setattr(ct, f"{side}_label", cube.variables[attr].label)
        setattr(ct, f"as_{side}", Cell(_one_way(cube, attr, code), missing))
    ct.year_attribute = next((c for c in cube.columns if cube.variables[c].type == "year"), None)
    if not ct.two_way:
        return ct
    if ct.year_attribute:
        year = ct.year_attribute
        for y in cube.values[year]:
            row: dict[str, Any] = {"year": y}
            for attr, side in ((origin, "origin"), (destination, "destination")):
                row[side] = Cell(cube.counts.get(frozenset({(attr, code), (year, y)})), missing) if attr else None
            ct.years.append(row)
        # the years before the first and after the last published count of the country say nothing: trimmed
        shown = [i for i, r in enumerate(ct.years)
                 if any(r[side] is not None and r[side].count is not None for side in ("origin", "destination"))]
        ct.years = ct.years[shown[0]:shown[-1] + 1] if shown else []
    if origin and destination:
        ct.corridors_out = _corridors(cube, origin, destination, code, top)
        ct.corridors_in = _corridors(cube, destination, origin, code, top)
    return ct


def _latest(request: Request) -> tuple[Release, list[TableCube]] | None:
    catalog: ReleaseCatalog = request.app.state.catalog
    rel = catalog.latest()
    if rel is None:
        return None
    return rel, country_tables(catalog, rel)


def _not_found(request: Request, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": "No such country page", "message": message}, status_code=404,
                  active="countries")


@router.get("/countries/", response_class=HTMLResponse)
def countries_index(request: Request) -> HTMLResponse:
    """Every country with a published count, with its one-way counts (each a published cell)."""
    found = _latest(request)
    if found is None:
        return render(request, "no_release.html", {}, active="countries")
    rel, cubes = found
    tables = [{"table": c.table, "origin_label": c.variables[o].label if (o := country_columns(c)[0]) else "",
               "destination_label": c.variables[d].label if (d := country_columns(c)[1]) else "",
               "rule": c.rule} for c in cubes]
    return render(request, "countries.html", {"version": rel.version, "tables": tables,
                                              "countries": list(published_countries(cubes).values())},
                  active="countries")


@router.get("/countries/{code}/", response_class=HTMLResponse)
def country_page(request: Request, code: str) -> Response:
    """One country: as citizenship and as country of exploitation, by year, and its top corridors in and out."""
    if not CODE.fullmatch(code):
        return _not_found(request, f"{code[:20]!r} is not a country code: country pages are at /countries/XX/ with "
                                   "the ISO 3166-1 alpha-2 code (the countries page lists them).")
    if code != code.upper():
        return RedirectResponse(str(request.url_for("country_page", code=code.upper())), status_code=308)
    found = _latest(request)
    if found is None:
        return render(request, "no_release.html", {}, active="countries")
    rel, cubes = found
    listed = published_countries(cubes)
    if code not in listed:  # the same set the index links to, so the static site has every page it links
        return _not_found(request, f"Release {rel.version} publishes no count for {country_name(code)} ({code}). "
                                   "The countries page lists every country with a published count.")
    profiles = [country_profile(c, code) for c in cubes]
    for prof in profiles:  # a corridor's other end links to its page only when it has one
        for row in prof.corridors_out + prof.corridors_in:
            row["page"] = row["code"] in listed and row["code"] != code
    return render(request, "country.html", {"version": rel.version, "code": code, "name": country_name(code),
                                            "region": region_of(code), "profiles": profiles,
                                            "several": len(profiles) > 1}, active="countries")
