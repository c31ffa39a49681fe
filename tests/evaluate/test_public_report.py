"""The public report: a function of public inputs only, with accuracy figures OpenDP's own privacy maps confirm."""

from __future__ import annotations

import inspect
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import opendp.domains as dpd
import opendp.measurements as dpm
import opendp.metrics as dpt
import pandas as pd
import pytest
from opendp.mod import enable_features

from cthub.aggregates import dp_aggregates, threshold_aggregates
from cthub.evaluate import PublicReportError, render_public_report
from cthub.synth import get_synthesizer

enable_features("contrib")

DOMAIN = {"gender": ["Female", "Male"], "age": ["0--8", "9--17", "48+"], "cit": ["KH", "PH", "UA"],
          "labour": ["0", "1"], "sexual": ["0", "1"]}
FORBIDDEN = ("dcr", "membership", "rare", "real", "cramers", "leak", "distance_to_closest", "predictive")


def raw(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.choice(v, n) for c, v in DOMAIN.items()}).astype("string")


def statement(records: int = 598) -> dict:
    return {
        "profile": "dp",
        "unit": {"kind": "person", "statement": "one person (a victim)"},
        "composed": {"epsilon": 3.2, "delta": 1e-6, "rho": 0.11},
        "budget": {"total_epsilon": 40, "spent_epsilon_after": 3.2, "delta": 1e-6},
        "tables": {"victims": {"records": {"value": records, "guarantee": "dp", "epsilon": 0.1, "rho": 1 / 200,
                                           "sigma": 10.0, "note": "noisy count"}}},
        "outputs": [
            {"path": "data/victims_synthetic.csv", "table": "victims", "kind": "synthetic",
             "guarantee": {"type": "dp", "mechanism": "mst", "epsilon": 2.0, "delta": 1e-6, "rho": 0.07,
                           "unit": "person"}},
            {"path": "data/victims_aggregates.csv", "table": "victims", "kind": "aggregates",
             "guarantee": {"type": "dp", "mechanism": "dp-marginals", "epsilon": 1.0, "delta": 1e-6, "rho": 0.03,
                           "unit": "person"}},
            {"path": "codebook.html", "kind": "docs",
             "guarantee": {"type": "data-independent", "basis": "generated from the standard"}},
            {"path": "report.html", "kind": "report",
             "guarantee": {"type": "post-processing", "of": ["data/victims_synthetic.csv"]}},
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def public_inputs() -> dict:
    """The public artifacts a dp release of raw data D publishes; the raw frame itself is not part of them."""
    d = raw(600, seed=0)
    model = get_synthesizer("mst").fit(d, epsilon=2.0, delta=1e-6, domain=DOMAIN)
    agg, agg_privacy = dp_aggregates(d, 2, epsilon=1.0, delta=1e-6, domain=DOMAIN)
    return {
        "statement": statement(),
        "synthetic": {"victims": model.sample(598, seed=1)},
        "aggregates": {"victims": agg},
        "mechanisms": {"victims": {"synthetic": model.privacy, "aggregates": agg_privacy}},
        "title": "Demo hub: release 2026.12.01",
        "context": {"hub": "Demo hub", "version": "2026.12.01", "created": "2026-12-01T12:00:00+00:00",
                    "parameters": {"release": {"profile": "dp", "synth": {"epsilon": 2.0}}}},
    }


def render(out: Path, inputs: dict) -> tuple[bytes, bytes]:
    paths = render_public_report(out, **inputs)
    assert [p.name for p in paths] == ["report.html", "report.json"]
    return tuple(p.read_bytes() for p in paths)  # type: ignore[return-value]


def keys(obj: object) -> list[str]:
    if isinstance(obj, dict):
        return [str(k) for k in obj] + [k for v in obj.values() for k in keys(v)]
    if isinstance(obj, list):
        return [k for v in obj for k in keys(v)]
    return []


def test_signature_takes_public_artifacts_only() -> None:
    assert list(inspect.signature(render_public_report).parameters) == [
        "out_dir", "statement", "synthetic", "aggregates", "mechanisms", "title", "context"]


def test_bytes_depend_on_public_inputs_only(
    public_inputs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two hubs whose raw records differ by one person (D and D plus one record); the public inputs are the same.
    d = raw(600, seed=0)
    outs = []
    for name, frame in (("d", d), ("d_plus_one", pd.concat([d, raw(1, seed=99)], ignore_index=True))):
        home = tmp_path / name
        home.mkdir()
        frame.to_csv(home / "victims.csv", index=False)
        monkeypatch.setenv("CTHUB_HOME", str(home))
        monkeypatch.chdir(home)
        outs.append(render(home / "release", public_inputs))
    assert outs[0] == outs[1]
    # ... and in a fresh process with another hash seed (random SVG ids or a clock would show here)
    blob = tmp_path / "inputs.pkl"
    blob.write_bytes(pickle.dumps(public_inputs))
    code = ("import pickle, sys; from pathlib import Path; from cthub.evaluate import render_public_report; "
            "render_public_report(Path(sys.argv[2]), **pickle.loads(Path(sys.argv[1]).read_bytes()))")
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(blob), str(tmp_path / "sub")], check=True, env=env)
    assert (tmp_path / "sub" / "report.html").read_bytes() == outs[0][0]
    assert (tmp_path / "sub" / "report.json").read_bytes() == outs[0][1]
    # not vacuous: a different public number gives different bytes
    changed = public_inputs | {"statement": statement(records=611)}
    assert render(tmp_path / "changed", changed)[1] != outs[0][1]


def test_no_raw_data_statistic_in_report_json(public_inputs: dict, tmp_path: Path) -> None:
    _, js = render(tmp_path, public_inputs)
    content = json.loads(js)
    found = [k for k in keys(content) if any(word in k.lower() for word in FORBIDDEN)]
    assert found == []
    text = js.decode().lower()
    assert not any(word in text for word in ("dcr", "membership", "cramer", "heatmap"))
    # what it does hold: the statement's noisy count, the plain-language protection of every output
    assert content["tables"]["victims"]["records"]["value"] == 598
    assert len(content["outputs"]) == 4 and all(o["protection"] for o in content["outputs"])
    comp = content["tables"]["victims"]["comparison"]
    assert set(comp["one_way"]) == set(DOMAIN) and comp["two_way"]["pairs"] == 10


def test_half_widths_match_opendp_privacy_map(public_inputs: dict, tmp_path: Path) -> None:
    rows = json.loads(render(tmp_path, public_inputs)[1])["tables"]["victims"]["accuracy"]
    gaussian = [r for r in rows if r["noise"] == "gaussian"]
    # the record count, MST's three families of tables, the DP aggregates' two lengths
    assert {r["output"] for r in gaussian} == {"records", "synthetic", "aggregates"}
    assert sum(r["output"] == "synthetic" for r in gaussian) == 3
    assert sum(r["output"] == "aggregates" for r in gaussian) == 2
    z = NormalDist().inv_cdf(0.975)
    for r in gaussian:
        assert r["half_width_95"] == pytest.approx(z * r["sigma"], rel=1e-12)
        assert r["sd"] == r["sigma"]
        if r["output"] != "records":
            assert r["rho_source"] == "stated by the mechanism"
        else:
            assert r["rho_source"] == "stated in the privacy statement"
        meas = dpm.make_gaussian(dpd.vector_domain(dpd.atom_domain(T=float, nan=False)), dpt.l2_distance(T=float),
                                 scale=r["sigma"])
        assert meas.map(r["l2_sensitivity"]) == pytest.approx(r["rho"], rel=1e-9), r["what"]


def test_aggregates_counted_from_the_model_are_not_compared_with_it(public_inputs: dict, tmp_path: Path) -> None:
    st = statement()
    st["outputs"][1]["guarantee"] = {"type": "post-processing", "of": ["data/victims_synthetic.csv"]}
    inputs = public_inputs | {"statement": st, "mechanisms": {"victims": {
        "synthetic": public_inputs["mechanisms"]["victims"]["synthetic"]}}}
    table = json.loads(render(tmp_path, inputs)[1])["tables"]["victims"]
    assert "comparison" not in table and "sampling" in table["comparison_note"]


def test_html_is_self_contained_and_says_what_protects_each_file(public_inputs: dict, tmp_path: Path) -> None:
    html = render(tmp_path, public_inputs)[0].decode()
    low = html.lower()
    assert "<script" not in low and "<link" not in low and " src=" not in low
    assert "<svg" in html and "Public report" in html and "Internal evaluation —" not in html
    assert "Differential privacy (mst)" in html and "Data-independent" in html and "Post-processing" in html


def test_undeclared_inputs_are_refused(public_inputs: dict, tmp_path: Path) -> None:
    with pytest.raises(PublicReportError, match="not a declared output"):
        render_public_report(tmp_path, **(public_inputs | {"synthetic": {"perpetrators": raw(5, 1)}}))
    with pytest.raises(PublicReportError, match="no DP output"):
        render_public_report(tmp_path, **(public_inputs | {"mechanisms": {"victims": {"kanon": {}}}}))
    assert not (tmp_path / "report.html").exists()


def test_classic_profile_states_k_and_the_effective_threshold(tmp_path: Path) -> None:
    kanon = raw(400, seed=3)
    st = {
        "profile": "classic", "unit": {"kind": "person", "statement": "one person"}, "composed": None,
        "tables": {"victims": {"records": {"value": 400, "guarantee": "k-anonymity"}}},
        "outputs": [
            {"path": "data/victims_kanon.csv", "table": "victims", "kind": "kanon",
             "guarantee": {"type": "k-anonymity", "k": 11, "l_diversity": {"labour": 2},
                           "quasi_identifiers": ["gender", "age", "cit"], "columns": list(DOMAIN), "unit": "person"}},
            {"path": "data/victims_aggregates.csv", "table": "victims", "kind": "aggregates",
             "guarantee": {"type": "threshold", "threshold": 11, "resolution": 10, "effective_threshold": 20,
                           "computed_from": "data/victims_kanon.csv"}},
        ],
    }  # fmt: skip
    agg = threshold_aggregates(kanon, 2, threshold=11, resolution=10)
    html_path, json_path = render_public_report(tmp_path, st, {}, {"victims": agg}, {}, "Classic", {})
    content = json.loads(json_path.read_text())
    assert content["tables"]["victims"]["accuracy"] == [] and content["composed"] is None
    html = html_path.read_text()
    assert "k = 11" in html and "no count below 20" in html and "at least 2 distinct values" in html


@pytest.mark.parametrize("mechanism, rows_per_person", [("mst", 1), ("mst", 3), ("aggregate-seeded", 3),
                                                         ("dp_aggregates", 3)])
def test_every_gaussian_spend_has_an_accuracy_row_opendp_confirms(mechanism: str, rows_per_person: int) -> None:
    """Per person: a mechanism run with up to c rows per person states its spends per person (c^2 x row-level);
    the stated sensitivity must be the per-person one, or OpenDP's map gives a different rho."""
    from cthub.evaluate.accuracy import mechanism_rows

    d = raw(500, seed=5)
    domain = {c: v for c, v in DOMAIN.items() if c != "cit"}  # one column's values are selected privately
    if mechanism == "dp_aggregates":
        privacy = dp_aggregates(d, 2, epsilon=1.0, delta=1e-6, domain=domain, max_rows_per_person=rows_per_person)[1]
        expected = 2  # one Gaussian measurement per length
    else:
        privacy = get_synthesizer(mechanism).fit(d, epsilon=2.0, delta=1e-6, domain=domain,
                                                 max_rows_per_person=rows_per_person).privacy
        expected = 4 if mechanism == "mst" else 3  # mst: value selection + 3 families; aggregate-seeded: 3 lengths
    assert privacy["max_rows_per_person"] == rows_per_person
    rows = mechanism_rows(privacy, columns=d.shape[1])
    assert len(rows) == expected
    spends = [s["rho"] for s in privacy["spends"]]
    for r in rows:
        assert r["rho_source"] == "stated by the mechanism" and r["rho"] in spends
        meas = dpm.make_gaussian(dpd.vector_domain(dpd.atom_domain(T=float, nan=False)), dpt.l2_distance(T=float),
                                 scale=r["sigma"])
        assert meas.map(r["l2_sensitivity"]) == pytest.approx(r["rho"], rel=1e-9), r["what"]


def test_comparison_of_public_outputs_on_a_crafted_table() -> None:
    """Known answers: shares of all records over the published cells; a yes/no flag whose "no" the aggregates
    leave out is not penalised for it."""
    from cthub.evaluate.compare import one_way, two_way

    syn = pd.DataFrame({"flag": ["1"] * 3 + ["0"] * 7, "g": ["A"] * 5 + ["B"] * 5}).astype("string")
    agg = pd.DataFrame({"selections": ["flag:1", "g:A", "g:B", "flag:1;g:A"], "length": [1, 1, 1, 2],
                        "count": [30, 60, 40, 30]})
    ow = one_way(syn, agg, records=100)
    assert ow["flag"]["distance"] == pytest.approx(0.0)
    assert ow["g"]["distance"] == pytest.approx(0.5 * (0.1 + 0.1))
    assert list(ow["g"]["values"]) == ["A", "B"] and ow["g"]["values"]["A"]["synthetic_share"] == 0.5
    tw = two_way(syn, agg, records=100)
    # flag=1 & g=A: 3 of 10 synthetic rows vs 30 of 100 published
    assert tw["pairs"] == 1 and tw["max_distance"] == pytest.approx(0.0)
    # a missing flag is no value: 2 of 10 rows have flag=1 & g=A now, against 30%
    syn.loc[0, "flag"] = pd.NA
    assert two_way(syn, agg, records=100)["max_distance"] == pytest.approx(0.5 * 0.1)


def test_noisy_count_accuracy_for_laplace_and_several_rows_per_person() -> None:
    """A statement's count may be Gaussian with sensitivity c (c rows per person) or Laplace of scale b; the stated
    figures match OpenDP's maps for the same scale and sensitivity."""
    from cthub.evaluate.accuracy import count_row

    g = count_row("victim-perpetrator rows", {"value": 900, "guarantee": "dp", "sigma": 30.0, "sensitivity": 3,
                                              "rho": 9 / (2 * 30.0**2)})
    meas = dpm.make_gaussian(dpd.atom_domain(T=float, nan=False), dpt.absolute_distance(T=float), scale=30.0)
    assert g is not None and meas.map(3.0) == pytest.approx(g["rho"], rel=1e-9) and g["l2_sensitivity"] == 3
    lap = count_row("records", {"value": 400, "guarantee": "dp", "scale": 20.0})
    meas = dpm.make_laplace(dpd.atom_domain(T=float, nan=False), dpt.absolute_distance(T=float), scale=20.0)
    assert lap is not None and meas.map(1.0) == pytest.approx(lap["epsilon"], rel=1e-9)
    assert lap["half_width_95"] == pytest.approx(20.0 * np.log(20.0))  # P(|Laplace(b)| > t) = exp(-t / b)
    assert count_row("records", {"value": 400, "guarantee": "dp"}) is None  # no scale stated: no accuracy claimed
