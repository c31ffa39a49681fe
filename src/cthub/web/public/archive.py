"""The whole release as one zip, streamed from its declared public files.

The zip is post-processing of files the release already publishes: it holds exactly the files `privacy.json`
declares public (the list `cthub.web.declared.public_files` gives the downloads page), byte for byte, and nothing
else, so it needs no guarantee of its own beyond theirs. It is streamed (nothing is written to the hub folder) and
deterministic (entry order and timestamps come from the release), so the same release always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from cthub.release.reader import Release
from cthub.web.declared import PublicFile, public_files

CHUNK = 1 << 20
ZIP64_FROM = 1 << 31


class _Sink:
    """A write-only, unseekable buffer: zipfile then writes data descriptors and we hand out bytes as they come."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _stamp(release: Release) -> tuple[int, int, int, int, int, int]:
    try:
        when = dt.datetime.fromisoformat(str(release.meta.get("created") or ""))
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


def archive_name(release: Release) -> str:
    return f"cthub-release-{release.version}.zip"


def archive_guarantee(release: Release) -> dict[str, Any]:
    """What protects the zip: it is the declared public files themselves (post-processing of them)."""
    return {"type": "post-processing", "of": [f.name for f in public_files(release)],
            "note": "the release's declared public files, unchanged, in one zip"}


def stream_zip(files: Iterable[PublicFile], folder: str,
               when: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)) -> Iterator[bytes]:
    """The zip of `files` under `folder/`, in chunks of about a megabyte."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            info = zipfile.ZipInfo(f"{folder}/{f.name}", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(f.path, "rb") as src, zf.open(info, "w", force_zip64=f.size >= ZIP64_FROM) as dst:
                for chunk in iter(lambda: src.read(CHUNK), b""):
                    dst.write(chunk)
                    data = sink.take()
                    if data:
                        yield data
            data = sink.take()
            if data:
                yield data
    yield sink.take()


def release_zip(release: Release) -> Iterator[bytes]:
    """The zip of every declared public file of `release`."""
    return stream_zip(public_files(release), archive_name(release).removesuffix(".zip"), _stamp(release))
