"""Which releases the public site serves, and their cubes.

The public web shows only published releases (`published.json`), or exactly one release folder when started with
`--release DIR` (to preview a draft locally or to build a static site of an archived release). Release folders are
immutable, so cubes are built once per (version, table) and kept.

Of a release, the site reads only what its privacy statement (`privacy.json`) declares public: `cthub.web.declared`'s
`public_files` lists those files and `public_path` hands out their paths; `public_meta` here keeps the declared shape of `release.json`. A file
in the folder with no declared guarantee (an old `metrics.json`, a stray copy) is never read, listed or served; an old
release without a statement therefore shows no data, and its exact record counts are never shown.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from cthub.release import reader
from cthub.release.reader import Release, ReleaseNotFound
from cthub.web.cube import TableCube
from cthub.web.declared import public_names
from cthub.web.protection import records_of


class ReleaseCatalog:
    """The releases a site serves, newest last in `versions`."""

    def __init__(self, home: Path, release_dir: Path | None = None) -> None:
        self.home = home
        self.release_dir = release_dir
        self._single = Release(release_dir) if release_dir is not None else None
        self._cubes: dict[tuple[str, str], TableCube] = {}
        self._releases: dict[str, Release] = {}
        self._published: tuple[int, list[str]] | None = None
        self._lock = threading.Lock()
        self._build_locks: dict[tuple[str, str], threading.Lock] = {}

    def _published_versions(self) -> list[str]:
        """published.json, re-read only when its mtime changes (a stat per request instead of a JSON parse)."""
        file = reader.releases_dir(self.home) / reader.PUBLISHED_FILE
        try:
            mtime = file.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        cached = self._published
        if cached is None or cached[0] != mtime:
            cached = (mtime, reader.published_versions(self.home))
            self._published = cached
        return cached[1]

    def _release(self, version: str) -> Release:
        rel = self._releases.get(version)
        if rel is None:
            rel = reader.get_release(self.home, version)  # release folders are immutable: keep the object
            self._releases[version] = rel
        return rel

    def versions(self) -> list[str]:
        """Served versions, oldest first."""
        if self._single is not None:
            return [self._single.version]
        out = []
        for v in self._published_versions():
            try:
                self._release(v)
            except ReleaseNotFound:
                continue
            out.append(v)
        return out

    def latest(self) -> Release | None:
        if self._single is not None:
            return self._single
        versions = self.versions()
        return self._release(versions[-1]) if versions else None

    def get(self, version: str) -> Release:
        """A served release by version (`latest` allowed); anything unpublished is ReleaseNotFound."""
        if version == "latest":
            rel = self.latest()
            if rel is None:
                raise ReleaseNotFound("nothing is published yet; run `cthub release` and publish it")
            return rel
        if self._single is not None:
            if version == self._single.version:
                return self._single
            raise ReleaseNotFound(f"this site serves only release {self._single.version}")
        if version not in self.versions():
            raise ReleaseNotFound(f"release {version!r} is not published; published: {', '.join(self.versions()) or 'none'}")
        return self._release(version)

    def cached_cube(self, version: str, table: str) -> TableCube | None:
        """The cube if it is already built (a cheap check the async API routes make before going to a thread)."""
        if version == "latest":
            rel = self.latest()
            if rel is None:
                return None
            version = rel.version
        elif version not in self.versions():
            return None
        return self._cubes.get((version, table))

    def cube(self, version: str, table: str) -> TableCube:
        """The cube of a published table; a name the release does not publish is ReleaseNotFound before anything
        else happens (no file is opened by that name and no lock is kept for it)."""
        rel = self.get(version)
        tables = self.tables(rel)
        if table not in tables:
            shown = table if len(table) <= 60 else table[:60] + "..."
            raise ReleaseNotFound(
                f"release {rel.version} publishes no aggregates for table {shown!r}; tables: {', '.join(tables) or 'none'}"
            )
        key = (rel.version, table)
        with self._lock:
            cube = self._cubes.get(key)
            if cube is not None:
                return cube
            build_lock = self._build_locks.setdefault(key, threading.Lock())
        # One builder per cube: concurrent first requests wait for it instead of each building the same cube.
        with build_lock:
            with self._lock:
                cube = self._cubes.get(key)
            if cube is None:
                cube = TableCube(rel, table)
                cube.synthetic_index()  # code the charted columns now, not inside the first request's event loop turn
                with self._lock:
                    self._cubes[key] = cube
                    self._build_locks.pop(key, None)  # built: later requests find the cube, not the lock
        return cube

    def tables(self, release: Release) -> list[str]:
        """Tables of a release whose aggregates are declared public (the ones the pages can chart)."""
        names = public_names(release)
        return [t for t in release.tables if release.data_name(t, "aggregates") in names]


PRIVACY_SUMMARY_KEYS = ("profile", "epsilon", "delta", "k", "threshold", "resolution", "effective_threshold", "unit")
SUMMARY_KEYS = ("countries", "years", "contributors")


def public_meta(release: Release) -> dict[str, Any]:
    """The declared public parts of release.json, in a stable shape.

    Only the fields the release format lists are passed on, so an exact count an old release carried
    (`tables.<t>.records` as an int, `summary.records`, gate details) never reaches a page or the API."""
    m = release.meta
    privacy = m.get("privacy") or {}
    summary = m.get("summary") or {}
    tables: dict[str, Any] = {}
    for t, info in (m.get("tables") or {}).items():
        info = info if isinstance(info, dict) else {}
        tables[t] = {"columns": info.get("columns") or {}, "files": info.get("files") or {},
                     "records": records_of(m, t)}
    return {
        "version": release.version,
        "created": m.get("created"),
        "hub": m.get("hub"),
        "cthub_version": m.get("cthub_version"),
        "standard_version": m.get("standard_version"),
        "profile": m.get("profile") or privacy.get("profile"),
        "privacy": {k: privacy.get(k) for k in PRIVACY_SUMMARY_KEYS if k in privacy},
        "summary": {k: summary.get(k) for k in SUMMARY_KEYS if k in summary},
        "tables": tables,
        "gates": {"passed": bool((m.get("gates") or {}).get("passed", False))},
        "parameters": m.get("parameters") or {},
    }
