"""What a release declares public: the files its privacy statement lists, and their guarantees.

Kept apart from `catalog` (which builds cubes) so the cube can ask what is declared without importing the catalog
that imports it. Of a release, the site reads only what `privacy.json` declares public: `public_files` lists those
files, `public_path` hands out their paths. A file in the folder with no declared guarantee (an old `metrics.json`,
a stray copy) is never read, listed or served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cthub.release import reader
from cthub.release.reader import Release, ReleaseNotFound


@dataclass
class PublicFile:
    """One declared public file of a release, with what protects it; its SHA-256 is computed on first use."""

    name: str  # relative posix path, e.g. "data/victims_synthetic.csv"
    path: Path
    size: int
    guarantee: dict[str, Any]
    kind: str
    table: str | None
    _sha256: str | None = field(default=None, repr=False)

    @property
    def sha256(self) -> str:
        """From the file itself, so the listing does not depend on SHA256SUMS being declared public."""
        if self._sha256 is None:
            self._sha256 = reader.sha256_file(self.path)
        return self._sha256


_FILES_ATTR = "_web_public_files"  # kept on the Release object: its folder is immutable, the object per app


def _resolve_public(release: Release, name: str) -> Path | None:
    p = (release.path / name).resolve()
    if p.is_file() and p.is_relative_to(release.path.resolve()):
        return p
    return None


def public_files(release: Release) -> list[PublicFile]:
    """The files `privacy.json` declares public and that exist, in the statement's order (listed once per release)."""
    hit = getattr(release, _FILES_ATTR, None)
    if hit is not None:
        return hit
    out: list[PublicFile] = []
    seen: set[str] = set()
    for o in release.privacy.get("outputs") or []:
        if not isinstance(o, dict) or not o.get("path") or not isinstance(o.get("guarantee"), dict):
            continue
        name = str(o["path"])
        if name in seen:
            continue
        path = _resolve_public(release, name)
        if path is None:
            continue
        seen.add(name)
        out.append(PublicFile(name=name, path=path, size=path.stat().st_size, guarantee=o["guarantee"],
                              kind=str(o.get("kind") or ""), table=o.get("table")))
    setattr(release, _FILES_ATTR, out)
    return out


def public_names(release: Release) -> set[str]:
    return {f.name for f in public_files(release)}


def public_path(release: Release, name: str) -> Path:
    """The path of a declared public file by its relative name; anything else is ReleaseNotFound."""
    name = name.replace("\\", "/").lstrip("/")
    for f in public_files(release):
        if f.name == name:
            return f.path
    raise ReleaseNotFound(f"release {release.version} has no public file {name!r}")


def aggregates_guarantee(release: Release, table: str) -> dict[str, Any] | None:
    """The declared guarantee of a table's aggregates (the Parquet copy the cube reads, else the CSV)."""
    for ext in ("parquet", "csv"):
        g = release.guarantee(release.data_name(table, "aggregates", ext))
        if g:
            return g
    return None
