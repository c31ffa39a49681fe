"""The accounts service (`cthub.web.accounts.users`) called directly, as the CLI and the admin area call it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cthub.config import load_config
from cthub.store import Store
from cthub.web.accounts import users
from cthub.web.accounts.passwords import verify_password
from cthub.web.accounts.sessions import token_hash
from tests.web.accounts.helpers import make_hub


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("CTHUB_ARGON2_PROFILE", "cheapest")
    return Store.open(make_hub(tmp_path / "hub"))


def test_check_account_refuses_before_any_password(tmp_path):
    find = load_config(make_hub(tmp_path / "hub")).contributor
    assert users.check_account("  dana ", "contributor", "ngo-a", find) == "dana"
    for args, says in [(("x", "owner", None), "not admin or contributor"),
                       (("x", "contributor", None), "needs an organization"),
                       (("x", "contributor", "nope"), "unknown contributor 'nope'"),
                       (("x", "admin", "ngo-a"), "not bound to an organization"),
                       (("   ", "admin", None), "1 to 200 characters"),
                       (("x" * 201, "admin", None), "1 to 200 characters")]:
        with pytest.raises(users.AccountError, match=says):
            users.check_account(*args, find)


def test_create_account_hashes_and_audits_without_the_password(store):
    users.create_account(store, "root", "dana", "dana-passphrase-1", "contributor", "ngo-a", "Dana")
    user = store.user_get("dana")
    assert user["role"] == "contributor" and user["contributor"] == "ngo-a"
    assert user["password_hash"].startswith("$argon2id$")
    assert verify_password(user["password_hash"], "dana-passphrase-1")
    entry = next(e for e in store.audit_log(10) if e["action"] == "user-add")
    assert entry["actor"] == "root" and entry["target"] == "dana" and "passphrase" not in str(entry)
    with pytest.raises(users.AccountError, match="at least 12"):
        users.create_account(store, "root", "eve", "short", "admin", None)
    assert store.user_get("eve") is None
    with pytest.raises(users.AccountError):  # the store refuses a second account of that name
        users.create_account(store, "root", "dana", "another-passphrase-2", "admin", None)


def test_disable_revokes_every_token_and_enable_lets_back_in(store):
    api = users.add_api_token(store, "root", "ana", days=5)
    store.token_add(token_hash("session-1"), "ana", purpose="session", expires=datetime.now(UTC) + timedelta(days=1))
    users.set_disabled(store, "root", "ana", True)
    assert store.user_get("ana")["disabled"]
    assert store.token_get(token_hash(api)) is None and store.token_get(token_hash("session-1")) is None
    users.set_disabled(store, "root", "ana", False)
    assert not store.user_get("ana")["disabled"]
    actions = [e["action"] for e in store.audit_log(10)]
    assert "user-disable" in actions and "user-enable" in actions


def test_reset_password_ends_sessions_and_keeps_api_tokens(store):
    api = users.add_api_token(store, "root", "ana", days=5)
    store.token_add(token_hash("session-1"), "ana", purpose="session", expires=datetime.now(UTC) + timedelta(days=1))
    users.reset_password(store, "root", "ana", "ana-new-passphrase-3")
    assert verify_password(store.user_get("ana")["password_hash"], "ana-new-passphrase-3")
    assert store.token_get(token_hash("session-1")) is None and store.token_get(token_hash(api)) is not None
    with pytest.raises(users.AccountError, match="no user 'nobody'"):
        users.reset_password(store, "root", "nobody", "whatever-passphrase-4")
    with pytest.raises(users.AccountError, match="at least 12"):
        users.reset_password(store, "root", "ana", "short")


def test_api_tokens_are_for_contributors_stored_as_hashes_and_revocable(store):
    with pytest.raises(users.AccountError, match="contributor accounts"):
        users.add_api_token(store, "root", "admin", days=5)
    token = users.add_api_token(store, "root", "bob", days=5)
    row = store.token_get(token_hash(token))
    assert token.startswith("cthub_") and row["purpose"] == "api" and row["username"] == "bob"
    entry = next(e for e in store.audit_log(10) if e["action"] == "token-add")
    assert token not in str(entry) and entry["detail"]["token"] == token_hash(token)[:12]
    users.revoke_api_tokens(store, "root", "bob")
    assert store.token_get(token_hash(token)) is None
