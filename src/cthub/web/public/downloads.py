"""Downloads behind a terms-of-use gate.

Accepting the terms (a form POST) sets a signed cookie; a file URL without it redirects to the terms page and comes
back after acceptance. The cookie holds a random id, is timed (`TERMS_MAX_AGE`) and is bound to a hash of the
current terms, so it is one value per acceptance, expires, and changed terms need a new acceptance. A cross-site
POST (by `Origin` or `Sec-Fetch-Site`) cannot accept on a visitor's behalf. The gate covers the release files; the
JSON API and the dashboards' chart CSVs carry the same published aggregates and are public by design, like the pages
that show them. Only files the release's privacy statement declares public are listed and served
(`cthub.web.catalog.public_path`), each with its guarantee, so no URL can reach an undeclared file or outside a
release folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cthub.release.reader import Release, ReleaseNotFound
from cthub.web.catalog import public_files, public_meta, public_path
from cthub.web.protection import short_guarantee
from cthub.web.render import render

router = APIRouter(include_in_schema=False)

TERMS_COOKIE = "cthub_terms"
TERMS_MAX_AGE = 180 * 24 * 3600

DESCRIPTIONS = {
    "kanon": "k-anonymized microdata (one row per record, generalized and suppressed so every combination of "
    "quasi-identifiers is shared by at least k records)",
    "synthetic": "differentially private synthetic microdata (artificial records with the statistical shape of the "
    "real ones)",
    "aggregates": "protected aggregate counts (selections, length, count) as used by the dashboards and explorer",
}


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="cthub-terms-v2")


def _terms_hash(request: Request) -> str:
    return hashlib.sha256(str(request.app.state.config.terms_of_use).encode("utf-8")).hexdigest()[:16]


def accepted(request: Request) -> bool:
    """Whether this browser accepted the current terms of use within `TERMS_MAX_AGE` (a cookie we signed)."""
    raw = request.cookies.get(TERMS_COOKIE)
    if not raw or len(raw) > 500:
        return False
    try:
        data = _serializer(request).loads(raw, max_age=TERMS_MAX_AGE)
    except BadSignature:  # includes SignatureExpired
        return False
    return isinstance(data, dict) and data.get("terms") == _terms_hash(request) and bool(data.get("id"))


def _same_site(request: Request) -> bool:
    """A form POST from this site. Browsers send `Sec-Fetch-Site`, which a page cannot forge; without it (older
    browsers), a cross-site `Origin` is refused (compared with `Host` and a proxy's `X-Forwarded-Host`, since a
    proxy may rewrite `Host`); with neither (scripts, curl) the POST is allowed, as no browser session is abused."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "").split(",")[0].strip()}
    return origin.split("://", 1)[-1].rstrip("/") in hosts - {""}


def _safe_next(target: str | None) -> str:
    """Only same-site paths under /downloads/ may be the target after accepting (no open redirect)."""
    if target and target.startswith("/downloads/") and "//" not in target and "\\" not in target:
        return target
    return "/downloads/"


def describe(name: str) -> str:
    """A line saying what a release file is, for the downloads table."""
    base = name.rsplit("/", 1)[-1]
    for kind, text in DESCRIPTIONS.items():
        if f"_{kind}." in base:
            return text[:1].upper() + text[1:]
    return {
        "codebook.html": "Codebook (web page)",
        "codebook.md": "Codebook (Markdown)",
        "dictionary.csv": "Data dictionary (CSV)",
        "dictionary.xlsx": "Data dictionary (Excel)",
        "datapackage.json": "Frictionless Data Package descriptor (Table Schema of every file)",
        "report.html": "Public report: parameters, the privacy statement and accuracy from the noise scales",
        "report.json": "Public report (JSON): the same figures as the report page",
        "release.json": "Release metadata: parameters, privacy summary, declared record counts",
        "SHA256SUMS": "SHA-256 checksums of every file",
    }.get(base, "")


def citation(request: Request, release: Release) -> str:
    cfg = request.app.state.config
    year = (release.created or "")[:4] or str(dt.date.today().year)
    try:
        return cfg.citation.format(name=cfg.name, year=year, version=release.version)
    except (KeyError, IndexError, ValueError):
        return cfg.citation


def release_entry(request: Request, release: Release) -> dict[str, Any]:
    files = [
        {"name": f.name, "size": f.size, "sha256": f.sha256, "description": describe(f.name),
         "protection": short_guarantee(f.guarantee)}
        for f in public_files(release)
    ]
    meta = public_meta(release)
    return {
        "version": release.version,
        "meta": meta,
        "files": files,
        "citation": citation(request, release),
        "notes": release.meta.get("notes") or "",
    }


@router.get("/downloads/", response_class=HTMLResponse)
def downloads(request: Request) -> HTMLResponse:
    catalog = request.app.state.catalog
    entries = [release_entry(request, catalog.get(v)) for v in reversed(catalog.versions())]
    return render(request, "downloads.html", {
        "entries": entries,
        "accepted": accepted(request),
        "terms": request.app.state.config.terms_of_use,
    }, active="downloads")


@router.get("/downloads/terms", response_class=HTMLResponse)
def terms(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "terms.html", {
        "terms": request.app.state.config.terms_of_use,
        "next": _safe_next(next),
        "accepted": accepted(request),
    }, active="downloads")


@router.post("/downloads/terms")
def accept_terms(request: Request, accept: str = Form("", max_length=10),
                 next: str = Form("/downloads/", max_length=500)) -> Response:
    if not _same_site(request):
        raise HTTPException(403, "the terms of use can only be accepted on this site's terms page")
    if accept != "yes":
        return render(request, "terms.html", {
            "terms": request.app.state.config.terms_of_use,
            "next": _safe_next(next),
            "accepted": False,
            "error": "Tick the box to accept the terms of use before downloading.",
        }, status_code=400, active="downloads")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        TERMS_COOKIE, _serializer(request).dumps({"id": secrets.token_urlsafe(12), "terms": _terms_hash(request)}),
        max_age=TERMS_MAX_AGE,
        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/",
    )
    return response


@router.get("/downloads/{version}/{name:path}")
def download_file(request: Request, version: str, name: str) -> Response:
    if not accepted(request):
        target = f"/downloads/{quote(version)}/{quote(name)}"
        return RedirectResponse(f"/downloads/terms?next={quote(target, safe='')}", status_code=303)
    try:
        release = request.app.state.catalog.get(version)
        path = public_path(release, name)
    except ReleaseNotFound as exc:
        return render(request, "error.html", {"title": "Not found", "message": str(exc)}, status_code=404)
    return FileResponse(path, filename=path.name)
