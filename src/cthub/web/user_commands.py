"""`cthub user add|list|disable|enable|reset-password` and `cthub token add|revoke`: accounts for the web portal.

Passwords are read from a prompt (or stdin with --password-stdin), never from a command-line argument that would
land in the shell history. API tokens are shown once and stored only as a hash.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

user_app = typer.Typer(help="Web accounts: admins and contributor users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripted uploads (Authorization: Bearer ...).", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
HOME = typer.Option(None, "--home", help="Hub folder (default: $CTHUB_HOME or ./cthub-data).")


def _fail(message: str) -> None:
    err.print(f"[red]error:[/] {message}")
    raise typer.Exit(1)


def _store(home: Optional[Path]):
    from cthub.config import ConfigError, require_hub
    from cthub.store import Store, StoreError

    try:
        return Store.open(require_hub(home))  # only `cthub init` creates a hub
    except (StoreError, ConfigError) as exc:
        _fail(str(exc))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Repeat it", hide_input=True)
    if first != second:
        _fail("the two passwords differ; nothing changed")
    return first


def _hash(password: str) -> str:
    from cthub.web.accounts.passwords import WeakPassword, hash_password

    try:
        return hash_password(password)
    except WeakPassword as exc:
        _fail(str(exc))
    raise AssertionError  # unreachable


class AccountError(ValueError):
    """An account that cannot be created as asked; the message says what to change."""


def check_account(username: str, role: str, contributor: Optional[str],
                  find_contributor: Callable[[str], object]) -> str:
    """Refuse a bad account before asking for its password; shared by the CLI and the admin web form.
    `find_contributor` raises ConfigError for an unknown organization id. Returns the trimmed username."""
    from cthub.config import ConfigError

    if role not in ("admin", "contributor"):
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


def create_account(store, actor: str, username: str, password: str, role: str, contributor: Optional[str],
                   display_name: Optional[str] = None) -> None:
    """Hash the password (argon2id), add the user and audit it (role and organization only, never the password).
    Call check_account first."""
    from cthub.store import StoreError
    from cthub.web.accounts.passwords import WeakPassword, hash_password

    try:
        pw_hash = hash_password(password)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from None
    try:
        store.user_add(username, pw_hash, role, contributor, display_name)
    except StoreError as exc:
        raise AccountError(str(exc)) from None
    store.audit(actor, "user-add", username, {"role": role, "contributor": contributor})


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name, e.g. ana@hotline.example"),
    role: str = typer.Option(..., "--role", help="admin or contributor"),
    contributor: Optional[str] = typer.Option(None, "--contributor", help="Organization id from cthub.yaml "
                                              "(required for contributors)."),
    display_name: Optional[str] = typer.Option(None, "--name", help="Name shown in the audit log."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    home: Optional[Path] = HOME,
) -> None:
    """Create an account.

    Example: cthub user add ana --role contributor --contributor hotline
    """
    from cthub.config import load_config

    try:
        username = check_account(username, role, contributor, lambda c: load_config(home).contributor(c))
    except AccountError as exc:
        _fail(str(exc))
    password = _read_password(password_stdin)
    try:
        create_account(_store(home), "cli", username, password, role, contributor, display_name)
    except AccountError as exc:
        _fail(str(exc))
    console.print(f"added {role} [bold]{username.strip()}[/]" + (f" for {contributor}" if contributor else ""))


@user_app.command("list")
def list_users(home: Optional[Path] = HOME) -> None:
    """List accounts (never their password hashes).

    Example: cthub user list
    """
    t = Table("user", "role", "organization", "disabled", "created", "last sign-in")
    for u in _store(home).users():
        t.add_row(u["username"], u["role"], u["contributor"] or "", "yes" if u["disabled"] else "no",
                  f"{u['created']:%Y-%m-%d %H:%M}", f"{u['last_login']:%Y-%m-%d %H:%M}" if u["last_login"] else "")
    console.print(t)


def set_disabled(store, actor: str, username: str, disabled: bool) -> None:
    """Lock an account out (revoking its sessions and API tokens) or let it back in; shared with the admin web."""
    from cthub.store import StoreError

    try:
        store.user_update(username, disabled=disabled)
    except StoreError as exc:
        raise AccountError(str(exc)) from None
    if disabled:
        store.tokens_revoke_user(username)
    store.audit(actor, "user-disable" if disabled else "user-enable", username, {})


def _set_disabled(username: str, disabled: bool, home: Optional[Path]) -> None:
    try:
        set_disabled(_store(home), "cli", username, disabled)
    except AccountError as exc:
        _fail(str(exc))


@user_app.command("disable")
def disable(username: str = typer.Argument(...), home: Optional[Path] = HOME) -> None:
    """Lock an account out at once (its sessions and API tokens are revoked).

    Example: cthub user disable ana
    """
    _set_disabled(username, True, home)
    console.print(f"disabled {username}; its sessions and API tokens are revoked")


@user_app.command("enable")
def enable(username: str = typer.Argument(...), home: Optional[Path] = HOME) -> None:
    """Allow a disabled account to sign in again.

    Example: cthub user enable ana
    """
    _set_disabled(username, False, home)
    console.print(f"enabled {username}")


@user_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from stdin."),
    home: Optional[Path] = HOME,
) -> None:
    """Set a new password; the user's open sessions end.

    Example: cthub user reset-password ana
    """
    store = _store(home)
    if store.user_get(username) is None:
        _fail(f"no user {username!r}; `cthub user list` shows them")
    store.user_update(username, password_hash=_hash(_read_password(password_stdin)))
    store.tokens_revoke_user(username, purpose="session")
    store.audit("cli", "user-reset-password", username, {})
    console.print(f"new password set for {username}; open sessions ended")


@token_app.command("add")
def token_add(
    username: str = typer.Argument(..., help="The contributor account the token acts as."),
    days: int = typer.Option(90, "--days", min=1, max=3650, help="Days until the token expires."),
    home: Optional[Path] = HOME,
) -> None:
    """Create an API token for scripted uploads; it is printed once and stored only as a hash.

    Example: cthub token add ana --days 30   then
    curl -H "Authorization: Bearer TOKEN" -F file=@cases.csv https://hub.example/contribute/api/batches
    """
    from cthub.web.accounts.sessions import API_PREFIX, new_token, token_hash

    store = _store(home)
    user = store.user_get(username)
    if user is None:
        _fail(f"no user {username!r}; `cthub user list` shows them")
    if user["role"] != "contributor":
        _fail("API tokens are for contributor accounts (uploads); admins use the web pages")
    token = new_token(API_PREFIX)
    store.token_add(token_hash(token), username, purpose="api", expires=datetime.now(UTC) + timedelta(days=days))
    store.audit("cli", "token-add", username, {"days": days, "token": token_hash(token)[:12]})
    console.print(f"API token for {username} (expires in {days} days; shown only now):")
    print(token)


@token_app.command("revoke")
def token_revoke(username: str = typer.Argument(...), home: Optional[Path] = HOME) -> None:
    """Revoke every API token of a user.

    Example: cthub token revoke ana
    """
    store = _store(home)
    store.tokens_revoke_user(username, purpose="api")
    store.audit("cli", "token-revoke", username, {})
    console.print(f"revoked the API tokens of {username}")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
