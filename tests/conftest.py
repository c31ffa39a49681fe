"""Fixtures every test package may use.

The real CTDC material lives in ../shared next to the repository (CI clones the repo with shared/ beside it). We
treat the Victim-Perpetrator file as sensitive: tests read it, never print its rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CTDC = SHARED / "data" / "ctdc"
HTCDS = SHARED / "reference" / "htcds"


@pytest.fixture(scope="session")
def vp_csv() -> Path:
    """The CTDC Victim-Perpetrator synthetic dataset (21,195 rows)."""
    path = CTDC / "CTDC_VPsynthetic_condensed.csv"
    if not path.exists():
        pytest.fail(f"the shared CTDC data is missing: {path} (clone the repo next to shared/)")
    return path


@pytest.fixture
def hub_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty hub folder, set as CTHUB_HOME for the test."""
    home = tmp_path / "hub"
    home.mkdir()
    monkeypatch.setenv("CTHUB_HOME", str(home))
    return home
