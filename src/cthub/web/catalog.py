"""Which releases the public site serves, and their cubes.

The public web shows only published releases (`published.json`), or exactly one release folder when started with
`--release DIR` (to preview a draft locally or to build a static site of an archived release). Release folders are
immutable, so cubes are built once per (version, table) and kept.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from cthub.release import reader
from cthub.release.reader import Release, ReleaseNotFound
from cthub.web.cube import TableCube


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
        rel = self.get(version)
        key = (rel.version, table)
        with self._lock:
            cube = self._cubes.get(key)
            build_lock = None if cube is not None else self._build_locks.setdefault(key, threading.Lock())
        if cube is not None:
            return cube
        # One builder per cube: concurrent first requests wait for it instead of each building the same cube.
        with build_lock:
            with self._lock:
                cube = self._cubes.get(key)
            if cube is None:
                if table not in rel.tables and not rel.has(table, "aggregates"):
                    raise ReleaseNotFound(
                        f"release {rel.version} has no table {table!r}; tables: {', '.join(rel.tables) or 'none'}"
                    )
                cube = TableCube(rel, table)
                cube.synthetic_index()  # build the look-up now, not inside the first request's event loop turn
                with self._lock:
                    self._cubes[key] = cube
        return cube

    def tables(self, release: Release) -> list[str]:
        """Tables of a release that have published aggregates (the ones the pages can chart)."""
        return [t for t in release.tables if release.has(t, "aggregates")]


def public_meta(release: Release) -> dict[str, Any]:
    """The parts of release.json the public sees (everything in it is public by design, but keep a stable shape)."""
    m = release.meta
    return {
        "version": release.version,
        "created": m.get("created"),
        "hub": m.get("hub"),
        "cthub_version": m.get("cthub_version"),
        "standard_version": m.get("standard_version"),
        "privacy": m.get("privacy") or {},
        "summary": m.get("summary") or {},
        "tables": m.get("tables") or {},
        "gates": m.get("gates") or {},
        "parameters": m.get("parameters") or {},
    }
