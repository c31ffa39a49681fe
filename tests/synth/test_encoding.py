"""The synthesizers' encoder: missing as a category, values outside the public list as missing, rare merging."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cthub.privacy import Budget
from cthub.synth.encoding import build_encoder


def test_encoder_missing_is_a_category_and_unknowns_are_missing() -> None:
    df = pd.DataFrame({"g": ["a", "b", None, "zzz"]}, dtype="string")
    enc, _ = build_encoder(df, ["g"], {"g": ["a", "b"]}, None, Budget(1.0), 0.1, 1e-6)
    codes = enc.encode(df)
    assert enc.sizes == [3]
    assert list(codes[:, 0]) == [0, 1, 2, 2]  # the value outside the public list is encoded as missing
    back = enc.decode(codes, np.random.default_rng(0))
    assert list(back["g"].iloc[:2]) == ["a", "b"] and back["g"].isna().sum() == 2


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
