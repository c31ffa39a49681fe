"""The releases index: which release folders exist and their status, for the admin area and the audit trail.

The public web never reads it (it reads `releases/published.json`, see docs/design-notes.md); the index mirrors the
folders so an admin can see drafts, failures and discards next to what is published.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cthub.store.connection import StoreBase
from cthub.store.errors import StoreError
from cthub.store.sql import now, rows

RELEASE_STATUSES = ("draft", "published", "failed", "discarded")


def _check_status(status: str) -> None:
    if status not in RELEASE_STATUSES:
        raise StoreError(f"release status {status!r} is not one of {', '.join(RELEASE_STATUSES)}")


class Releases(StoreBase):
    """Indexing release folders and changing their status."""

    def release_add(self, version: str, path: str | os.PathLike[str], status: str, summary: dict[str, Any]) -> None:
        """Index a release folder; a version already indexed is refused (versions are immutable)."""
        _check_status(status)
        when = now()
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM releases WHERE version = ?", [version]).fetchone():
                raise StoreError(f"release {version} is already indexed; a release version is never reused")
            con.execute(
                "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)",
                [version, str(path), status, when, when, json.dumps(summary, default=str)],
            )

    def release_set_status(self, version: str, status: str) -> None:
        _check_status(status)
        with self._transaction() as con:
            if not con.execute("SELECT 1 FROM releases WHERE version = ?", [version]).fetchone():
                raise StoreError(f"no release {version!r} in the index; `cthub releases` lists them")
            con.execute("UPDATE releases SET status = ?, updated = ? WHERE version = ?", [status, now(), version])

    def releases(self) -> list[dict[str, Any]]:
        """Indexed releases, oldest first, each a dict with version, path, status, created, updated, summary."""
        with self._connect() as con:
            found = rows(con.execute("SELECT * FROM releases ORDER BY created, version"))
        for r in found:
            r["summary"] = json.loads(r["summary"]) if r["summary"] else {}
        return found
