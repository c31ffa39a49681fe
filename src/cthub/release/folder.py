"""Write release folders atomically and keep `published.json` consistent.

A release is built in a hidden temporary folder beside its final place (`releases/.tmp-<version>-<random>`) and
renamed into place with `os.replace` only when every file and `SHA256SUMS` are written and fsynced. A process killed
at any moment therefore leaves either no release or a complete one; a stale temporary folder is never listed by
the reader and is cleaned up by the next release. `published.json` is replaced the same way (temp file + fsync +
`os.replace`), so readers see the old list or the new one, never half a file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cthub.release.reader import (
    DISCARDED_DIR,
    PUBLISHED_FILE,
    SUMS_FILE,
    VERSION_RE,
    published_versions,
    releases_dir,
    sha256_file,
    version_key,
)
from cthub.tables.csv_safe import write_csv

TMP_PREFIX = ".tmp-"


def next_version(
    home: str | os.PathLike[str] | None, today: dt.date | None = None, taken: set[str] | None = None
) -> str:
    """`YYYY.MM.DD` for the first release of the day, then `YYYY.MM.DD.2`, `.3`, ... (discarded ones count too,
    and so do the versions in `taken`, e.g. those the store's index knows)."""
    today = today or dt.datetime.now(dt.UTC).date()
    base = today.strftime("%Y.%m.%d")
    root = releases_dir(home)
    taken = set(taken or ())
    for d in (root, root / DISCARDED_DIR):
        if d.is_dir():
            taken |= {c.name for c in d.iterdir() if VERSION_RE.match(c.name)}
    if base not in taken:
        return base
    n = 2
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


def write_table(df: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """`stem.csv` (formula-safe) and `stem.parquet` (exact values) for one table."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(df, folder / f"{stem}.csv")
    pq_path = folder / f"{stem}.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), pq_path)
    return [csv_path, pq_path]


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def write_checksums(folder: Path) -> Path:
    """`SHA256SUMS` in the `sha256sum` format (verifiable with `sha256sum -c SHA256SUMS`)."""
    lines = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != SUMS_FILE:
            lines.append(f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}")
    out = folder / SUMS_FILE
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def new_temp_folder(home: str | os.PathLike[str] | None, version: str) -> Path:
    root = releases_dir(home)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{version}-", dir=root))


def finalize(temp: Path, version: str) -> Path:
    """Checksum, fsync and rename the temporary folder into `releases/<version>`; refuses to overwrite."""
    final = temp.parent / version
    if final.exists():
        raise FileExistsError(f"release folder {final} already exists; releases are never overwritten")
    write_checksums(temp)
    os.chmod(temp, 0o755)  # mkdtemp makes it private; a release is meant to be read (by the web server too)
    _fsync_tree(temp)
    os.replace(temp, final)  # atomic on one filesystem; temp is a sibling of final
    _fsync_dir(final.parent)
    return final


def clean_stale_temps(home: str | os.PathLike[str] | None) -> int:
    """Remove temporary folders left by a release that crashed or was killed. Returns how many were removed."""
    root = releases_dir(home)
    if not root.is_dir():
        return 0
    n = 0
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith(TMP_PREFIX):
            shutil.rmtree(child, ignore_errors=True)
            n += 1
    return n


def write_published(home: str | os.PathLike[str] | None, versions: list[str]) -> Path:
    """Replace `published.json` atomically with `versions` (sorted oldest first, duplicates dropped)."""
    root = releases_dir(home)
    root.mkdir(parents=True, exist_ok=True)
    unique = sorted(set(versions), key=version_key)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}published-", suffix=".json", dir=root)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"published": unique}, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / PUBLISHED_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(root)
    return root / PUBLISHED_FILE


@contextmanager
def _published_lock(home: str | os.PathLike[str] | None) -> Iterator[None]:
    """Serialize read-modify-write of `published.json` (the CLI and the web server may both publish)."""
    root = releases_dir(home)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".published.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def publish(home: str | os.PathLike[str] | None, version: str) -> list[str]:
    """Add `version` to `published.json`; returns the new list."""
    with _published_lock(home):
        versions = published_versions(home)
        if version not in versions:
            versions.append(version)
        write_published(home, versions)
        return published_versions(home)


def unpublish(home: str | os.PathLike[str] | None, version: str) -> list[str]:
    with _published_lock(home):
        versions = [v for v in published_versions(home) if v != version]
        write_published(home, versions)
        return versions


def move_to_discarded(home: str | os.PathLike[str] | None, version: str) -> Path:
    """Take a release out of `published.json` and move its folder under `releases/_discarded/` (kept for audit)."""
    root = releases_dir(home)
    src = root / version
    if not src.is_dir():
        raise FileNotFoundError(f"no release folder {src}")
    unpublish(home, version)
    dest_dir = root / DISCARDED_DIR
    dest_dir.mkdir(exist_ok=True)
    dest = dest_dir / version
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(src, dest)
    return dest
