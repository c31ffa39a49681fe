"""Write a small published release folder in the release format of issue 11 for the web tests and benchmark.

Two profiles, as `cthub.yaml`'s `release.profile`:
- `dp` (default): DP aggregates from `cthub.aggregates.dp_aggregates` over a CTDC-shaped generated table
  (`cthub.sample.benchmark_table`), their noisy record count, and a "synthetic" file that is a second independent
  sample from the same generator with as many rows as the noisy count (a stand-in with the right shape, enough to
  test that the pages show estimates beside protected counts). No k-anonymized file.
- `classic`: a stand-in k-anonymized file and threshold aggregates computed from it. No synthetic file.

Every file is declared in `privacy.json`'s `outputs`; the internal evaluation goes to `<home>/evaluations/<version>/`
(outside the release folder), as the pipeline writes it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from cthub.aggregates import threshold_aggregates
from cthub.aggregates.dp import dp_aggregates
from cthub.privacy.accounting import epsilon_from_rho, rho_from_epsilon
from cthub.release.folder import write_checksums, write_json, write_published, write_table
from cthub.sample.benchmark_table import make_benchmark_table

COLUMNS = [
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "citizenship",
    "CountryOfExploitation", "isForcedLabour", "isSexualExploit", "isOtherExploit", "typeOfLabourAgriculture",
    "typeOfLabourConstruction", "typeOfLabourDomesticWork", "meansOfControlDebtBondage",
    "meansOfControlPhysicalAbuse", "meansOfControlThreats",
]  # fmt: skip
QUASI_IDENTIFIERS = ["yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation"]
THRESHOLD = 11
RESOLUTION = 10
EFFECTIVE_THRESHOLD = 20  # 11-19 round down to 10, which is below 11: the rule really hides everything below 20
LENGTH = 3
VERSION = "2026.11.22"
DELTA = 1e-6
SYNTH_EPSILON = 4.0
AGG_EPSILON = 1.0
UNIT = {"kind": "person", "statement": "one person (a victim); victim–perpetrator rows are bounded to at most 3 per "
        "person before any mechanism"}
Profile = Literal["dp", "classic"]
SYNTHETIC_ONLY = [("2031", "AQ"), ("2034", "AX"), ("2031", "AQ")]  # values only the synthetic file has
VP_COLUMNS = ["yearRegister", "gender", "majorityStatus", "UN_COO_Region", "UN_COE_Region", "IP_Gender",
              "IP_Relation"]


def _vp_table(n: int, seed: int):
    """A victim-perpetrator-shaped table with multi-valued cells joined by ';' (as the contracts define)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    relation = ["FamilyIntimatePartner", "FriendAcquaintance", "StrangerUnknownOther", "FamilyIntimatePartner;FriendAcquaintance"]
    return pd.DataFrame({
        "yearRegister": rng.choice(["2015", "2016", "2017", "2018", "2019", "2020"], n),
        "gender": rng.choice(["Female", "Male"], n, p=[0.7, 0.3]),
        "majorityStatus": rng.choice(["Adult", "Minor"], n, p=[0.8, 0.2]),
        "UN_COO_Region": rng.choice(["Africa", "Asia", "Europe"], n),
        "UN_COE_Region": rng.choice(["Asia", "Europe"], n),
        "IP_Gender": rng.choice(["Female", "Male", "Female;Male"], n, p=[0.3, 0.5, 0.2]),
        "IP_Relation": rng.choice(relation, n, p=[0.4, 0.3, 0.2, 0.1]),
    }, dtype="string")


def _docs(folder: Path) -> list[dict[str, Any]]:
    """The data-independent documents every release carries."""
    (folder / "codebook.md").write_text("# Codebook\n\nGenerated from the standard.\n", encoding="utf-8")
    (folder / "codebook.html").write_text("<!doctype html><title>Codebook</title><h1>Codebook</h1>\n", encoding="utf-8")
    (folder / "dictionary.csv").write_text("table,variable,label\nvictims,gender,Gender\n", encoding="utf-8")
    basis = {"type": "data-independent", "basis": "generated from the standard"}
    return [{"path": p, "kind": "docs", "guarantee": basis} for p in ("codebook.md", "codebook.html", "dictionary.csv")]


def _data(stem: str, table: str, kind: str, guarantee: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"path": f"data/{stem}.{ext}", "table": table, "kind": kind, "guarantee": guarantee}
            for ext in ("csv", "parquet")]


