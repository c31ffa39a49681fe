"""The reviewer's neighbouring-dataset test: a release must not change deterministically when one person is added.

Release the hub's data D twice and D' = D plus one person once, with the same configuration and seed. A public
value that is identical across the two D runs is deterministic; if it differs for D', the release publishes a
deterministic function of the data (an exact count, a raw-data statistic), which no DP guarantee covers. Every leaf
of every public JSON file and every number in the public report is checked this way. Values the noise changes
between the two D runs are random and pass; so do the version date and creation time, which do not depend on the data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cthub.release.pipeline import run_release
from tests.release.conftest import make_hub

VOLATILE = {"created"}  # the wall-clock time of the run: data-independent


def _leaves(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out |= _leaves(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(d, list) and not any(isinstance(v, (dict, list)) for v in d):
        return {prefix: tuple(d)}  # a list of values is one value (positions shift when one entry changes)
    if isinstance(d, list):
        out = {f"{prefix}.#len": len(d)}
        for i, v in enumerate(d):
            out |= _leaves(v, f"{prefix}[{i}]")
        return out
    return {prefix: d}


def _public_json(path: Path) -> dict[str, Any]:
    leaves: dict[str, Any] = {}
    for p in sorted(path.rglob("*.json")):
        name = p.relative_to(path).as_posix()
        leaves |= {f"{name}:{k}": v for k, v in _leaves(json.loads(p.read_text(encoding="utf-8"))).items()
                   if k.split(".")[-1] not in VOLATILE}
    return leaves


def _report_numbers(path: Path) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", (path / "report.html").read_text(encoding="utf-8"))
    return re.findall(r"\d[\d,]*(?:\.\d+)?", text)


def _canary() -> pd.DataFrame:
    from cthub.sample.benchmark_table import make_benchmark_table

    row = make_benchmark_table(1, seed=99).copy()
    row["citizenship"] = "IS"  # a rare country
    row["gender"] = "Female"
    return row


@pytest.fixture(scope="module")
def three_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from cthub.store import Store

    paths = []
    for name in ("d1", "d2", "dprime"):
        home = make_hub(tmp_path_factory.mktemp(name) / "hub", n=400, seed=3)
        if name == "dprime":
            Store.open(home).add_batch(contributor="ngo", sha256="b" * 64, tables={"victims": _canary()},
                                       file_name="one.csv")
        res = run_release(home, seed=11, membership_check=False)
        assert res.status == "published", res.gates
        paths.append(res.path)
    return paths[0], paths[1], paths[2]


@pytest.mark.slow
def test_no_public_json_leaf_is_a_deterministic_function_of_the_data(three_releases: tuple[Path, Path, Path]) -> None:
    d1, d2, dprime = (_public_json(p) for p in three_releases)
    deterministic = {k for k in d1 if k in d2 and d1[k] == d2[k]}
    assert len(deterministic) > 50  # the test looks at something: parameters, statement, schemas
    leaks = sorted(k for k in deterministic if dprime.get(k, "<missing>") != d1[k])
    assert not leaks, f"deterministic and data-dependent (a leak): {leaks[:20]}"


@pytest.mark.slow
def test_no_number_in_the_public_report_is_a_deterministic_function_of_the_data(
    three_releases: tuple[Path, Path, Path],
) -> None:
    n1, n2, nprime = (_report_numbers(p) for p in three_releases)
    assert n1, "the public report shows numbers"
    if len(n1) == len(n2):
        assert len(nprime) == len(n1), "the report's structure changed with one more person"
        leaks = [(i, a, c) for i, (a, b, c) in enumerate(zip(n1, n2, nprime)) if a == b and a != c]
        assert not leaks, f"report numbers identical on D but different on D': {leaks[:10]}"


API_URLS = [
    "/api/releases", "/api/releases/latest", "/api/releases/latest/privacy", "/api/releases/latest/tables",
    "/api/releases/latest/tables/victims/meta.json", "/api/releases/latest/tables/victims/slices/_all.json",
    "/api/releases/latest/tables/victims/slices/gender_3a_Female.json",
    "/api/releases/latest/tables/victims/flows.json",
    "/api/releases/latest/tables/victims/aggregates?selections=gender:Female",
    "/api/releases/latest/tables/victims/chart?attribute=ageBroad&filter=gender:Female",
]


def _api_leaves(release_path: Path) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from cthub.web.app import create_app

    home = release_path.parent.parent
    leaves: dict[str, Any] = {}
    with TestClient(create_app(home=home)) as client:
        for url in API_URLS:
            r = client.get(url)
            leaves[f"{url}:http"] = r.status_code
            if r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json"):
                leaves |= {f"{url}:{k}": v for k, v in _leaves(r.json()).items() if k.split(".")[-1] not in VOLATILE}
    return leaves


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@pytest.mark.slow
def test_no_number_in_an_api_answer_is_a_deterministic_function_of_the_data(
    three_releases: tuple[Path, Path, Path],
) -> None:
    """The API's numbers (counts, estimates, limits), as the reviewer compared them. Which charts and attributes an
    answer lists follows the synthetic data (post-processing of DP output): such low-entropy random structure can
    coincide on the two D runs by chance, so only numbers are compared here (lengths of lists excepted)."""
    d1, d2, dprime = (_api_leaves(p) for p in three_releases)
    bad = {u: d1[f"{u}:http"] for u in API_URLS if d1[f"{u}:http"] >= 500}
    assert not bad, bad
    assert sum(d1[f"{u}:http"] == 200 for u in API_URLS) >= len(API_URLS) - 1  # flows need both country columns
    numbers = {k for k, v in d1.items() if _is_number(v) and not k.endswith("#len") and not k.endswith(":http")}
    deterministic = {k for k in numbers if k in d2 and d1[k] == d2[k]}
    assert len(deterministic) > 5  # the limits and parameters the answers repeat
    leaks = sorted(k for k in deterministic if k in dprime and dprime[k] != d1[k])
    assert not leaks, f"deterministic and data-dependent API answers (a leak): {leaks[:20]}"


def test_the_check_catches_an_exact_count(tmp_path: Path) -> None:
    """The comparison above can fail: an exact count is deterministic on D and moves on D'."""
    d1 = _leaves({"tables": {"victims": {"records": 400}}, "epsilon": 4.0})
    d2 = dict(d1)
    dprime = _leaves({"tables": {"victims": {"records": 401}}, "epsilon": 4.0})
    deterministic = {k for k in d1 if d1[k] == d2[k]}
    assert sorted(k for k in deterministic if dprime[k] != d1[k]) == ["tables.victims.records"]
