"""`cthub user add|list|disable|enable|reset-password` and `cthub token add|revoke`: accounts for the web portal.

Passwords are read from a prompt (or stdin with --password-stdin), never from a command-line argument that would
land in the shell history. API tokens are shown once and stored only as a hash. The work itself is done by
`cthub.web.accounts.users`, which the admin area calls too; this module only reads arguments and prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table

from cthub.cli_options import HOME, Handled, console, fail, friendly_errors

user_app = typer.Typer(help="Web accounts: admins and contributor users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripted uploads (Authorization: Bearer ...).", no_args_is_help=True)


@contextmanager
def _account_errors() -> Iterator[None]:
    from cthub.config import ConfigError
    from cthub.store import StoreError
    from cthub.web.accounts.users import AccountError

    with friendly_errors(Handled((AccountError, StoreError, ConfigError), 1)):
        yield


def _store(home: Path | None):  # noqa: ANN202 - a Store; imported late so `cthub --help` stays fast
    from cthub.config import require_hub
    from cthub.store import Store

    with _account_errors():
        return Store.open(require_hub(home))  # only `cthub init` creates a hub


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Repeat it", hide_input=True)
    if first != second:
        fail("the two passwords differ; nothing changed")
    return first


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name, e.g. ana@hotline.example"),
    role: str = typer.Option(..., "--role", help="admin or contributor"),
    contributor: str | None = typer.Option(None, "--contributor", help="Organization id from cthub.yaml "
                                              "(required for contributors)."),
    display_name: str | None = typer.Option(None, "--name", help="Name shown in the audit log."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    home: Path | None = HOME,
) -> None:
    """Create an account.

    Example: cthub user add ana --role contributor --contributor hotline
    """
    from cthub.config import load_config
    from cthub.web.accounts.users import check_account, create_account

    with _account_errors():
        username = check_account(username, role, contributor, lambda c: load_config(home).contributor(c))
    password = _read_password(password_stdin)
    with _account_errors():
        create_account(_store(home), "cli", username, password, role, contributor, display_name)
    console.print(f"added {role} [bold]{username.strip()}[/]" + (f" for {contributor}" if contributor else ""))


@user_app.command("list")
def list_users(home: Path | None = HOME) -> None:
    """List accounts (never their password hashes).

    Example: cthub user list
    """
    t = Table("user", "role", "organization", "disabled", "created", "last sign-in")
    for u in _store(home).users():
        t.add_row(u["username"], u["role"], u["contributor"] or "", "yes" if u["disabled"] else "no",
                  f"{u['created']:%Y-%m-%d %H:%M}", f"{u['last_login']:%Y-%m-%d %H:%M}" if u["last_login"] else "")
    console.print(t)


def _set_disabled(username: str, disabled: bool, home: Path | None) -> None:
    from cthub.web.accounts.users import set_disabled

    with _account_errors():
        set_disabled(_store(home), "cli", username, disabled)


@user_app.command("disable")
def disable(username: str = typer.Argument(...), home: Path | None = HOME) -> None:
    """Lock an account out at once (its sessions and API tokens are revoked).

    Example: cthub user disable ana
    """
    _set_disabled(username, True, home)
    console.print(f"disabled {username}; its sessions and API tokens are revoked")


@user_app.command("enable")
def enable(username: str = typer.Argument(...), home: Path | None = HOME) -> None:
    """Allow a disabled account to sign in again.

    Example: cthub user enable ana
    """
    _set_disabled(username, False, home)
    console.print(f"enabled {username}")


@user_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from stdin."),
    home: Path | None = HOME,
) -> None:
    """Set a new password; the user's open sessions end.

    Example: cthub user reset-password ana
    """
    from cthub.web.accounts import users

    store = _store(home)
    with _account_errors():
        users.require_user(store, username)  # before asking for a password
    password = _read_password(password_stdin)
    with _account_errors():
        users.reset_password(store, "cli", username, password)
    console.print(f"new password set for {username}; open sessions ended")


@token_app.command("add")
def token_add(
    username: str = typer.Argument(..., help="The contributor account the token acts as."),
    days: int = typer.Option(90, "--days", min=1, max=3650, help="Days until the token expires."),
    home: Path | None = HOME,
) -> None:
    """Create an API token for scripted uploads; it is printed once and stored only as a hash.

    Example: cthub token add ana --days 30   then
    curl -H "Authorization: Bearer TOKEN" -F file=@cases.csv https://hub.example/contribute/api/batches
    """
    from cthub.web.accounts.users import add_api_token

    with _account_errors():
        token = add_api_token(_store(home), "cli", username, days)
    console.print(f"API token for {username} (expires in {days} days; shown only now):")
    print(token)


@token_app.command("revoke")
def token_revoke(username: str = typer.Argument(...), home: Path | None = HOME) -> None:
    """Revoke every API token of a user.

    Example: cthub token revoke ana
    """
    from cthub.web.accounts.users import revoke_api_tokens

    revoke_api_tokens(_store(home), "cli", username)
    console.print(f"revoked the API tokens of {username}")


def register(app: typer.Typer) -> None:
    """Add `user` and `token` to the `cthub` app."""
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
