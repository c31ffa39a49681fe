"""datapackage.json as Frictionless and CKAN users read it: licence, the release's version, what it holds, and each
file's bytes and hash, checked by frictionless itself and against an independent sha256 of the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from cthub.standard import Standard, load_standard
from cthub.standard.datapackage import file_integrity, render_datapackage


@pytest.fixture(scope="module")
def std() -> Standard:
    return load_standard()


def _write(tmp_path: Path) -> pd.DataFrame:
    df = pd.DataFrame({"gender": ["Female", "Male", ""], "ageBroad": ["0--8", "48+", "9--17"]})
    (tmp_path / "data").mkdir()
    df.to_csv(tmp_path / "data" / "victims_synthetic.csv", index=False)
    df.to_parquet(tmp_path / "data" / "victims_synthetic.parquet", index=False)
    return df


def _spec(std: Standard) -> list[dict]:
    from cthub.standard.datapackage import field_descriptor

    table = std.table("victims")
    schema = {"fields": [field_descriptor(table.variable(c)) for c in ("gender", "ageBroad")], "missingValues": [""]}
    return [{"path": f"data/victims_synthetic.{ext}", "table": "victims", "schema": schema,
             "name": f"victims_synthetic{'' if ext == 'csv' else '_parquet'}"} for ext in ("csv", "parquet")]


def test_release_fields_and_integrity(std: Standard, tmp_path: Path) -> None:
    _write(tmp_path)
    [path] = render_datapackage(
        std, tmp_path, _spec(std), title="hub: release 2026.12.01", version="2026.12.01",
        package_description="hub: release 2026.12.01. It holds Victims: DP synthetic microdata.",
        licenses=[{"name": "other-closed", "title": "hub terms of use"}], created="2026-12-01T00:00:00+00:00",
        extra={"cthub:terms_of_use": "Cite us.", "not-prefixed": "dropped"})
    pkg = json.loads(path.read_text())
    assert pkg["version"] == "2026.12.01" and pkg["cthub:standard_version"] == std.version
    assert pkg["licenses"] == [{"name": "other-closed", "title": "hub terms of use"}]
    assert pkg["description"].startswith("hub: release 2026.12.01") and pkg["created"].startswith("2026-12-01")
    assert pkg["cthub:terms_of_use"] == "Cite us." and "not-prefixed" not in pkg
    for r in pkg["resources"]:
        raw = (tmp_path / r["path"]).read_bytes()
        assert r["bytes"] == len(raw) and r["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    csv, parquet = pkg["resources"]
    assert parquet["format"] == "parquet" and parquet["mediatype"] == "application/vnd.apache.parquet"
    assert "encoding" not in parquet and csv["encoding"] == "utf-8"  # a binary file has no text encoding

    from frictionless import validate

    report = validate(path)
    assert [t.valid for t in report.tasks][0], report.flatten(["type", "note"])
    assert report.tasks[0].stats["sha256"] == csv["hash"].split(":", 1)[1]  # frictionless agrees on the digest
    assert report.tasks[1].stats["rows"] == 3  # the Parquet resource is read against its schema


def test_a_changed_file_fails_validation(std: Standard, tmp_path: Path) -> None:
    """The hash is a real check: a file altered after the descriptor was written is caught by frictionless."""
    _write(tmp_path)
    [path] = render_datapackage(std, tmp_path, _spec(std)[:1])
    target = tmp_path / "data" / "victims_synthetic.csv"
    target.write_text(target.read_text().replace("Male", "Female"), encoding="utf-8")
    from frictionless import validate

    kinds = {e.type for t in validate(path).tasks for e in t.errors}
    assert "hash-count" in kinds


def test_defaults_stay_the_standards(std: Standard, tmp_path: Path) -> None:
    """Without release fields (`cthub standard datapackage`), the package is the standard's, and a resource whose
    file is absent gets no bytes or hash (nothing to vouch for)."""
    [path] = render_datapackage(std, tmp_path)
    pkg = json.loads(path.read_text())
    assert pkg["version"] == std.version and pkg["description"] == std.description and "licenses" not in pkg
    assert all("hash" not in r and "bytes" not in r for r in pkg["resources"])


def test_file_integrity_matches_sha256sum(tmp_path: Path) -> None:
    f = tmp_path / "x.bin"
    f.write_bytes(b"\x00" * (3 << 20) + b"tail")  # larger than one read chunk
    assert file_integrity(f) == {"bytes": (3 << 20) + 4, "hash": "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()}
