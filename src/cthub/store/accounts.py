"""The web's accounts: users (password hashes only) and tokens (stored by hash, never the token itself).

Kept in the store so a hub is one private file; the policy (who may log in, roles, expiry rules) lives in the web
and account services, which call these methods.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cthub.store.connection import StoreBase
from cthub.store.errors import StoreError
from cthub.store.sql import ident, now, one, rows

USER_FIELDS = ("password_hash", "role", "contributor", "disabled", "last_login", "display_name")


class Accounts(StoreBase):
    """Users and tokens."""

    def user_add(self, username: str, password_hash: str, role: str, contributor: str | None = None,
                 display_name: str | None = None) -> None:
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise StoreError(f"user {username!r} already exists; change it with `cthub user` instead")
            con.execute(
                "INSERT INTO users (username, password_hash, role, contributor, display_name, disabled, created) "
                "VALUES (?, ?, ?, ?, ?, FALSE, ?)",
                [username, password_hash, role, contributor, display_name, now()],
            )

    def user_get(self, username: str) -> dict[str, Any] | None:
        with self._connect() as con:
            found = rows(con.execute("SELECT * FROM users WHERE username = ?", [username]))
        return found[0] if found else None

    def users(self) -> list[dict[str, Any]]:
        with self._connect() as con:
            return rows(con.execute("SELECT * FROM users ORDER BY username"))

    def user_update(self, username: str, **fields: Any) -> None:
        """Change some of password_hash, role, contributor, disabled, last_login, display_name."""
        unknown = set(fields) - set(USER_FIELDS)
        if unknown:
            raise StoreError(f"cannot update user field(s) {', '.join(sorted(unknown))}; allowed: {', '.join(USER_FIELDS)}")
        if not fields:
            return
        sets = ", ".join(f"{ident(k)} = ?" for k in fields)
        with self._transaction() as con:
            if not con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise StoreError(f"no user {username!r}")
            con.execute(f"UPDATE users SET {sets} WHERE username = ?", [*fields.values(), username])

    def token_add(self, token_hash: str, username: str, purpose: str = "session",
                  expires: datetime | None = None) -> None:
        """Store a token by its hash only (the token itself is never stored)."""
        with self._connect(write=True) as con:
            con.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, FALSE)",
                [token_hash, username, purpose, now(), expires.replace(tzinfo=None) if expires else None],
            )

    def token_get(self, token_hash: str) -> dict[str, Any] | None:
        """The token's row if it exists, is not revoked and has not expired; else None."""
        with self._connect() as con:
            found = rows(con.execute(
                "SELECT * FROM tokens WHERE token_hash = ? AND NOT revoked AND (expires IS NULL OR expires > ?)",
                [token_hash, now()],
            ))
        return found[0] if found else None

    def token_revoke(self, token_hash: str) -> None:
        with self._connect(write=True) as con:
            con.execute("UPDATE tokens SET revoked = TRUE WHERE token_hash = ?", [token_hash])

    def tokens_revoke_user(self, username: str, purpose: str | None = None) -> int:
        """Revoke every live token of a user (of one purpose, e.g. "api" or "session", or all); returns how many."""
        where = "username = ? AND NOT revoked" + (" AND purpose = ?" if purpose else "")
        params = [username, purpose] if purpose else [username]
        with self._transaction() as con:
            n = int(one(con.execute(f"SELECT count(*) FROM tokens WHERE {where}", params)))
            con.execute(f"UPDATE tokens SET revoked = TRUE WHERE {where}", params)
        return n
