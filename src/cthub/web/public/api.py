"""The JSON API under `/api/`, answered only from published release files.

Counts come from the release's protected aggregates: a combination that is not published is `suppressed` (and one
deeper than the reporting length is `too deep`); the API never computes a count from microdata. The `.json` paths
the page scripts use are the same paths `cthub site build` writes as files, so the pages work on a static host.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from cthub.release.reader import ReleaseNotFound
from cthub.web import geo
from cthub.web.catalog import ReleaseCatalog, public_meta
from cthub.web.cube import FilterError, TableCube, unslug
from cthub.web.declared import public_files
from cthub.web.labels import load_standard_or_none
from cthub.web.protection import short_guarantee
from cthub.web.public.archive import archive_guarantee, archive_name
from cthub.web.public.downloads import describe, purpose
from cthub.web.public.schemas import (
    AggregateAnswer,
    ApiIndex,
    Chart,
    Flows,
    ReleaseDetail,
    ReleaseSummary,
    TableInfo,
    described,
    errors,
    ok,
)

router = APIRouter(prefix="/api", tags=["public"])

CACHE = {"cache-control": "public, max-age=300"}


def _catalog(request: Request) -> ReleaseCatalog:
    return request.app.state.catalog


async def _cube_async(request: Request, version: str, table: str) -> TableCube:
    """The cube without leaving the event loop when it is built already (the common case); else in a thread."""
    cube = _catalog(request).cached_cube(version, table)
    if cube is not None:
        return cube
    return await run_in_threadpool(_cube, request, version, table)


def _cube(request: Request, version: str, table: str) -> TableCube:
    try:
        return _catalog(request).cube(version, table)
    except ReleaseNotFound as exc:
        raise HTTPException(404, str(exc)) from None


def _filter(cube: TableCube, text: str | None):
    try:
        return cube.parse_filter(text)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/", summary="Where to start: links to the documentation, the OpenAPI spec and the releases",
            response_model=None, responses=ok(ApiIndex))
def index(request: Request) -> dict[str, Any]:
    """`/api/` answered 404; a client that lands here learns where the docs and the data are."""
    root = str(request.scope.get("root_path") or "")
    latest = _catalog(request).latest()
    return {
        "name": "cthub public API",
        "description": "Protected counts and synthetic estimates of the published releases, answered only from "
                       "published files.",
        "docs": f"{root}/api/docs",
        "openapi": f"{root}/api/openapi.json",
        "releases": f"{root}/api/releases",
        "latest": f"{root}/api/releases/latest" if latest is not None else None,
        "codebook": f"{root}/api/codebook",
    }


@router.get("/releases", summary="Published releases, newest first", response_model=None,
            responses={200: {"model": list[ReleaseSummary], "description": "Newest first"}})
def releases(request: Request) -> list[dict[str, Any]]:
    cat = _catalog(request)
    out = []
    for v in reversed(cat.versions()):
        rel = cat.get(v)
        s = public_meta(rel)
        out.append({"version": v, "created": s["created"], "privacy": s["privacy"], "summary": s["summary"],
                    "tables": cat.tables(rel)})
    return out


@router.get("/releases/{version}", summary="One release: metadata and files (`latest` works as a version)",
            response_model=None, responses=ok(ReleaseDetail) | errors(404))
def release(request: Request, version: str) -> dict[str, Any]:
    try:
        rel = _catalog(request).get(version)
    except ReleaseNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    meta = public_meta(rel)
    files = public_files(rel)
    meta["files"] = [
        {"name": f.name, "size": f.size, "sha256": f.sha256, "description": describe(f.name), "purpose": purpose(f),
         "guarantee": f.guarantee, "protection": short_guarantee(f.guarantee),
         "url": f"/downloads/{rel.version}/{f.name}"}
        for f in files
    ]
    meta["archive"] = ({"name": archive_name(rel), "url": f"/downloads/{rel.version}.zip",
                        "guarantee": archive_guarantee(rel)} if files else None)
    return meta


@router.get("/releases/{version}/privacy",
            summary="The release's privacy statement (privacy.json): the guarantee of every public file",
            response_model=None,
            responses=errors(404, e404="No such release, or it predates privacy.json")
            | described("privacy.json: profile, unit, composed (epsilon, delta, rho, spends), budget, tables, "
                        "outputs [{path, kind, table, guarantee}], not_promised"))
def privacy(request: Request, version: str) -> dict[str, Any]:
    try:
        rel = _catalog(request).get(version)
    except ReleaseNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    if not rel.privacy:
        raise HTTPException(404, f"release {rel.version} has no privacy statement (it predates privacy.json)")
    return rel.privacy


@router.get("/releases/{version}/tables", summary="Datasets (tables) of a release", response_model=None,
            responses=errors(404) | {200: {"model": list[TableInfo], "description": "One entry per table"}})
def tables(request: Request, version: str) -> list[dict[str, Any]]:
    try:
        rel = _catalog(request).get(version)
    except ReleaseNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    out = []
    for t in _catalog(request).tables(rel):
        cube = _cube(request, version, t)
        out.append({"table": t, "records": cube.records, "records_text": cube.records_text,
                    "rule": cube.rule["text"], "reporting_length": cube.length,
                    "attributes": cube.columns, "has_synthetic": cube.synthetic is not None})
    return out


@router.get("/releases/{version}/tables/{table}/meta.json", summary="Attributes, labels and limits of a table",
            responses=errors(404) | described("table, records, rule (text, missing), threshold, reporting length, "
                                              "attributes with their published values and labels, country "
                                              "attributes"))
async def table_meta(request: Request, version: str, table: str) -> Response:
    cube = await _cube_async(request, version, table)
    return Response(cube.meta_json(), media_type="application/json", headers=CACHE)


@router.get("/releases/{version}/tables/{table}/slices/{slug}.json",
            summary="Protected counts and synthetic estimates of every attribute under one filter",
            responses=errors(400, 404) | described("Per attribute, the rows of `chart` under the filter the slug "
                                                   "encodes (`_all` for none)"))
async def table_slice(request: Request, version: str, table: str, slug: str) -> Response:
    cube = await _cube_async(request, version, table)
    return Response(cube.slice_json(_filter(cube, unslug(slug))), media_type="application/json", headers=CACHE)


@router.get("/releases/{version}/tables/{table}/flows.json", summary="Top origin -> destination corridors",
            response_model=None,
            responses=ok(Flows) | errors(400, 404, e400="an attribute the table does not publish",
                                         e404="no such release or table, or the table has no pair of country "
                                              "attributes"))
def flows(request: Request, version: str, table: str,
          origin: str | None = Query(None, description="attribute of the corridor's origin (default: citizenship)"),
          destination: str | None = Query(None, description="attribute of its destination (default: country of "
                                                            "exploitation)"),
          top: int = Query(25, ge=1, le=500)) -> JSONResponse:
    """Corridors from the published two-way aggregates of two country attributes, largest first.

    `origin_attribute` and `destination_attribute` name the two attributes; each flow's `origin` and `destination`
    are their values (ISO 3166-1 alpha-2 codes) and `count` the published count of that pair."""
    cube = _cube(request, version, table)
    o, d = geo.country_columns(cube)
    origin, destination = origin or o, destination or d
    if not origin or not destination:
        raise HTTPException(404, f"table {table!r} has no pair of country attributes to draw flows from")
    for col in (origin, destination):
        if col not in cube.columns:
            raise HTTPException(400, f"table {table!r} has no published attribute {col!r}")
    return JSONResponse({"origin_attribute": origin, "destination_attribute": destination,
                         "threshold": cube.threshold, "rule": cube.rule["text"],
                         "flows": cube.flows(origin, destination, top)}, headers=CACHE)


@router.get("/releases/{version}/tables/{table}/aggregates",
            summary="The published count of one combination, or `suppressed`", response_model=None,
            responses=ok(AggregateAnswer) | errors(400, 404, e400="No selection, or an attribute or value outside "
                                                                 "the standard (the message lists the valid ones)"))
async def aggregate(request: Request, version: str, table: str,
                    selections: str = Query("", description="e.g. gender:Female;ageBroad:9--17")) -> dict[str, Any]:
    cube = await _cube_async(request, version, table)
    f = _filter(cube, selections)
    if not f:
        raise HTTPException(400, "give at least one selection, e.g. ?selections=gender:Female")
    if len(f) > cube.length:
        return {"selections": cube.key(f), "length": len(f), "status": "too deep", "count": None,
                "reporting_length": cube.length}
    count = cube.protected(f)
    return {"selections": cube.key(f), "length": len(f), "status": "published" if count is not None else "suppressed",
            "count": count, "reporting_length": cube.length}


@router.get("/releases/{version}/tables/{table}/chart",
            summary="One chart's data: protected counts (or suppressed) with synthetic estimates, as JSON or CSV",
            responses=errors(400, 404) | {200: {
                "model": Chart, "description": "JSON (format=json), or CSV with the same columns as the rows "
                                               "(format=csv)",
                "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def chart(request: Request, version: str, table: str, attribute: str,
                filter: str = Query("", description="selections to filter by, e.g. gender:Female"),
                format: Literal["json", "csv"] = "json") -> Response:
    cube = await _cube_async(request, version, table)
    f = _filter(cube, filter)
    try:
        rows = cube.chart(attribute, f)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None
    if format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["attribute", "value", "label", "protected_count", "status",
                                                 "synthetic_estimate"], lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
        name = f"{table}_{attribute}.csv"
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}"'})
    return JSONResponse({"table": table, "attribute": attribute, "filter": cube.key(f), "rows": rows})


@router.get("/codebook", summary="The data standard: tables, variables, values and labels", response_model=None,
            responses=errors(503) | described("version, tables {name: {title, description, variables [...]}}"))
def codebook() -> dict[str, Any]:
    std = load_standard_or_none()
    if std is None:
        raise HTTPException(503, "the data standard could not be loaded")
    return std.as_dict()


@router.get("/codebook/{table}", summary="One table of the standard", response_model=None,
            responses=errors(404, 503, e404="The standard has no such table (the message lists its tables)")
            | described("version, table and its variables"))
def codebook_table(table: str) -> dict[str, Any]:
    std = load_standard_or_none()
    if std is None:
        raise HTTPException(503, "the data standard could not be loaded")
    data = std.as_dict()
    if table not in data.get("tables", {}):
        raise HTTPException(404, f"the standard has no table {table!r}; tables: {', '.join(data.get('tables', {}))}")
    return {"version": data.get("version"), "table": table, **data["tables"][table]}


@router.get("/geo/world.json", summary="World countries (TopoJSON, 1:110m) with ISO alpha-2 ids and regions")
def world() -> Response:
    return Response(geo.world_topojson_bytes(), media_type="application/json",
                    headers={"cache-control": "public, max-age=86400"})
