"""Fixtures: a hub with accounts and one published release, the app over it, and signed-in clients."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.accounts.helpers import login, make_hub
from tests.web.release_fixture import write_release

# Cheap argon2 parameters for the suite's own hashes (the production default costs ~1 s per login on 2 busy cores).
os.environ.setdefault("CTHUB_ARGON2_PROFILE", "cheapest")
# Uploads ingest in-process here (fast, patchable); tests/security/test_ingest_worker.py covers the worker.
os.environ.setdefault("CTHUB_INGEST_WORKER", "0")


@pytest.fixture(scope="session")
def acc_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = make_hub(tmp_path_factory.mktemp("acchub"))
    write_release(home, n=1500)
    return home


@pytest.fixture(scope="session")
def acc_app(acc_home: Path):
    from cthub.web.app import create_app

    return create_app(home=acc_home)


@pytest.fixture(scope="session")
def clients(acc_app):
    """One TestClient per role, signed in once: anonymous, ana (ngo-a), bob (ngo-b), admin."""
    out = {}
    for role in ("anonymous", "ana", "bob", "admin"):
        c = TestClient(acc_app, raise_server_exceptions=False)
        if role != "anonymous":
            login(c, role)
        out[role] = c
    yield out
    for c in out.values():
        c.close()
