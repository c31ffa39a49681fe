"""Fixtures for the security regression tests (issue 14): a fresh small hub per test, so no test's lock-outs,
keys or settings leak into another's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

os.environ.setdefault("CTHUB_ARGON2_PROFILE", "cheapest")
# Uploads ingest in-process here (fast, patchable); tests/security/test_ingest_worker.py covers the worker.
os.environ.setdefault("CTHUB_INGEST_WORKER", "0")


@pytest.fixture()
def hub(tmp_path: Path) -> Path:
    from tests.web.accounts.helpers import make_hub

    return make_hub(tmp_path / "hub")


@pytest.fixture()
def app(hub: Path):
    from cthub.web.app import create_app

    return create_app(home=hub)


@pytest.fixture()
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
