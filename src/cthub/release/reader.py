"""Read release folders: the only way the web (and `cthub releases`/`diff`) looks at a release.

A release folder is immutable once renamed into place, so everything here is read-only and needs neither the
store nor a lock. Status comes from the folder itself: a version listed in `published.json` is `published`, one
whose gates failed is `failed`, anything else is a `draft`. Discarded releases are moved under
`releases/_discarded/` and are not listed unless asked for.

Files are named by their path relative to the release folder (`"data/victims_aggregates.csv"`); `path_of` only
hands out paths of files listed in `SHA256SUMS`, so a name from a URL can never reach outside the release.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from cthub.config import hub_home

RELEASES_DIR = "releases"
PUBLISHED_FILE = "published.json"
DISCARDED_DIR = "_discarded"
META_FILE = "release.json"
PRIVACY_FILE = "privacy.json"
EVALUATIONS_DIR = "evaluations"
SUMS_FILE = "SHA256SUMS"
VERSION_RE = re.compile(r"^\d{4}\.\d{2}\.\d{2}(\.\d+)?$")
KINDS = ("kanon", "synthetic", "aggregates")


class ReleaseNotFound(LookupError):
    """No release (or no such file in a release) by that name."""


def releases_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """`CTHUB_HOME/releases`."""
    return hub_home(home) / RELEASES_DIR


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for versions: "2026.11.22" < "2026.11.22.2" < "2026.11.22.10" < "2026.11.23"."""
    parts = [int(p) for p in version.split(".")]
    if len(parts) == 3:
        parts.append(1)  # the first release of a day has no suffix; the second is ".2"
    return tuple(parts)


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release as listed in SHA256SUMS."""

    name: str  # relative posix path, e.g. "data/victims_synthetic.parquet"
    path: Path
    size: int
    sha256: str


class Release:
    """A release folder. `meta` is `release.json`; data frames come from the Parquet copies (exact values)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not (self.path / META_FILE).is_file():
            raise ReleaseNotFound(f"{self.path} is not a release folder (it has no {META_FILE})")

    def __repr__(self) -> str:
        return f"Release({str(self.path)!r})"

    @cached_property
    def meta(self) -> dict[str, Any]:
        return json.loads((self.path / META_FILE).read_text(encoding="utf-8"))

    @property
    def version(self) -> str:
        return str(self.meta.get("version") or self.path.name)

    @property
    def created(self) -> str | None:
        return self.meta.get("created")

    @property
    def tables(self) -> list[str]:
        """Tables this release carries, in the order the pipeline wrote them."""
        return list((self.meta.get("tables") or {}).keys())

    @property
    def gates_passed(self) -> bool:
        return bool((self.meta.get("gates") or {}).get("passed", False))

    @property
    def discarded(self) -> bool:
        return self.path.parent.name == DISCARDED_DIR

    @property
    def status(self) -> str:
        """published | failed | draft | discarded, read from the folder and `published.json`."""
        if self.discarded:
            return "discarded"
        if self.version in published_versions(self.path.parent.parent):
            return "published"
        if not self.gates_passed:
            return "failed"
        return "draft"

    def summary(self) -> dict[str, Any]:
        """A one-line view for lists: version, status, created, epsilon, k, records per table."""
        privacy = self.meta.get("privacy") or {}
        tables = self.meta.get("tables") or {}
        return {
            "version": self.version,
            "status": self.status,
            "created": self.created,
            "epsilon": privacy.get("epsilon"),
            "delta": privacy.get("delta"),
            "k": privacy.get("k"),
            "gates_passed": self.gates_passed,
            "profile": self.meta.get("profile"),
            "records": {t: record_count(info) for t, info in tables.items()},
        }

    @cached_property
    def _sums(self) -> dict[str, str]:
        sums: dict[str, str] = {}
        file = self.path / SUMS_FILE
        if not file.is_file():
            return sums
        for line in file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            digest, _, name = line.partition("  ")
            sums[name.strip()] = digest.strip()
        return sums

    def files(self) -> list[ReleaseFile]:
        """Every file listed in SHA256SUMS, sorted by name (SHA256SUMS itself is not in the list)."""
        out = []
        for name, digest in sorted(self._sums.items()):
            p = self.path / name
            if p.is_file():
                out.append(ReleaseFile(name=name, path=p, size=p.stat().st_size, sha256=digest))
        return out

    def path_of(self, name: str) -> Path:
        """The path of a file of this release by relative name; only listed files (and SHA256SUMS) are served."""
        name = name.replace("\\", "/").lstrip("/")
        if name in (SUMS_FILE, META_FILE) or name in self._sums:
            p = (self.path / name).resolve()
            if p.is_file() and p.is_relative_to(self.path.resolve()):
                return p
        raise ReleaseNotFound(f"release {self.version} has no file {name!r}")

    def verify(self) -> list[str]:
        """Names of files whose SHA-256 differs from SHA256SUMS or that are missing; empty when intact."""
        bad = []
        if not self._sums:
            return [SUMS_FILE]
        for name, digest in sorted(self._sums.items()):
            p = self.path / name
            if not p.is_file() or sha256_file(p) != digest:
                bad.append(name)
        return bad

    def data_name(self, table: str, kind: str, ext: str = "parquet") -> str:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        return f"data/{table}_{kind}.{ext}"

    def has(self, table: str, kind: str) -> bool:
        return (self.path / self.data_name(table, kind)).is_file()

    def _frame(self, table: str, kind: str) -> pd.DataFrame:
        p = self.path / self.data_name(table, kind)
        if not p.is_file():
            have = ", ".join(self.tables) or "none"
            raise ReleaseNotFound(f"release {self.version} has no {kind} data for table {table!r} (tables: {have})")
        return pq.read_table(p).to_pandas()

    def aggregates(self, table: str) -> pd.DataFrame:
        """Protected aggregates: columns selections (str), length (int), count (int)."""
        df = self._frame(table, "aggregates")
        df["selections"] = df["selections"].astype("string")
        df["length"] = df["length"].astype("int64")
        df["count"] = df["count"].astype("int64")
        return df

    def synthetic(self, table: str) -> pd.DataFrame:
        """DP synthetic microdata, string cells with pd.NA for missing."""
        return self._frame(table, "synthetic").astype("string")

    def kanon(self, table: str) -> pd.DataFrame:
        """k-anonymized microdata, string cells ("*" where suppressed, pd.NA for missing)."""
        return self._frame(table, "kanon").astype("string")

    @cached_property
    def privacy(self) -> dict[str, Any]:
        """The release's privacy statement (`privacy.json`): what protects each public file; {} for old releases."""
        p = self.path / PRIVACY_FILE
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

    def public_files(self) -> list[str]:
        """Names of the files the privacy statement declares public (with a guarantee), plus the statement itself.

        An old release without a statement declares nothing, so nothing of it is public by this rule.
        """
        outputs = self.privacy.get("outputs") or []
        names = [str(o["path"]) for o in outputs if isinstance(o, dict) and o.get("path") and o.get("guarantee")]
        return sorted(set(names) | ({PRIVACY_FILE} if self.privacy else set()))

    def guarantee(self, name: str) -> dict[str, Any] | None:
        """The declared guarantee of one public file, or None when it has none (and so is not public)."""
        for o in self.privacy.get("outputs") or []:
            if isinstance(o, dict) and o.get("path") == name:
                return o.get("guarantee")
        return None

    def metrics(self) -> dict[str, Any]:
        """The INTERNAL evaluation's metrics (computed against raw records): for the CLI and the admin area only.

        They live in `CTHUB_HOME/evaluations/<version>/metrics.json`, outside the release folder (old releases kept
        a copy inside it). The public web never calls this.
        """
        home = self.path.parent.parent if self.path.parent.name != DISCARDED_DIR else self.path.parent.parent.parent
        for p in (home / EVALUATIONS_DIR / self.version / "metrics.json", self.path / "metrics.json"):
            if p.is_file():
                return json.loads(p.read_text(encoding="utf-8"))
        return {}


