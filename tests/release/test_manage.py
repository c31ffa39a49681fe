from __future__ import annotations

from pathlib import Path

import pytest

from cthub.release.manage import PublishRefused, discard_release, publish_release
from cthub.release.reader import latest_published, list_releases, published_versions
from tests.release.test_reader import build_release


def test_publish_checks_gates_and_checksums(hub_home: Path) -> None:
    build_release(hub_home, "2026.11.20")
    build_release(hub_home, "2026.11.21", passed=False)
    tampered = build_release(hub_home, "2026.11.22")
    (tampered / "data" / "victims_synthetic.csv").write_text("gender\nsomething else\n")
    rel, note = publish_release(hub_home, "2026.11.20")
    assert rel.version == "2026.11.20" and note is not None  # not in the store's index: published, with a note
    with pytest.raises(PublishRefused, match="failed its gates"):
        publish_release(hub_home, "2026.11.21")
    with pytest.raises(PublishRefused, match="SHA256SUMS"):
        publish_release(hub_home, "2026.11.22")
    assert published_versions(hub_home) == ["2026.11.20"]
    dest, _ = discard_release(hub_home, "2026.11.20")
    assert dest.parent.name == "_discarded" and latest_published(hub_home) is None
    assert "2026.11.20" not in [r.version for r in list_releases(hub_home)]
