"""The audit log: who did what to which batch, user or release, append-only.

There is deliberately no method to change or delete an entry, and callers must never pass record values (the
details are counts, ids and names of things, which the admin area shows).
"""

from __future__ import annotations

import json
from typing import Any

from cthub.store.connection import StoreBase
from cthub.store.sql import now, one, rows


class Audit(StoreBase):
    """Appending to and reading the audit log."""

    def audit(self, actor: str | None, action: str, target: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log (there is no method to change or delete it). Never pass record values."""
        with self._transaction() as con:
            next_id = int(one(con.execute("SELECT coalesce(max(id), 0) + 1 FROM audit")))
            con.execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                [next_id, now(), actor, action, target, json.dumps(detail or {}, default=str)],
            )

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest `limit` audit entries, newest first."""
        with self._connect() as con:
            found = rows(con.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [int(limit)]))
        for r in found:
            r["detail"] = json.loads(r["detail"]) if r["detail"] else {}
        return found