def record_count(table_meta: Any) -> int | None:
    """The published record count of a table entry of release.json: the declared estimate's value (a DP noisy
    count, or the k-anonymized file's rows); an old release's bare integer is read too."""
    rec = (table_meta or {}).get("records") if isinstance(table_meta, dict) else None
    if isinstance(rec, dict):
        v = rec.get("value")
        return int(v) if isinstance(v, (int, float)) else None
    return int(rec) if isinstance(rec, int) else None


def evaluation_dir(home: str | os.PathLike[str] | None, version: str) -> Path:
    """`CTHUB_HOME/evaluations/<version>`: the internal evaluation of a release, computed against the raw records.

    It lives outside `releases/` so no release folder, download or public route can ever reach it; only the admin
    area reads it.
    """
    if not VERSION_RE.match(version):
        raise ReleaseNotFound(f"not a release version: {version!r}")
    return hub_home(home) / EVALUATIONS_DIR / version


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def published_versions(home: str | os.PathLike[str] | None = None) -> list[str]:
    """Versions in `published.json`, oldest first; a missing or unreadable file means nothing is published."""
    file = releases_dir(home) / PUBLISHED_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    versions = data.get("published", []) if isinstance(data, dict) else []
    return [str(v) for v in versions if isinstance(v, str) and VERSION_RE.match(v)]


def list_releases(home: str | os.PathLike[str] | None = None, include_discarded: bool = False) -> list[Release]:
    """Complete release folders, newest first. Temporary folders of a release being written are never listed."""
    root = releases_dir(home)
    dirs = [root]
    if include_discarded:
        dirs.append(root / DISCARDED_DIR)
    found: list[Release] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for child in d.iterdir():
            if child.is_dir() and VERSION_RE.match(child.name) and (child / META_FILE).is_file():
                found.append(Release(child))
    found.sort(key=lambda r: (version_key(r.path.name), r.discarded), reverse=True)
    return found


def get_release(home: str | os.PathLike[str] | None, version: str) -> Release:
    """The release folder of `version` (not a discarded one); ReleaseNotFound if there is none."""
    if not VERSION_RE.match(version or ""):
        raise ReleaseNotFound(f"{version!r} is not a release version (expected YYYY.MM.DD or YYYY.MM.DD.N)")
    path = releases_dir(home) / version
    if not (path / META_FILE).is_file():
        raise ReleaseNotFound(f"no release {version} in {releases_dir(home)}; `cthub releases` lists them")
    return Release(path)


def latest_published(home: str | os.PathLike[str] | None = None) -> Release | None:
    """The newest published release whose folder exists, or None when nothing is published."""
    for version in reversed(published_versions(home)):
        try:
            return get_release(home, version)
        except ReleaseNotFound:
            continue
    return None
