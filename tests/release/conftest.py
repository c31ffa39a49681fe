"""A small hub with victims records, shared by the release tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cthub.config import HubConfig, ReleaseConfig, SynthConfig, save_config

RECORDS = 500


def make_hub(home: Path, n: int = RECORDS, seed: int = 1, **release: object) -> Path:
    from cthub.sample.benchmark_table import make_benchmark_table
    from cthub.store import Store

    home.mkdir(parents=True, exist_ok=True)
    cfg = HubConfig(name="test hub", release=ReleaseConfig(synth=SynthConfig(epsilon=4.0), **release))
    save_config(cfg, home)
    Store.open(home).add_batch(contributor="ngo", sha256="a" * 64, tables={"victims": make_benchmark_table(n, seed)},
                               file_name="victims.csv")
    return home


@pytest.fixture
def small_hub(tmp_path: Path) -> Path:
    return make_hub(tmp_path / "hub")
