"""The release pipeline end to end on a small hub: folder contract, checksums, ledger, gates, CLI lifecycle."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cthub.cli import app
from cthub.config import Gates, load_config
from cthub.privacy import epsilon_from_rho
from cthub.release.budget import BudgetRefused
from cthub.release.pipeline import ReleaseError, run_release
from cthub.release.reader import Release, latest_published, list_releases, published_versions
from cthub.standard import load_standard
from cthub.store import Store

RELEASE_KEYS = {"version", "created", "hub", "cthub_version", "standard_version", "profile", "parameters", "privacy",
                "tables", "summary", "gates"}


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

    # release.json: the dp profile, no exact count anywhere (the record count is the declared DP estimate)
    meta = json.loads((res.path / "release.json").read_text())
    assert RELEASE_KEYS <= set(meta) and meta["profile"] == "dp"
    records = meta["tables"]["victims"]["records"]
    assert records["guarantee"] == "dp" and records["sigma"] > 0 and isinstance(records["value"], int)
    assert abs(records["value"] - 500) < 10 * records["sigma"]
    assert meta["gates"] == {"passed": True} and meta["parameters"]["seed"] == 7
    assert "records" not in meta["summary"] and meta["summary"]["contributors"] == len(load_config(home).contributors)
    assert len(rel.synthetic("victims")) == max(records["value"], 1)  # the synthetic row count is that estimate
    # the public aggregates are counts of the public synthetic file (post-processing), never of the raw records
    from cthub.aggregates import exact_aggregates
    from cthub.release.stages.columns import mask_no

    synthetic = rel.synthetic("victims")
    cols = meta["tables"]["victims"]["columns"]["aggregates"]
    explore = load_standard().table("victims").explore_columns
    recount = exact_aggregates(mask_no(synthetic[cols], [c for c in cols if c not in explore]), 3, columns=cols)
    recount = recount[recount["count"] >= 10]
    published = rel.aggregates("victims")
    assert dict(zip(published["selections"], published["count"])) == dict(zip(recount["selections"].astype(str),
                                                                             recount["count"].astype(int)))
    years = synthetic["yearOfRegistration"].dropna().astype(int)
    assert years.max() <= int(meta["reference_date"][:4])  # no published year after the release's reference date

    # the dp profile publishes no k-anonymized file and no raw-data metrics; every file has a declared guarantee
    for kind in ("synthetic", "aggregates"):
        for ext in ("csv", "parquet"):
            assert (res.path / "data" / f"victims_{kind}.{ext}").is_file()
    assert not (res.path / "data" / "victims_kanon.csv").exists()
    assert not (res.path / "metrics.json").exists()
    for name in ("codebook.html", "codebook.md", "dictionary.csv", "dictionary.xlsx", "datapackage.json",
                 "report.html", "report.json", "privacy.json", "release.json", "SHA256SUMS"):
        assert (res.path / name).is_file(), name
    declared = set(rel.public_files())
    on_disk = {p.relative_to(res.path).as_posix() for p in res.path.rglob("*") if p.is_file()}
    assert on_disk - {"SHA256SUMS"} == declared
    statement = rel.privacy
    assert statement["unit"]["kind"] == "person"
    assert {o["guarantee"]["type"] for o in statement["outputs"]} <= {"dp", "post-processing", "data-independent"}
    for line in (res.path / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((res.path / name).read_bytes()).hexdigest() == digest
    assert rel.verify() == []
    package = json.loads((res.path / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {f"data/victims_{k}.{e}" for k in ("synthetic", "aggregates")
                                                         for e in ("csv", "parquet")}
    from frictionless import validate

    # the standard's schemas describe the real files, CSV and Parquet; frictionless checks each CSV's bytes and
    # hash but cannot count a Parquet file's bytes (it reports "actual is None"), which is the only error allowed
    report = validate(str(res.path / "datapackage.json"))
    errors = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors] + [("", e.type, e.note)
                                                                                 for e in report.errors]
    assert all(name.endswith("_parquet") and kind == "byte-count" and 'actual is "None"' in note
               for name, kind, note in errors), errors
    assert sum(t.stats.get("rows", 0) > 0 for t in report.tasks) == len(package["resources"])
    sums = dict(line.split("  ", 1)[::-1] for line in (res.path / "SHA256SUMS").read_text().splitlines())
    for r in package["resources"]:  # each resource's bytes and hash are the file's, as SHA256SUMS lists it
        assert r["hash"] == f"sha256:{sums[r['path']]}" and r["bytes"] == (res.path / r["path"]).stat().st_size
    assert package["version"] == res.version and package["licenses"][0]["name"] == "other-closed"
    # it carries the data files' sizes and hashes, so it is declared as computed from them, not data-independent
    g = rel.guarantee("datapackage.json")
    assert g["type"] == "post-processing" and set(g["of"]) == {r["path"] for r in package["resources"]}, g

    # the internal evaluation (raw-data metrics) is outside the release folder, for admins
    assert res.evaluation is not None and (res.evaluation / "metrics.json").is_file()
    assert res.evaluation.parent.name == "evaluations" and not res.evaluation.is_relative_to(home / "releases")

    # the ledger recorded every spend (count + synthesizer); the statement's composed epsilon is what they convert to
    ledger = Store.open(home).ledger()
    assert set(ledger["release"]) == {res.version} and len(ledger) == 2
    cfg = load_config(home)
    composed = statement["composed"]
    assert epsilon_from_rho(float(ledger["rho"].sum()), cfg.release.budget.delta) == pytest.approx(
        composed["epsilon"], rel=1e-6)
    assert meta["privacy"]["epsilon"] == pytest.approx(composed["epsilon"], rel=1e-9)

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
    assert "FAILED" in (failed.evaluation / "report.html").read_text()
    refused = runner.invoke(app, ["publish", failed.version, "--home", str(home)])
    assert refused.exit_code == 1 and "failed its gates" in refused.output

    # listing, diff (its metrics come from the internal evaluations), discard
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
    assert len(Store.open(home).ledger()) == 4  # discarding never gives budget back

    # the lifetime budget refuses a release that would pass it, before spending anything
    spent = epsilon_from_rho(Store.open(home).ledger_spent_rho(), cfg.release.budget.delta)
    tight = cfg.model_copy(deep=True)
    tight.release.budget.total_epsilon = spent + 1.0
    with pytest.raises(BudgetRefused, match="Nothing was spent"):
        run_release(home, tight, seed=9)
    assert len(Store.open(home).ledger()) == 4
    assert [r.version for r in list_releases(home)] == [res.version]
    assert not any(p.name.startswith(".tmp-") for p in (home / "releases").iterdir())


def test_undeclared_file_is_refused(small_hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage that writes a file without declaring its guarantee stops the release: nothing is published."""
    from cthub.release.stages import count as count_stage
    from cthub.release.statement import UndeclaredOutput

    original = count_stage.NoisyCount.run

    def leaky(self: object, ctx: object, folder: Path) -> list:
        (folder / "data").mkdir(exist_ok=True)
        (folder / "data" / "exact_counts.csv").write_text("n\n500\n")
        return original(self, ctx, folder)  # type: ignore[arg-type]

    monkeypatch.setattr(count_stage.NoisyCount, "run", leaky)
    with pytest.raises(UndeclaredOutput, match="exact_counts.csv"):
        run_release(small_hub, seed=1, membership_check=False)
    assert list_releases(small_hub) == [] and published_versions(small_hub) == []
    assert Store.open(small_hub).ledger().empty  # nothing recorded either


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




def test_direct_dp_aggregates_are_declared_and_composed(small_hub: Path) -> None:
    """aggregates.protection: dp spends its own epsilon; the statement's composed epsilon covers all three spends."""
    cfg = load_config(small_hub)
    cfg.release.aggregates.protection = "dp"
    cfg.release.aggregates.epsilon = 1.0
    res = run_release(small_hub, cfg, seed=3, membership_check=False)
    rel = Release(res.path)
    agg = rel.guarantee("data/victims_aggregates.csv")
    assert agg is not None and agg["type"] == "dp" and agg["unit"] == "person"
    spends = rel.privacy["composed"]["spends"]
    assert sorted(s["mechanism"] for s in spends) == ["aggregates:dp-marginals", "count:discrete-gaussian",
                                                       "synth:mst"]
    ledger = Store.open(small_hub).ledger()
    assert len(ledger) == 3
    assert rel.privacy["composed"]["rho"] == pytest.approx(float(ledger["rho"].sum()), rel=1e-9)
    assert epsilon_from_rho(float(ledger["rho"].sum()), cfg.release.budget.delta) == pytest.approx(
        rel.meta["privacy"]["epsilon"], rel=1e-9)
