"""Encoding helpers: missing as a category, multi-valued sets, bands, private domains, rare merging."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from cthub.privacy import Budget
from cthub.synth.base import SynthError
from cthub.synth.encoding import (
    build_encoder,
    bin_numeric,
    normalize_multi,
    parse_multi_value,
    private_domain,
    selection_threshold,
    subset_domain,
)


def test_parse_multi_value() -> None:
    assert parse_multi_value(["IP_Gender", "IP_Relation:|"]) == {"IP_Gender": ";", "IP_Relation": "|"}
    with pytest.raises(SynthError):
        parse_multi_value([":;"])


def test_normalize_multi_and_subsets() -> None:
    s = pd.Series(["Male;Female", "Female", "", None, "Female;Female"], dtype="string")
    out = normalize_multi(s, ";")
    assert out.iloc[0] == "Female;Male" and out.iloc[1] == "Female" and out.iloc[4] == "Female"
    assert out.isna().iloc[2] and out.isna().iloc[3]
    assert subset_domain(["Male", "Female"]) == ["Male", "Female", "Female;Male"]
    assert len(subset_domain(list("abcdefgh"))) == 8 + 28  # beyond 6 atoms: singles and pairs


def test_bin_numeric_public_bands() -> None:
    s = pd.Series(["3", "17", "18", "50", "x", None])
    out = bin_numeric(s, [0, 9, 18, 48])
    assert list(out.iloc[:4]) == ["0--8", "9--17", "18--47", "48+"]
    assert out.isna().iloc[4] and out.isna().iloc[5]


def test_encoder_missing_is_a_category_and_unknowns_are_missing() -> None:
    df = pd.DataFrame({"g": ["a", "b", None, "zzz"]}, dtype="string")
    enc, _ = build_encoder(df, ["g"], {"g": ["a", "b"]}, None, Budget(1.0), 0.1, 1e-6)
    codes = enc.encode(df)
    assert enc.sizes == [3]
    assert list(codes[:, 0]) == [0, 1, 2, 2]  # the value outside the public list is encoded as missing
    back = enc.decode(codes, np.random.default_rng(0))
    assert list(back["g"].iloc[:2]) == ["a", "b"] and back["g"].isna().sum() == 2


def test_private_domain_drops_unique_values_and_keeps_common_ones() -> None:
    s = pd.Series(["common"] * 500 + ["rare-unique"], dtype="string")
    budget = Budget(1.0)
    chosen, report = private_domain({"v": s}, budget, rho=0.5, delta=1e-9)
    assert chosen["v"] == ["common"]
    assert report["threshold"] > 2 and budget.spent == pytest.approx(0.5)


def test_merge_rare_uses_given_noisy_counts() -> None:
    df = pd.DataFrame({"g": list("aaaabbbcd")}, dtype="string")
    enc, _ = build_encoder(df, ["g"], {"g": list("abcd")}, None, Budget(1.0), 0.1, 1e-6)
    mapping = enc.merge_rare(0, np.array([100.0, 80.0, 2.0, 1.0]), min_count=10)
    assert enc.codecs[0].groups == [["a"], ["b"], ["c", "d"]]
    assert list(mapping) == [0, 1, 2, 2, 3]
    rows = enc.decode(np.array([[2]] * 400), np.random.default_rng(1))["g"]
    assert set(rows) == {"c", "d"}  # a merged group decodes to its members
    enc2, _ = build_encoder(df, ["g"], {"g": list("abcd")}, None, Budget(1.0), 0.1, 1e-6)
    enc2.merge_rare(0, np.array([100.0, 80.0, 3.0, -4.0]), min_count=10)
    rows = enc2.decode(np.array([[2]] * 400), np.random.default_rng(1))["g"]
    assert set(rows) == {"c"}  # a member whose noisy count is <= 0 is not fabricated


def test_private_selection_books_its_delta_and_allows_for_a_persons_rows() -> None:
    s = pd.Series(["common"] * 500 + ["rare-unique"] * 3, dtype="string")
    budget = Budget(1.0)
    chosen, report = private_domain({"v": s}, budget, rho=0.5, delta=1e-9, max_rows_per_person=3)
    assert chosen["v"] == ["common"]
    assert budget.spends == [("private value selection (v)", 0.5, 1e-9)] and budget.delta_spent == 1e-9
    # one person's 3 rows can put a value at 3: the threshold moves up by 2 and splits delta over 3 values
    assert report["threshold"] == pytest.approx(selection_threshold(report["sigma"], 1e-9, 3))
    assert selection_threshold(1.0, 1e-9, 3) > selection_threshold(1.0, 1e-9, 1) + 2
