"""A release killed with SIGKILL while writing leaves what is published exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cthub.release import folder
from cthub.release.pipeline import release_lock
from cthub.release.reader import latest_published, list_releases
from cthub.store import Store
from tests.release.conftest import make_hub
from tests.release.test_reader import build_release


@pytest.mark.slow
def test_sigkill_mid_write_keeps_previous_release(tmp_path: Path) -> None:
    home = make_hub(tmp_path / "hub", n=150)  # small: the membership check is skipped below 200 records
    previous = build_release(home, "2026.01.01")
    folder.publish(home, "2026.01.01")
    published_before = (home / "releases" / "published.json").read_bytes()

    env = dict(os.environ, CTHUB_TEST_PAUSE_BEFORE_RENAME="120", CTHUB_HOME=str(home))
    code = "from cthub.release.pipeline import run_release; run_release(seed=1)"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    temp = None
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            temps = [p for p in (home / "releases").glob(".tmp-*") if (p / "release.json").is_file()]
            if temps:
                temp = temps[0]
                break
            time.sleep(0.1)
        assert temp is not None, f"the release never reached its writing stage: {proc.stderr.read().decode()[-2000:]}"
        # The folder is fully written except for the rename: kill it right there.
        assert (temp / "data" / "victims_synthetic.csv").is_file()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # What is published did not change, byte for byte, and the previous release is intact.
    assert (home / "releases" / "published.json").read_bytes() == published_before
    assert latest_published(home).version == "2026.01.01"
    assert [r.version for r in list_releases(home)] == ["2026.01.01"]
    from cthub.release.reader import Release

    assert Release(previous).verify() == []
    # No half release is visible, no budget was recorded, the lock died with the process.
    assert Store.open(home).ledger().empty
    with release_lock(home):
        pass
    assert folder.clean_stale_temps(home) == 1
    assert not temp.exists()


def test_interrupted_published_write_keeps_the_old_list(hub_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_release(hub_home, "2026.01.01")
    build_release(hub_home, "2026.01.02")
    folder.publish(hub_home, "2026.01.01")
    before = (hub_home / "releases" / "published.json").read_bytes()

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(folder.os, "replace", crash)
    with pytest.raises(OSError):
        folder.publish(hub_home, "2026.01.02")
    monkeypatch.undo()
    assert (hub_home / "releases" / "published.json").read_bytes() == before
    assert not list((hub_home / "releases").glob(".tmp-published-*"))


def test_one_release_at_a_time(tmp_path: Path) -> None:
    from cthub.release.pipeline import ReleaseError, run_release

    home = tmp_path / "hub"
    with release_lock(home):
        with pytest.raises(ReleaseError, match="another release is running"):
            run_release(home)
