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


D_RUNS, DPRIME_RUNS = 3, 2


@pytest.fixture(scope="module")
def neighbour_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    """Releases of D (three runs) and of D' (two runs). A value counts as deterministic when all D runs agree; a leak
    when all D' runs agree with each other and not with D: a random value with few outcomes (a small count, a file
    size) rarely coincides that often by chance, a deterministic function of the data always does."""
    from cthub.store import Store

    runs: dict[str, list[Path]] = {"d": [], "dprime": []}
    for name, n_runs in (("d", D_RUNS), ("dprime", DPRIME_RUNS)):
        for i in range(n_runs):
            home = make_hub(tmp_path_factory.mktemp(f"{name}{i}") / "hub", n=400, seed=3)
            if name == "dprime":
                Store.open(home).add_batch(contributor="ngo", sha256="b" * 64, tables={"victims": _canary()},
                                           file_name="one.csv")
            res = run_release(home, seed=11, membership_check=False)
            assert res.status == "published", res.gates
            runs[name].append(res.path)
    return runs["d"], runs["dprime"]


def _leaks(d: list[dict[str, Any]], dprime: list[dict[str, Any]], keys: set[str] | None = None) -> tuple[set, list]:
    """(deterministic keys, leaking keys) by the rule in the fixture's docstring."""
    keys = set(d[0]) if keys is None else keys
    deterministic = {k for k in keys if all(k in x and x[k] == d[0][k] for x in d[1:])}
    leaks = sorted(k for k in deterministic
                   if all(k in x for x in dprime) and all(x[k] == dprime[0][k] for x in dprime[1:])
                   and dprime[0][k] != d[0][k])
    return deterministic, leaks


@pytest.mark.slow
def test_no_public_json_leaf_is_a_deterministic_function_of_the_data(
    neighbour_releases: tuple[list[Path], list[Path]],
) -> None:
    d, dprime = ([_public_json(p) for p in runs] for runs in neighbour_releases)
    deterministic, leaks = _leaks(d, dprime)
    assert len(deterministic) > 50  # the test looks at something: parameters, statement, schemas
    assert not leaks, f"deterministic and data-dependent (a leak): {leaks[:20]}"


@pytest.mark.slow
def test_no_number_in_the_public_report_is_a_deterministic_function_of_the_data(
    neighbour_releases: tuple[list[Path], list[Path]],
) -> None:
    d, dprime = ([dict(enumerate(_report_numbers(p))) for p in runs] for runs in neighbour_releases)
    assert d[0], "the public report shows numbers"
    if len({len(x) for x in d}) == 1:  # the report's layout is fixed by the parameters
        assert {len(x) for x in dprime} == {len(d[0])}, "the report's structure changed with one more person"
        _, leaks = _leaks(d, dprime)
        assert not leaks, f"report numbers identical on D but different on D': {[(i, d[0][i]) for i in leaks[:10]]}"


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
    neighbour_releases: tuple[list[Path], list[Path]],
) -> None:
    """The API's numbers (counts, estimates, limits), as the reviewer compared them. Which charts and attributes an
    answer lists follows the synthetic data (post-processing of DP output), so only numbers are compared here
    (lengths of lists and file sizes excepted: they follow content that is compared itself)."""
    d, dprime = ([_api_leaves(p) for p in runs] for runs in neighbour_releases)
    bad = {u: d[0][f"{u}:http"] for u in API_URLS if d[0][f"{u}:http"] >= 500}
    assert not bad, bad
    assert sum(d[0][f"{u}:http"] == 200 for u in API_URLS) >= len(API_URLS) - 1  # flows need both country columns
    numbers = {k for k, v in d[0].items() if _is_number(v) and not k.endswith(("#len", ":http", ".size"))}
    deterministic, leaks = _leaks(d, dprime, numbers)
    assert len(deterministic) > 5  # the limits and parameters the answers repeat
    assert not leaks, f"deterministic and data-dependent API answers (a leak): {leaks[:20]}"


def test_the_check_catches_an_exact_count() -> None:
    """The rule above can fail: an exact count is the same in every D run and moves on D'."""
    d = [_leaves({"tables": {"victims": {"records": 400}}, "epsilon": 4.0, "noisy": 400 + i}) for i in range(3)]
    dprime = [_leaves({"tables": {"victims": {"records": 401}}, "epsilon": 4.0, "noisy": 7 + i}) for i in range(2)]
    assert _leaks(d, dprime)[1] == ["tables.victims.records"]
