"""The reader against a small release folder built with the folder writer (as the pipeline does)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cthub.release import folder
from cthub.release.reader import (
    Release,
    ReleaseNotFound,
    get_release,
    latest_published,
    list_releases,
    published_versions,
    version_key,
)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype("string")


def build_release(home: Path, version: str, passed: bool = True) -> Path:
    temp = folder.new_temp_folder(home, version)
    data = temp / "data"
    synth = _frame([{"gender": "Female", "ageBroad": "48+"}, {"gender": "=cmd", "ageBroad": None}])
    agg = pd.DataFrame({"selections": ["gender:Female", "gender:Male"], "length": [1, 1], "count": [20, 10]})
    folder.write_table(synth, data, "victims_synthetic")
    folder.write_table(synth, data, "victims_kanon")
    folder.write_table(agg, data, "victims_aggregates")
    meta = {
        "version": version,
        "created": "2026-11-22T02:00:00+00:00",
        "privacy": {"k": 11, "epsilon": 4.0, "delta": 1e-6},
        "tables": {"victims": {"records": 2}},
        "gates": {"passed": passed, "checks": []},
    }
    folder.write_json(temp / "release.json", meta)
    return folder.finalize(temp, version)


def test_reader_reads_a_built_folder(hub_home: Path) -> None:
    path = build_release(hub_home, "2026.11.22")
    rel = Release(path)
    assert rel.version == "2026.11.22"
    assert rel.tables == ["victims"]
    assert rel.status == "draft"
    names = [f.name for f in rel.files()]
    assert "release.json" in names and "data/victims_synthetic.parquet" in names
    assert "SHA256SUMS" not in names
    assert rel.verify() == []
    syn = rel.synthetic("victims")
    # Parquet keeps exact values; the CSV copy is formula-neutralized.
    assert syn["gender"].tolist() == ["Female", "=cmd"]
    assert syn["ageBroad"].isna().tolist() == [False, True]
    assert "'=cmd" in (path / "data" / "victims_synthetic.csv").read_text()
    agg = rel.aggregates("victims")
    assert agg["count"].dtype == "int64" and agg["count"].sum() == 30
    with pytest.raises(ReleaseNotFound):
        rel.aggregates("victim_perpetrator")


def test_path_of_only_serves_listed_files(hub_home: Path) -> None:
    rel = Release(build_release(hub_home, "2026.11.22"))
    assert rel.path_of("data/victims_aggregates.csv").is_file()
    assert rel.path_of("SHA256SUMS").is_file()
    for bad in ("../published.json", "/etc/passwd", "data/../../x", "nope.csv"):
        with pytest.raises(ReleaseNotFound):
            rel.path_of(bad)


def test_verify_detects_tampering(hub_home: Path) -> None:
    rel = Release(build_release(hub_home, "2026.11.22"))
    (rel.path / "data" / "victims_aggregates.csv").write_text("selections,length,count\n")
    assert rel.verify() == ["data/victims_aggregates.csv"]


def test_listing_status_and_latest(hub_home: Path) -> None:
    build_release(hub_home, "2026.11.21")
    build_release(hub_home, "2026.11.22")
    build_release(hub_home, "2026.11.22.2", passed=False)
    folder.new_temp_folder(hub_home, "2026.11.22.3")  # a release still being written: never listed
    assert [r.version for r in list_releases(hub_home)] == ["2026.11.22.2", "2026.11.22", "2026.11.21"]
    assert latest_published(hub_home) is None
    folder.publish(hub_home, "2026.11.22")
    folder.publish(hub_home, "2026.11.21")
    assert published_versions(hub_home) == ["2026.11.21", "2026.11.22"]
    assert json.loads((hub_home / "releases" / "published.json").read_text()) == {
        "published": ["2026.11.21", "2026.11.22"]
    }
    assert latest_published(hub_home).version == "2026.11.22"
    statuses = {r.version: r.status for r in list_releases(hub_home)}
    assert statuses == {"2026.11.22.2": "failed", "2026.11.22": "published", "2026.11.21": "published"}
    folder.move_to_discarded(hub_home, "2026.11.22")
    assert latest_published(hub_home).version == "2026.11.21"
    assert [r.version for r in list_releases(hub_home)] == ["2026.11.22.2", "2026.11.21"]
    assert [r.status for r in list_releases(hub_home, include_discarded=True) if r.version == "2026.11.22"] == [
        "discarded"
    ]
    with pytest.raises(ReleaseNotFound):
        get_release(hub_home, "2026.11.22")
    with pytest.raises(ReleaseNotFound):
        get_release(hub_home, "../etc")
    assert folder.next_version(hub_home, __import__("datetime").date(2026, 11, 22)) == "2026.11.22.3"
    assert folder.clean_stale_temps(hub_home) == 1


def test_version_order() -> None:
    vs = ["2026.11.22.10", "2026.11.23", "2026.11.22", "2026.11.22.2"]
    assert sorted(vs, key=version_key) == ["2026.11.22", "2026.11.22.2", "2026.11.22.10", "2026.11.23"]


def test_missing_published_file_means_nothing_published(hub_home: Path) -> None:
    assert published_versions(hub_home) == []
    assert list_releases(hub_home) == []


def test_concurrent_publishes_lose_nothing(hub_home: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    versions = [f"2026.11.{d:02d}" for d in range(1, 21)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda v: folder.publish(hub_home, v), versions))
    assert published_versions(hub_home) == versions
