"""`cthub user ...` and `cthub token ...`: accounts from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from cthub.cli import app
from tests.web.accounts.helpers import make_hub

runner = CliRunner()


def _run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_user_lifecycle(tmp_path, monkeypatch):
    monkeypatch.setenv("CTHUB_ARGON2_PROFILE", "cheapest")
    home = make_hub(tmp_path / "hub")
    h = ["--home", str(home)]
    r = _run("user", "add", "dana", "--role", "contributor", "--contributor", "ngo-b", "--password-stdin", *h,
             stdin="dana-passphrase-1\n")
    assert r.exit_code == 0, r.output
    r = _run("user", "add", "eve", "--role", "contributor", "--password-stdin", *h, stdin="eve-passphrase-12\n")
    assert r.exit_code == 1 and "--contributor" in r.output
    r = _run("user", "add", "eve", "--role", "contributor", "--contributor", "nope", "--password-stdin", *h,
             stdin="eve-passphrase-12\n")
    assert r.exit_code == 1 and "unknown contributor" in r.output
    r = _run("user", "add", "eve", "--role", "admin", "--password-stdin", *h, stdin="short\n")
    assert r.exit_code == 1 and "at least 12" in r.output
    r = _run("user", "list", *h)
    assert r.exit_code == 0 and "dana" in r.output and "argon2" not in r.output

    from cthub.store import Store
    from cthub.web.accounts.passwords import verify_password
    from cthub.web.accounts.sessions import token_hash

    store = Store.open(home)
    assert verify_password(store.user_get("dana")["password_hash"], "dana-passphrase-1")
    r = _run("token", "add", "dana", "--days", "5", *h)
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("cthub_") and store.token_get(token_hash(token))["purpose"] == "api"
    assert _run("token", "add", "admin", *h).exit_code == 1  # tokens are for contributor uploads

    r = _run("user", "reset-password", "dana", "--password-stdin", *h, stdin="dana-new-passphrase\n")
    assert r.exit_code == 0
    assert verify_password(store.user_get("dana")["password_hash"], "dana-new-passphrase")
    assert store.token_get(token_hash(token)) is not None  # API tokens survive a new password
    assert _run("user", "disable", "dana", *h).exit_code == 0
    assert store.user_get("dana")["disabled"] and store.token_get(token_hash(token)) is None
    actions = [e["action"] for e in store.audit_log(50)]
    for a in ("user-add", "token-add", "user-reset-password", "user-disable"):
        assert a in actions
    assert all("passphrase" not in str(e["detail"]) for e in store.audit_log(50))


def test_help_has_examples():
    for cmd in (["user", "add"], ["user", "disable"], ["token", "add"]):
        r = _run(*cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.output
