"""`cthub site build`: the public pages as a static site (host anywhere, or archive it with a release).

The pages are rendered by the same app in static mode (links relative to each page) and saved as `index.html`
files; the JSON the page scripts fetch is written at the same paths the live API serves (`api/releases/<v>/tables/
<t>/slices/<slug>.json` for every filter the explorer can reach), so the scripts need no second code path. A static
host cannot enforce the terms-of-use gate, so the downloads page shows the terms above the links instead.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from cthub.web.app import STATIC_DIR, create_app
from cthub.web.cube import slug
from cthub.web.declared import public_files
from cthub.web.render import PAGES


class SiteError(Exception):
    """The site cannot be built; the message says what to do."""


def _write(out: Path, rel: str, data: bytes) -> int:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


class _Links(HTMLParser):
    """The `href`s of a page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _pages_below(path: str, html: str) -> list[str]:
    """The pages a page links to below its own path (`/codebook/` -> `/codebook/victims/`), in link order.

    Links are page-relative in static mode, so each is resolved against the page's own path first."""
    parser = _Links()
    parser.feed(html)
    out: list[str] = []
    for href in parser.hrefs:
        target = urlsplit(urljoin(path, href))
        if target.scheme or target.netloc or target.query or not target.path.endswith("/"):
            continue
        if target.path.startswith(path) and target.path != path and target.path not in out:
            out.append(target.path)
    return out


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_site(out: str | os.PathLike[str], home: str | os.PathLike[str] | None = None,
               release: str | os.PathLike[str] | None = None, with_files: bool = True,
               progress: bool = True) -> dict[str, int]:
    """Write the static site into `out` (new or empty folder); returns counts of files and bytes written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SiteError(f"{out} is not empty; choose a new folder or empty it first")
    app = create_app(home=home, release=release, static_site=True)
    catalog = app.state.catalog
    versions = catalog.versions()
    if not versions:
        raise SiteError("nothing is published: publish a release first, or pass --release DIR")
    out.mkdir(parents=True, exist_ok=True)
    stats = {"files": 0, "bytes": 0}

    def put(rel: str, data: bytes) -> None:
        stats["files"] += 1
        stats["bytes"] += _write(out, rel, data)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant for in-process rendering
        from fastapi.testclient import TestClient
    client = TestClient(app)
    for page in PAGES:  # the one page registry (cthub.web.render.PAGES)
        if not page.static:
            continue
        paths = ["/" + page.href]
        while paths:
            p = paths.pop(0)
            r = client.get(p)
            if r.status_code != 200:
                raise SiteError(f"page {p} failed to render (HTTP {r.status_code})")
            put(p.strip("/") + ("/index.html" if p != "/" else "index.html"), r.content)
            if page.follow and p == "/" + page.href:
                paths += _pages_below(p, r.text)

    shutil.copytree(STATIC_DIR, out / "static", dirs_exist_ok=True)
    for f in (out / "static").rglob("*"):
        if f.is_file():
            stats["files"] += 1
            stats["bytes"] += f.stat().st_size

    put("api/geo/world.json", client.get("/api/geo/world.json").content)
    put("api/releases/index.json", client.get("/api/releases").content)
    jobs: list[tuple[str, str]] = []
    for v in versions:
        put(f"api/releases/{v}/index.json", client.get(f"/api/releases/{v}").content)
        r = client.get(f"/api/releases/{v}/privacy")
        if r.status_code == 200:
            put(f"api/releases/{v}/privacy", r.content)
        rel = catalog.get(v)
        for t in catalog.tables(rel):
            jobs.append((v, t))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not progress) as bar:
        for v, t in jobs:
            cube = catalog.cube(v, t)
            base = f"api/releases/{v}/tables/{t}/"
            put(base + "meta.json", _json(cube.meta()))
            r = client.get(f"/{base}flows.json")
            if r.status_code == 200:
                put(base + "flows.json", r.content)
            filters = cube.published_filters()
            task = bar.add_task(f"slices of {t} {v}", total=len(filters))
            for f in filters:
                put(base + f"slices/{slug(cube.key(f))}.json", _json(cube.slice(f)))
                bar.advance(task)
    if with_files:
        for v in versions:
            for pf in public_files(catalog.get(v)):  # only the files the privacy statement declares
                dest = out / "downloads" / v / pf.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(pf.path, dest)
                stats["files"] += 1
                stats["bytes"] += pf.size
    return stats
