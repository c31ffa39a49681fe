"""Web accounts as plain functions over a `Store`: the `cthub user`/`cthub token` commands and the admin area both
call these, so both refuse the same things, hash the same way and write the same audit entries.

It lives with the web accounts (not in a top-level package) because the accounts exist only for the web portal and
need its password hashing and token format (`passwords`, `sessions`); the CLI sits above `web` and may use it.
Audit entries carry roles, organizations and counts, never a password or a token (only a token hash prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cthub.store import Store


class AccountError(ValueError):
    """An account change that cannot be made as asked; the message says what to change."""


ROLES = ("admin", "contributor")


def check_account(username: str, role: str, contributor: str | None,
                  find_contributor: Callable[[str], object]) -> str:
    """Refuse a bad account before asking for its password. `find_contributor` raises ConfigError for an unknown
    organization id (the CLI reads cthub.yaml, the web its loaded config). Returns the trimmed username."""
    from cthub.config import ConfigError

    if role not in ROLES:
        raise AccountError(f"role {role!r} is not admin or contributor")
    if role == "contributor":
        if not contributor:
            raise AccountError("a contributor account needs an organization (--contributor ORG, an id from cthub.yaml)")
        try:
            find_contributor(contributor)
        except ConfigError as exc:
            raise AccountError(str(exc)) from None
    elif contributor:
        raise AccountError("an admin is not bound to an organization; leave the organization out (drop --contributor)")
    if not username.strip() or len(username) > 200:
        raise AccountError("the username must be 1 to 200 characters")
    return username.strip()


def hash_new_password(password: str) -> str:
    """The argon2id hash of a new password; AccountError says why a weak one is refused."""
    from cthub.web.accounts.passwords import WeakPassword, hash_password

    try:
        return hash_password(password)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from None


def create_account(store: Store, actor: str, username: str, password: str, role: str, contributor: str | None,
                   display_name: str | None = None) -> None:
    """Hash the password, add the user and audit it (role and organization only). Call check_account first."""
    from cthub.store import StoreError

    pw_hash = hash_new_password(password)
    try:
        store.user_add(username, pw_hash, role, contributor, display_name)
    except StoreError as exc:
        raise AccountError(str(exc)) from None
    store.audit(actor, "user-add", username, {"role": role, "contributor": contributor})


def require_user(store: Store, username: str) -> dict[str, Any]:
    """The account, or AccountError naming how to list them."""
    user = store.user_get(username)
    if user is None:
        raise AccountError(f"no user {username!r}; `cthub user list` shows them")
    return user


def set_disabled(store: Store, actor: str, username: str, disabled: bool) -> None:
    """Lock an account out (revoking its sessions and API tokens at once) or let it back in."""
    from cthub.store import StoreError

    try:
        store.user_update(username, disabled=disabled)
    except StoreError as exc:
        raise AccountError(str(exc)) from None
    if disabled:
        store.tokens_revoke_user(username)
    store.audit(actor, "user-disable" if disabled else "user-enable", username, {})


def reset_password(store: Store, actor: str, username: str, password: str) -> None:
    """Set a new password and end the user's open sessions (API tokens survive: scripts keep working)."""
    require_user(store, username)
    store.user_update(username, password_hash=hash_new_password(password))
    store.tokens_revoke_user(username, purpose="session")
    store.audit(actor, "user-reset-password", username, {})


def add_api_token(store: Store, actor: str, username: str, days: int) -> str:
    """A new API token for a contributor account's scripted uploads, valid `days` days. Returned once: only its
    hash is stored, and the audit entry keeps a 12-character prefix of the hash to tell tokens apart."""
    from cthub.web.accounts.sessions import API_PREFIX, new_token, token_hash

    user = require_user(store, username)
    if user["role"] != "contributor":
        raise AccountError("API tokens are for contributor accounts (uploads); admins use the web pages")
    token = new_token(API_PREFIX)
    store.token_add(token_hash(token), username, purpose="api", expires=datetime.now(UTC) + timedelta(days=days))
    store.audit(actor, "token-add", username, {"days": days, "token": token_hash(token)[:12]})
    return token


def revoke_api_tokens(store: Store, actor: str, username: str) -> None:
    """Revoke every API token of a user (its browser sessions are left alone)."""
    store.tokens_revoke_user(username, purpose="api")
    store.audit(actor, "token-revoke", username, {})