def write_release(home: Path, n: int = 6000, seed: int = 1, version: str = VERSION, publish: bool = True,
                  profile: Profile = "dp", victim_perpetrator: bool = False) -> Path:
    """Write release `version` under `home/releases/` and (by default) list it in published.json."""
    real = make_benchmark_table(n=n, seed=seed)[COLUMNS]
    folder = home / "releases" / version
    data = folder / "data"
    outputs: list[dict[str, Any]] = []
    tables_privacy: dict[str, Any] = {}
    if profile == "dp":
        from cthub.standard import load_standard
        from cthub.synth import domain_from_standard

        domain = domain_from_standard(load_standard().table("victims"), COLUMNS)
        agg, agg_privacy = dp_aggregates(real, LENGTH, epsilon=AGG_EPSILON, delta=DELTA, domain=domain,
                                         columns=COLUMNS)
        records = int(agg_privacy["records_noisy"])  # the DP count alone, with its own spend
        synthetic = make_benchmark_table(n=records, seed=seed + 1000)[COLUMNS]  # as many rows as the DP count
        # a synthesizer draws from the standard's domain, so it can emit values no record has: a future year, a
        # country nobody is a citizen of. The site must not show them as if they were data.
        positions = [synthetic.columns.get_loc(c) for c in ("yearOfRegistration", "citizenship")]
        for i, (year, country) in enumerate(SYNTHETIC_ONLY[:len(synthetic)]):
            synthetic.iloc[i, positions] = [year, country]
        rho_syn = rho_from_epsilon(SYNTH_EPSILON, DELTA)
        rho_agg = float(agg_privacy["rho"])
        count_spend = next(s for s in agg_privacy["spends"] if "number of records" in s["what"])
        write_table(synthetic, data, "victims_synthetic")
        write_table(agg, data, "victims_aggregates")
        outputs += _data("victims_synthetic", "victims", "synthetic", {
            "type": "dp", "mechanism": "mst", "epsilon": SYNTH_EPSILON, "delta": DELTA, "rho": rho_syn,
            "unit": "person"})
        outputs += _data("victims_aggregates", "victims", "aggregates", {
            "type": "dp", "mechanism": "dp-marginals", "epsilon": float(agg_privacy["epsilon"]), "delta": DELTA,
            "rho": rho_agg, "unit": "person"})
        tables_privacy["victims"] = {"records": {
            "value": records, "guarantee": "dp", "epsilon": epsilon_from_rho(float(count_spend["rho"]), DELTA),
            "rho": float(count_spend["rho"]), "sigma": (1 / (2 * float(count_spend["rho"]))) ** 0.5,
            "note": "noisy count"}}
        rho = rho_syn + rho_agg
        composed = {"epsilon": epsilon_from_rho(rho, DELTA), "delta": DELTA, "rho": rho, "spends": [
            {"table": "victims", "mechanism": "synth:mst", "epsilon": SYNTH_EPSILON, "delta": DELTA, "rho": rho_syn},
            {"table": "victims", "mechanism": "aggregates:dp-marginals", "epsilon": float(agg_privacy["epsilon"]),
             "delta": DELTA, "rho": rho_agg}]}
        summary_source = agg
        privacy_summary = {"profile": "dp", "epsilon": composed["epsilon"], "delta": DELTA, "k": None,
                           "threshold": None, "resolution": None, "effective_threshold": None, "unit": "person"}
        record_guarantee = "dp"
    else:
        kanon = real.copy()  # stands in for k-anonymized microdata (the allow-listed columns)
        agg = threshold_aggregates(kanon, LENGTH, threshold=THRESHOLD, resolution=RESOLUTION)
        records = int(len(kanon))
        write_table(kanon, data, "victims_kanon")
        write_table(agg, data, "victims_aggregates")
        outputs += _data("victims_kanon", "victims", "kanon", {
            "type": "k-anonymity", "k": 11, "l_diversity": {"isForcedLabour": 2},
            "quasi_identifiers": QUASI_IDENTIFIERS, "columns": COLUMNS, "unit": "person"})
        outputs += _data("victims_aggregates", "victims", "aggregates", {
            "type": "threshold", "threshold": THRESHOLD, "resolution": RESOLUTION,
            "effective_threshold": EFFECTIVE_THRESHOLD, "computed_from": "data/victims_kanon.csv"})
        tables_privacy["victims"] = {"records": {"value": records, "guarantee": "k-anonymity",
                                                 "note": "rows of the k-anonymized file"}}
        composed = None
        summary_source = agg
        privacy_summary = {"profile": "classic", "epsilon": None, "delta": None, "k": 11, "threshold": THRESHOLD,
                           "resolution": RESOLUTION, "effective_threshold": EFFECTIVE_THRESHOLD, "unit": "person"}
        record_guarantee = "k-anonymity"
    vp_meta: dict[str, Any] = {}
    if victim_perpetrator:  # threshold aggregates of a generated stand-in (the web only reads the declared shape)
        vp = _vp_table(max(n // 3, 600), seed + 7)
        vp_agg = threshold_aggregates(vp, LENGTH, threshold=THRESHOLD, resolution=RESOLUTION)
        write_table(vp_agg, data, "victim_perpetrator_aggregates")
        write_table(_vp_table(len(vp), seed + 8), data, "victim_perpetrator_synthetic")  # a stand-in, same shape
        outputs += _data("victim_perpetrator_synthetic", "victim_perpetrator", "synthetic", {
            "type": "dp", "mechanism": "mst", "epsilon": SYNTH_EPSILON, "delta": DELTA,
            "rho": rho_from_epsilon(SYNTH_EPSILON, DELTA), "unit": "person"})
        outputs += _data("victim_perpetrator_aggregates", "victim_perpetrator", "aggregates", {
            "type": "threshold", "threshold": THRESHOLD, "resolution": RESOLUTION,
            "effective_threshold": EFFECTIVE_THRESHOLD})
        tables_privacy["victim_perpetrator"] = {"records": {"value": int(len(vp)), "guarantee": "k-anonymity",
                                                            "note": "stand-in"}}
        vp_meta = {"victim_perpetrator": {
            "columns": {c: "string" for c in VP_COLUMNS},
            "files": {"aggregates": "data/victim_perpetrator_aggregates.csv",
                      "synthetic": "data/victim_perpetrator_synthetic.csv"},
            "records": {"value": int(len(vp)), "guarantee": "k-anonymity"}}}
    outputs += _docs(folder)
    data_files = [o["path"] for o in outputs if o["kind"] in ("synthetic", "aggregates", "kanon")]
    (folder / "report.html").write_text(
        "<!doctype html><title>Release report</title><h1>Release report</h1><p>Parameters and the privacy "
        "statement.</p>\n", encoding="utf-8")
    outputs.append({"path": "report.html", "kind": "report", "guarantee": {"type": "post-processing", "of": data_files}})
    outputs.append({"path": "release.json", "kind": "metadata",
                    "guarantee": {"type": "post-processing", "of": data_files}})
    outputs.append({"path": "SHA256SUMS", "kind": "metadata",
                    "guarantee": {"type": "post-processing", "of": [o["path"] for o in outputs]}})
    countries = sorted({s.split(":", 1)[1] for s in summary_source["selections"]
                        if s.startswith("citizenship:") and ";" not in s})
    years = sorted({s.split(":", 1)[1] for s in summary_source["selections"]
                    if s.startswith("yearOfRegistration:") and ";" not in s})
    write_json(folder / "release.json", {
        "version": version,
        "created": dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC).isoformat(),
        "hub": "test hub",
        "cthub_version": "0.1.0",
        "standard_version": "1.0.0",
        "profile": profile,
        "parameters": {"release": {"profile": profile}, "aggregates": {"length": LENGTH}},
        "privacy": privacy_summary,
        "tables": {"victims": {
            "columns": {c: "string" for c in COLUMNS},
            "files": {o["kind"]: o["path"] for o in outputs if o.get("table") == "victims" and o["path"].endswith(".csv")},
            "records": {"value": records, "guarantee": record_guarantee}}, **vp_meta},
        "summary": {"countries": countries, "years": [years[0], years[-1]], "contributors": 3},
        "gates": {"passed": True},
        "terms_of_use": "Use for research and reporting only.",
        "citation": "test hub (2026). Release " + version + ".",
        "notes": "Test release.",
    })
    budget = {"total_epsilon": 40, "spent_epsilon_after": composed["epsilon"] if composed else 0.0, "delta": DELTA}
    write_json(folder / "privacy.json", {"profile": profile, "unit": UNIT, "composed": composed, "budget": budget,
                                         "tables": tables_privacy, "outputs": outputs})
    write_checksums(folder)
    evaluation = home / "evaluations" / version
    evaluation.mkdir(parents=True, exist_ok=True)
    (evaluation / "report.html").write_text(
        "<!doctype html><title>Internal evaluation</title><h1>Internal evaluation</h1><p>records_real "
        f"{len(real)}</p>\n", encoding="utf-8")
    (evaluation / "metrics.json").write_text(json.dumps({"records_real": int(len(real))}), encoding="utf-8")
    if publish:
        write_published(home, [version])
    return folder
