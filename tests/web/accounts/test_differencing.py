"""A differencing attack through the public API.

The attacker knows everything about one person (a planted record whose citizenship no one else has) and issues
thousands of overlapping aggregate queries, trying to isolate that record by subtraction. Every answer must be a
lookup in the published aggregates file (so the API shows nothing the file did not), no protected count between 1
and K-1 may ever appear, and every answer touching the rare value must look the same whether or not the person is
in the data at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cthub.aggregates import threshold_aggregates
from cthub.release.folder import write_checksums, write_json, write_published, write_table
from cthub.sample.benchmark_table import make_benchmark_table
from tests.web.release_fixture import COLUMNS

K = 11
VERSION = "2026.10.01"
RARE = ("citizenship", "IS")


def _release(home: Path, df: pd.DataFrame) -> pd.DataFrame:
    agg = threshold_aggregates(df, 3, threshold=K, resolution=10)
    folder = home / "releases" / VERSION
    write_table(make_benchmark_table(n=len(df), seed=77)[COLUMNS], folder / "data", "victims_synthetic")
    write_table(agg, folder / "data", "victims_aggregates")
    write_json(folder / "release.json", {
        "version": VERSION, "created": dt.datetime(2026, 10, 1, tzinfo=dt.UTC).isoformat(), "hub": "attack test",
        "cthub_version": "0", "standard_version": "1.0.0", "parameters": {"aggregates": {"length": 3}},
        "privacy": {"k": K, "threshold": K, "resolution": 10, "methods": {"aggregates": "threshold"}},
        "tables": {"victims": {"records": {"value": int(len(df)), "guarantee": "k-anonymity"}}}, "summary": {},
        "gates": {"passed": True},
    })
    rule = {"type": "threshold", "threshold": K, "resolution": 10, "effective_threshold": 20}
    synth = {"type": "dp", "mechanism": "mst", "epsilon": 4.0, "delta": 1e-6, "unit": "person"}
    write_json(folder / "privacy.json", {"profile": "classic", "unit": {"kind": "person", "statement": "one person"},
                                         "outputs": [
        {"path": f"data/victims_{kind}.{ext}", "table": "victims", "kind": kind, "guarantee": g}
        for kind, g in (("aggregates", rule), ("synthetic", synth)) for ext in ("csv", "parquet")]})
    write_checksums(folder)
    write_published(home, [VERSION])
    return agg


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """The same hub with and without the planted person; the attacker's target record."""
    base = make_benchmark_table(n=1500, seed=3)[COLUMNS].reset_index(drop=True)
    assert (base[RARE[0]] == RARE[1]).sum() == 0
    target = base.iloc[[0]].copy()
    target[RARE[0]] = RARE[1]
    with_target = pd.concat([base, target], ignore_index=True).astype("string")
    out = {}
    for name, df in (("with", with_target), ("without", base.astype("string"))):
        home = tmp_path_factory.mktemp(f"attack-{name}")
        agg = _release(home, df)
        from cthub.web.app import create_app

        client = TestClient(create_app(home=home))
        out[name] = {"client": client, "published": dict(zip(agg["selections"], agg["count"].astype(int)))}
    record = {c: v for c, v in target.iloc[0].items() if pd.notna(v)}
    yield out, record
    for w in out.values():
        w["client"].close()


def _counts(obj: Any) -> list[int]:
    """Every protected count anywhere in a JSON answer."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("count", "protected_count") and isinstance(v, (int, float)) and not isinstance(v, bool):
                found.append(int(v))
            else:
                found += _counts(v)
    elif isinstance(obj, list):
        for v in obj:
            found += _counts(v)
    return found


def _queries(record: dict[str, str]) -> list[str]:
    items = list(record.items())
    qs = []
    for n in (1, 2, 3):
        for combo in itertools.combinations(items, n):
            qs.append(";".join(f"{a}:{v}" for a, v in combo))
    # differencing: every pair of the target's other attributes, split by each of many citizenships
    others = [it for it in items if it[0] != RARE[0]]
    for a, b in itertools.combinations(others, 2):
        for country in ("PH", "UA", "VN", "ID", "US", "MX", "BR", "TH", "RO", RARE[1]):
            qs.append(f"{a[0]}:{a[1]};{b[0]}:{b[1]};{RARE[0]}:{country}")
    return qs


@pytest.mark.slow
def test_differencing_attack_learns_nothing(worlds):
    out, record = worlds
    queries = _queries(record)
    assert len(queries) >= 1000
    rare = [q for q in queries if f"{RARE[0]}:{RARE[1]}" in q]
    answers: dict[str, dict[str, dict[str, Any]]] = {"with": {}, "without": {}}
    for name, w in out.items():
        c = w["client"]
        for q in (queries if name == "with" else rare):  # the counterfactual world only for the rare value
            r = c.get(f"/api/releases/{VERSION}/tables/victims/aggregates", params={"selections": q})
            assert r.status_code == 200, (r.status_code, r.text[:200])
            body = r.json()
            answers[name][q] = body
            assert all(v == 0 or v >= K for v in _counts(body)), q
            # the answer is exactly the published file's entry (or suppressed when the file has none)
            expected = w["published"].get(body["selections"])
            assert body["count"] == expected
            assert body["status"] == ("published" if expected is not None else "suppressed")
    assert len(rare) > 100
    for q in rare:  # indistinguishable whether the person is in the data or not
        assert answers["with"][q]["status"] == answers["without"][q]["status"] == "suppressed"
        assert answers["with"][q]["count"] is None
    # the attacker's subtraction: a parent count minus its published children never pins down one person
    for q in queries:
        parts = q.split(";")
        if len(parts) != 3 or not parts[2].startswith(RARE[0] + ":"):
            continue
        parent = answers["with"].get(";".join(parts[:2]))
        if parent is None or parent["count"] is None:
            continue
        children = [answers["with"].get(";".join(parts[:2] + [f"{RARE[0]}:{c}"])) for c in
                    ("PH", "UA", "VN", "ID", "US", "MX", "BR", "TH", "RO", RARE[1])]
        assert all(ch is not None for ch in children)
        assert answers["with"][";".join(parts[:2] + [f"{RARE[0]}:{RARE[1]}"])]["count"] is None


def test_charts_and_slices_never_show_small_counts(worlds):
    out, record = worlds
    for w in out.values():
        c = w["client"]
        for attr, value in record.items():
            for target in ("citizenship", "gender", "ageBroad"):
                if target == attr:
                    continue
                r = c.get(f"/api/releases/{VERSION}/tables/victims/chart",
                          params={"attribute": target, "filter": f"{attr}:{value}"})
                assert r.status_code == 200
                rows = r.json()["rows"]
                assert all(row["protected_count"] is None or row["protected_count"] >= K for row in rows)
                for row in rows:
                    if (target, row["value"]) == RARE:
                        assert row["protected_count"] is None
            r = c.get(f"/api/releases/{VERSION}/tables/victims/slices/{attr}:{value}.json")
            if r.status_code == 200:
                assert all(v == 0 or v >= K for v in _counts(r.json()))
        csv = c.get(f"/api/releases/{VERSION}/tables/victims/chart",
                    params={"attribute": "citizenship", "format": "csv"}).text
        for line in csv.splitlines()[1:]:
            cells = line.split(",")
            if cells[1] == RARE[1]:
                assert cells[3] == ""  # no protected count for the rare value
