"""Publish and discard releases: the checks both the CLI and the web admin area must make.

A release is published only if it passed its gates and its files still match SHA256SUMS. Discarding takes a
release out of `published.json` and moves its folder under `releases/_discarded/`; its privacy spend stays in the
ledger (the noise was drawn, whatever happens to the files). The store's index follows the folder; a folder the
store does not know (copied in from elsewhere) is still managed, with a note.
"""

from __future__ import annotations

import os
from pathlib import Path

from cthub.release import folder
from cthub.release.reader import Release, get_release


class PublishRefused(Exception):
    """The release may not be published; the message says why and what to do."""


def _index(home: str | os.PathLike[str] | None, version: str, status: str) -> str | None:
    from cthub.store import Store, StoreError

    try:
        Store.open(home).release_set_status(version, status)
    except StoreError as exc:
        return str(exc)
    return None


def publish_release(home: str | os.PathLike[str] | None, version: str) -> tuple[Release, str | None]:
    """Add a release to `published.json`. Returns the release and a note (None when the store index agreed)."""
    rel = get_release(home, version)
    if not rel.gates_passed:
        raise PublishRefused(f"release {version} failed its gates; a failed release is never published. Fix the "
                             "configuration and run `cthub release` again.")
    bad = rel.verify()
    if bad:
        raise PublishRefused(f"files of release {version} do not match its SHA256SUMS: {', '.join(bad)}. "
                             "Do not publish it; make a new release.")
    folder.publish(home, version)
    return rel, _index(home, version, "published")


def discard_release(home: str | os.PathLike[str] | None, version: str) -> tuple[Path, str | None]:
    """Unpublish a release and move it under `releases/_discarded/`. Returns the new path and a note."""
    get_release(home, version)
    dest = folder.move_to_discarded(home, version)
    return dest, _index(home, version, "discarded")
