"""Evaluate metrics on crafted tables whose right answers are known by construction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pycanon.anonymity import k_anonymity as pycanon_k

from cthub.config import Gates
from cthub.evaluate import evaluate
from cthub.evaluate.gates import check_gates
from cthub.evaluate.marginals import aggregate_stats, combination_stats
from cthub.evaluate.privacy import distance_to_closest, dp_advantage_bound, k_anonymity
from cthub.tables.shared import encode


def table(rows: list[tuple], columns: tuple[str, ...] = ("a", "b")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns)).astype("string")


REAL = table([("a1", "b1")] * 30 + [("a2", "b2")] * 30 + [("a3", "b3")])


def stats(real: pd.DataFrame, out: pd.DataFrame, k: int = 11) -> dict:
    enc = encode({"real": real, "out": out}, list(real.columns))
    return combination_stats(enc, "real", "out", 2, k)


def test_identical_output_has_zero_error_and_nothing_fabricated() -> None:
    s = stats(REAL, REAL.copy())
    for L in ("1", "2"):
        assert s["by_length"][L]["mean_abs_error"] == 0
        assert s["by_length"][L]["mean_tvd"] == 0
        assert s["by_length"][L]["fabricated"] == 0
        assert s["by_length"][L]["common_preserved_share"] == 1
    # a3, b3 and (a3, b3) are rare (count 1 < 11) and an identical copy reproduces all three
    assert [s["by_length"][L]["rare_leaked"] for L in ("1", "2")] == [2, 1]


def test_planted_rare_combination_is_counted_as_leaked() -> None:
    common = table([("a1", "b1")] * 30 + [("a2", "b2")] * 31)
    assert stats(REAL, common)["total"]["rare_leaked"] == 0
    planted = table([("a1", "b1")] * 30 + [("a2", "b2")] * 30 + [("a3", "b3")])
    s = stats(REAL, planted)
    assert s["by_length"]["1"]["rare_leaked"] == 2
    assert s["by_length"]["2"]["rare_leaked"] == 1
    assert s["total"]["rare_real"] == 3


def test_fabricated_combination_and_error() -> None:
    out = table([("a1", "b2")] * 10 + [("a1", "b1")] * 20 + [("a2", "b2")] * 31)
    s = stats(REAL, out)
    two = s["by_length"]["2"]
    assert two["fabricated"] == 1  # (a1, b2) never occurs in the real data
    assert two["fabricated_share"] == pytest.approx(1 / 3)
    # 2-way counts: (a1,b1) 30 vs 20, (a2,b2) 30 vs 31, (a3,b3) 1 vs 0, (a1,b2) 0 vs 10; same size, scale 1
    assert two["mean_abs_error"] == pytest.approx((10 + 1 + 1 + 10) / 4)
    fab_bucket = s["by_bucket"][0]
    assert fab_bucket["combinations"] == 1 and fab_bucket["mean_abs_error"] == pytest.approx(10)


def test_scaling_when_sizes_differ() -> None:
    double = pd.concat([REAL, REAL], ignore_index=True)
    s = stats(REAL, double)
    assert s["by_length"]["2"]["mean_abs_error"] == pytest.approx(0)


def test_missing_values_are_not_part_of_combinations() -> None:
    real = table([("a1", None)] * 20 + [("a1", "b1")] * 20)
    s = stats(real, real)
    assert s["by_length"]["2"]["real_combinations"] == 1
    assert s["by_length"]["1"]["real_combinations"] == 2


def test_k_anonymity_agrees_with_pycanon() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {"age": rng.choice(["0--8", "9--17", "*"], 500), "sex": rng.choice(["Female", "Male"], 500),
         "cit": rng.choice(["PH", "UA", "MD", "*"], 500), "x": rng.choice(["1", "0"], 500)}
    ).astype("string")
    ours = k_anonymity(df, ["age", "sex", "cit"], 11)
    assert ours["k_achieved"] == pycanon_k(df, ["age", "sex", "cit"])
    assert ours["records"] == 500
    assert sum(h["classes"] for h in ours["class_size_histogram"]) == ours["classes"]
    small = pd.concat([df, df.iloc[:1].assign(cit="NL")], ignore_index=True)
    assert k_anonymity(small, ["age", "sex", "cit"], 11)["k_achieved"] == 1 == pycanon_k(small, ["age", "sex", "cit"])


def test_distance_to_closest_record() -> None:
    real = table([("a1", "b1"), ("a2", "b2"), ("a3", "b3")] * 5)
    same = distance_to_closest(real, real, ["a", "b"])
    assert same["identical_share"] == 1.0
    assert same["synthetic_to_real"][0] == 1.0
    far = table([("zz", "yy")] * 10)
    d = distance_to_closest(real, far, ["a", "b"])
    assert d["identical_share"] == 0 and d["synthetic_to_real"][2] == 1.0


def test_aggregates_rare_published_and_error() -> None:
    enc = encode({"real": REAL}, ["a", "b"])
    agg = pd.DataFrame(
        {"selections": ["a:a1", "a:a2", "a:a1;b:b1", "a:a3;b:b3"], "length": [1, 1, 2, 2], "count": [30, 30, 30, 1]}
    )
    s = aggregate_stats(enc, "real", agg, 11)
    assert s["rare_leaked"] == 1
    assert s["fabricated"] == 0
    assert s["by_length"]["1"]["mean_abs_error"] == 0
    safe = agg.iloc[:3]
    assert aggregate_stats(enc, "real", safe, 11)["rare_leaked"] == 0


def test_dp_bound() -> None:
    assert dp_advantage_bound(0.0, 0.0) == 0
    assert 0.4 < dp_advantage_bound(1.0, 1e-6) < 0.5
    assert dp_advantage_bound(None, None) is None


def test_gates_pass_and_fail() -> None:
    m = {"privacy": {"kanon": {"k_achieved": 12}}, "utility": {"aggregates": {"rare_leaked": 0}}}
    assert check_gates({"victims": m}, Gates())["passed"]
    m["privacy"]["kanon"]["k_achieved"] = 5
    res = check_gates({"victims": m}, Gates())
    assert not res["passed"] and [c["gate"] for c in res["checks"] if not c["passed"]] == ["min_k"]


@pytest.mark.parametrize("protection, held", [(None, True), ("threshold", True), ("dp", False), ("synthetic", False)])
def test_rare_leaked_gate_holds_threshold_aggregates_only(protection: str | None, held: bool) -> None:
    """DP aggregates and aggregates counted from the DP synthetic data may show a rare combination by chance."""
    m = {"privacy": {"aggregates_protection": protection}, "utility": {"aggregates": {"rare_leaked": 3}}}
    res = check_gates({"victims": m}, Gates(max_rare_leaked=0))
    assert [c["gate"] for c in res["checks"]] == (["max_rare_leaked"] if held else [])
    assert res["passed"] is not held


def test_evaluate_writes_self_contained_report(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {"gender": rng.choice(["Female", "Male"], 400), "age": rng.choice(["0--8", "9--17", "48+"], 400),
         "cit": rng.choice(["PH", "UA"], 400), "labour": rng.choice(["1", "0"], 400)}
    ).astype("string")
    syn = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    m = evaluate(real, kanon=real, synthetic=syn, quasi_identifiers=["gender", "age", "cit"], k=11,
                 privacy={"epsilon": 4.0, "delta": 1e-6, "synthetic": {"epsilon": 4.0, "delta": 1e-6}},
                 out_dir=tmp_path, table="victims", gates=Gates())
    assert m["gates"]["passed"]
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk["tables"]["victims"]["utility"]["synthetic"]["by_length"]["2"]["mean_abs_error"] == 0
    html = (tmp_path / "report.html").read_text()
    assert "<svg" in html and "PASSED" in html
    # it is internal, and says so where anyone who finds the files looks first
    assert "<title>Internal evaluation" in html
    assert "Internal evaluation — computed against the raw records; never publish" in html
    assert on_disk["internal"] is True and "never publish" in on_disk["notice"]
    assert "<script" not in html.lower() and "<link" not in html.lower() and " src=" not in html.lower()


def test_one_way_chart_hides_rare_real_categories() -> None:
    from cthub.evaluate.marginals import one_way

    real = table([("a1", "b1")] * 30 + [("a2", "b2")] * 15 + [("rare", "b3")])
    enc = encode({"real": real, "out": real}, ["a", "b"])
    df = one_way(enc, "real", "out", 0, min_count=11, resolution=10)
    assert "rare" not in set(df["label"])
    assert df.set_index("label").loc["a2", "real"] == pytest.approx(10 / 46)  # 15 rounded down to 10
