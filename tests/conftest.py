"""Fixtures every test package may use.

The real CTDC material lives in ../shared next to the repository (CI clones the repo with shared/ beside it). We
treat the Victim-Perpetrator file as sensitive: tests read it, never print its rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CTDC = SHARED / "data" / "ctdc"
HTCDS = SHARED / "reference" / "htcds"


def shared_file(path: Path) -> Path:
    """A file of ../shared, or a skip that says where it comes from. A bare clone has no ../shared, so its tests
    skip; CI (CI set), which clones shared/ beside the repository, must run them, so there a missing file fails."""
    if path.exists():
        return path
    message = (f"needs {path.name} from the shared reference material ({path.parent}): the CTDC data and HTCDS "
               "templates live in ../shared next to the repository (CI clones it there); put shared/ beside the "
               "clone to run this test")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def vp_csv() -> Path:
    """The CTDC Victim-Perpetrator synthetic dataset (21,195 rows)."""
    return shared_file(CTDC / "CTDC_VPsynthetic_condensed.csv")


@pytest.fixture
def hub_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty hub folder, set as CTHUB_HOME for the test."""
    home = tmp_path / "hub"
    home.mkdir()
    monkeypatch.setenv("CTHUB_HOME", str(home))
    return home
