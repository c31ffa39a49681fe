"""The release pipeline end to end on a small hub: folder contract, checksums, ledger, gates, CLI lifecycle."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.config import Gates, load_config
from cthub.privacy import epsilon_from_rho
from cthub.release.budget import BudgetRefused
from cthub.release.pipeline import ReleaseError, run_release
from cthub.release.reader import Release, latest_published, list_releases, published_versions
from cthub.store import Store

RELEASE_KEYS = {"version", "created", "hub", "cthub_version", "standard_version", "parameters", "privacy", "tables",
                "summary", "gates"}


def _published_bytes(home: Path) -> bytes:
    p = home / "releases" / "published.json"
    return p.read_bytes() if p.exists() else b""


@pytest.mark.slow
def test_release_lifecycle(small_hub: Path) -> None:
    home = small_hub
    runner = CliRunner()
    steps: list[tuple[str, int, int]] = []
    res = run_release(home, draft=True, seed=7, progress=lambda *a: steps.append(a))
    assert res.status == "draft" and res.gates["passed"], res.gates
    assert res.skipped == {"victim_perpetrator": "no records in the store"}
    assert steps and steps[-1][1] == steps[-1][2] - 1  # the bar reaches its last step
    rel = Release(res.path)

    # release.json carries the contract's fields
    meta = json.loads((res.path / "release.json").read_text())
    assert RELEASE_KEYS <= set(meta)
    assert set(meta["privacy"]) >= {"k", "epsilon", "delta", "threshold", "resolution", "methods"}
    assert meta["tables"]["victims"]["records"] == 500
    assert meta["summary"]["records"] == 500 and meta["summary"]["contributors"] == 1
    assert meta["gates"]["passed"] is True and meta["parameters"]["seed"] == 7

    # every file of the contract is there, in CSV and Parquet, and the checksums verify (as sha256sum -c would)
    for kind in ("kanon", "synthetic", "aggregates"):
        for ext in ("csv", "parquet"):
            assert (res.path / "data" / f"victims_{kind}.{ext}").is_file()
    for name in ("codebook.html", "codebook.md", "dictionary.csv", "dictionary.xlsx", "datapackage.json",
                 "report.html", "metrics.json", "SHA256SUMS"):
        assert (res.path / name).is_file(), name
    for line in (res.path / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((res.path / name).read_bytes()).hexdigest() == digest
    assert rel.verify() == []
    package = json.loads((res.path / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {f"data/victims_{k}.csv" for k in ("kanon", "synthetic",
                                                                                           "aggregates")}
    assert len(rel.synthetic("victims")) > 0 and rel.aggregates("victims")["count"].min() >= 11
    from frictionless import validate

    assert validate(str(res.path / "datapackage.json")).valid  # the standard's schemas describe the real files

    # the ledger recorded the spend; the release's epsilon is what the ledger's rho converts to
    ledger = Store.open(home).ledger()
    assert len(ledger) == 1 and ledger["release"].iloc[0] == res.version
    cfg = load_config(home)
    assert epsilon_from_rho(float(ledger["rho"].sum()), cfg.release.budget.delta) == pytest.approx(
        meta["privacy"]["epsilon"], rel=1e-6)

    # a draft is not published until someone says so
    assert published_versions(home) == []
    out = runner.invoke(app, ["publish", res.version, "--home", str(home)])
    assert out.exit_code == 0, out.output
    assert published_versions(home) == [res.version]
    assert {r["version"]: r["status"] for r in Store.open(home).releases()}[res.version] == "published"

    # a release that fails a gate leaves what is published untouched
    before = _published_bytes(home)
    strict = cfg.model_copy(deep=True)
    strict.release.gates = Gates(max_fabricated_share_3way=0.0)
    failed = run_release(home, strict, seed=8, membership_check=False)
    assert failed.status == "failed" and not failed.gates["passed"]
    assert _published_bytes(home) == before and latest_published(home).version == res.version
    assert Release(res.path).verify() == []
    assert Release(failed.path).status == "failed"
    assert "FAILED" in (failed.path / "report.html").read_text()
    refused = runner.invoke(app, ["publish", failed.version, "--home", str(home)])
    assert refused.exit_code == 1 and "failed its gates" in refused.output

    # listing, diff, discard
    listed = runner.invoke(app, ["releases", "--home", str(home), "--json"])
    statuses = {r["version"]: r["status"] for r in json.loads(listed.output)}
    assert statuses == {res.version: "published", failed.version: "failed"}
    d = runner.invoke(app, ["diff", res.version, failed.version, "--home", str(home), "--json"])
    assert d.exit_code == 0, d.output
    diff = json.loads(d.output)
    assert any(p["name"] == "gates.max_fabricated_share_3way" for p in diff["parameters"])
    assert "data/victims_synthetic.csv" in diff["files"]["changed"]
    assert any(m["metric"] == "2-way mean abs error" for m in diff["metrics"])
    gone = runner.invoke(app, ["discard", failed.version, "--home", str(home)])
    assert gone.exit_code == 0, gone.output
    assert [r.version for r in list_releases(home)] == [res.version]
    assert len(Store.open(home).ledger()) == 2  # discarding never gives budget back

    # the lifetime budget refuses a release that would pass it, before spending anything
    spent = epsilon_from_rho(Store.open(home).ledger_spent_rho(), cfg.release.budget.delta)
    tight = cfg.model_copy(deep=True)
    tight.release.budget.total_epsilon = spent + 1.0
    with pytest.raises(BudgetRefused, match="Nothing was spent"):
        run_release(home, tight, seed=9)
    assert len(Store.open(home).ledger()) == 2
    assert [r.version for r in list_releases(home)] == [res.version]
    assert not any(p.name.startswith(".tmp-") for p in (home / "releases").iterdir())


def test_budget_refusal_on_first_release(small_hub: Path) -> None:
    cfg = load_config(small_hub)
    cfg.release.budget.total_epsilon = 2.0  # the synthesizer alone asks for 4
    with pytest.raises(BudgetRefused):
        run_release(small_hub, cfg)
    assert Store.open(small_hub).ledger().empty
    assert list_releases(small_hub) == []


def test_no_records_is_a_clear_error(tmp_path: Path) -> None:
    Store.open(tmp_path)
    with pytest.raises(ReleaseError, match="cthub ingest"):
        run_release(tmp_path)
    res = CliRunner().invoke(app, ["release", "--home", str(tmp_path)])
    assert res.exit_code == 2 and "no records" in res.output


def test_budget_plan_overstates_rather_than_understates() -> None:
    from cthub.config import ReleaseConfig
    from cthub.release.budget import actual_rho, default_delta, plan_release, planned_rho, rho_bounds

    config = ReleaseConfig()
    plan = plan_release(config, {"victims": 1000}, 0.0)
    # With no delta of its own the synthesizer uses the hub's budget delta, so "epsilon 4" is 4 in the ledger too.
    lo, hi = rho_bounds(4.0, config.budget.delta)
    assert lo <= hi < lo * (1 + 1e-9)
    assert plan.planned_rho >= hi
    assert epsilon_from_rho(plan.planned_rho, config.budget.delta) == pytest.approx(4.0, abs=1e-6)
    # A mechanism whose delta comes from the record count is planned with a smaller count, so a larger delta.
    rho_n, d = planned_rho(4.0, None, 1000)
    assert d > default_delta(1000)
    assert rho_n >= rho_bounds(4.0, default_delta(1000))[1]
    assert epsilon_from_rho(lo, config.budget.delta) <= 4.0
    assert actual_rho({"rho_spent": 0.25}) == 0.25
    assert pd.notna(plan.as_dict()["planned_epsilon"])
