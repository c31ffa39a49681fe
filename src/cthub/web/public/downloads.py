"""Downloads behind a terms-of-use gate.

Accepting the terms (a form POST) sets a signed cookie; a file URL without it redirects to the terms page and comes
back after acceptance. The cookie holds a random id, is timed (`TERMS_MAX_AGE`) and is bound to a hash of the
current terms, so it is one value per acceptance, expires, and changed terms need a new acceptance. A cross-site
POST (by `Origin` or `Sec-Fetch-Site`) cannot accept on a visitor's behalf. The gate covers the release files; the
JSON API and the dashboards' chart CSVs carry the same published aggregates and are public by design, like the pages
that show them. Only files the release's privacy statement declares public are listed and served
(`cthub.web.declared.public_path`), each with its guarantee, so no URL can reach an undeclared file or outside a
release folder. The page groups the files by what a reader uses them for (`PURPOSES`), and offers the whole release
as one zip (`cthub.web.public.archive`: the declared files themselves, behind the same gate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cthub.release.reader import Release, ReleaseNotFound
from cthub.web.catalog import public_meta
from cthub.web.declared import PublicFile, public_files, public_path
from cthub.web.protection import short_guarantee
from cthub.web.public.archive import archive_guarantee, archive_name, release_zip
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


#: (key, heading, what a reader uses it for), in the order the page lists them
PURPOSES: tuple[tuple[str, str, str], ...] = (
    ("synthetic", "Synthetic microdata",
     "Artificial records with the statistical shape of the real ones, for your own tables and models. No row is a "
     "real person; figures computed from them are estimates."),
    ("kanon", "k-anonymized microdata",
     "Generalized records: every combination of quasi-identifiers is shared by at least k people."),
    ("aggregates", "Aggregate counts",
     "The protected counts the dashboards, map and explorer show (one row per combination of values)."),
    ("codebook", "Codebook", "What every variable and value means, and how it was collected."),
    ("dictionary", "Data dictionary", "The variables, types and allowed values as a spreadsheet."),
    ("report", "Report", "The release's parameters, privacy statement and the accuracy the noise allows."),
    ("datapackage", "Data package",
     "A Frictionless Data Package descriptor: schema, licence, size and SHA-256 of every data file, for "
     "Frictionless, CKAN and other catalogue tools."),
    ("metadata", "Metadata and checksums",
     "The release's machine-readable description, its privacy statement and the checksums of every file."),
)


def purpose(f: PublicFile) -> str:
    """The `PURPOSES` key of a file: data files by their declared kind, documents by name."""
    base = f.name.rsplit("/", 1)[-1]
    if f.kind in ("synthetic", "kanon", "aggregates"):
        return f.kind
    for key in ("codebook", "dictionary", "datapackage", "report"):
        if base.startswith(key):
            return key
    for kind in ("synthetic", "kanon", "aggregates"):
        if f"_{kind}." in base:
            return kind
    return "metadata"


def readable_size(n: int) -> str:
    """Bytes as a reader says them (SI: 1 kB = 1,000 bytes, as file managers on most systems show)."""
    if n < 1000:
        return f"{n:,} bytes"
    if n < 1000**2:
        return f"{n / 1000:,.1f} kB"
    if n < 1000**3:
        return f"{n / 1000**2:,.1f} MB"
    return f"{n / 1000**3:,.2f} GB"


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
        "datapackage.json": "Frictionless Data Package descriptor: Table Schema, licence, size and SHA-256 of every "
                            "data file",
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


def release_url(request: Request, release: Release) -> str | None:
    """Where this release's downloads live on this site, for the citation; None on a static site (whose address
    the app cannot know)."""
    if getattr(request.app.state, "static_site", False):
        return None
    return f"{str(request.base_url).rstrip('/')}/downloads/#release-{release.version}"


def release_entry(request: Request, release: Release) -> dict[str, Any]:
    declared = public_files(release)
    files = [
        {"name": f.name, "size": f.size, "size_text": readable_size(f.size), "sha256": f.sha256,
         "description": describe(f.name), "protection": short_guarantee(f.guarantee), "purpose": purpose(f)}
        for f in declared
    ]
    groups = [{"key": key, "heading": heading, "text": text, "files": [f for f in files if f["purpose"] == key]}
              for key, heading, text in PURPOSES]
    meta = public_meta(release)
    total = sum(f.size for f in declared)
    return {
        "version": release.version,
        "meta": meta,
        "files": files,
        "groups": [g for g in groups if g["files"]],
        "archive": {"name": archive_name(release), "size_text": readable_size(total), "count": len(files),
                    "protection": short_guarantee(archive_guarantee(release))} if files else None,
        "citation": citation(request, release),
        "url": release_url(request, release),
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


def _to_terms(target: str) -> RedirectResponse:
    return RedirectResponse(f"/downloads/terms?next={quote(target, safe='')}", status_code=303)


@router.get("/downloads/{version}.zip")
def download_zip(request: Request, version: str) -> Response:
    """Every declared file of one release in one zip, behind the same terms of use as the files."""
    if not accepted(request):
        return _to_terms(f"/downloads/{quote(version)}.zip")
    try:
        release = request.app.state.catalog.get(version)
    except ReleaseNotFound as exc:
        return render(request, "error.html", {"title": "Not found", "message": str(exc)}, status_code=404)
    if not public_files(release):
        return render(request, "error.html", {"title": "Not found", "message": f"release {release.version} "
                      "declares no public files"}, status_code=404)
    return StreamingResponse(release_zip(release), media_type="application/zip",
                             headers={"content-disposition": f'attachment; filename="{archive_name(release)}"'})


@router.get("/downloads/{version}/{name:path}")
def download_file(request: Request, version: str, name: str) -> Response:
    if not accepted(request):
        return _to_terms(f"/downloads/{quote(version)}/{quote(name)}")
    try:
        release = request.app.state.catalog.get(version)
        path = public_path(release, name)
    except ReleaseNotFound as exc:
        return render(request, "error.html", {"title": "Not found", "message": str(exc)}, status_code=404)
    return FileResponse(path, filename=path.name)
