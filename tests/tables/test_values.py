"""Cell values before codes: multi-value specs, canonical sets, subsets of public atoms, public numeric bands."""

from __future__ import annotations

import pandas as pd
import pytest

from cthub.tables.errors import TableError
from cthub.tables.values import bin_numeric, canonical_sets, normalize_multi, parse_multi_value, subset_domain


def test_parse_multi_value() -> None:
    assert parse_multi_value(["IP_Gender", "IP_Relation:|"]) == {"IP_Gender": ";", "IP_Relation": "|"}
    with pytest.raises(TableError, match="give a column name"):
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


def test_canonical_sets_sorts_and_strips_each_listed_set() -> None:
    assert canonical_sets(["Male;Female", " b ; a", "x"], ";") == ["Female;Male", "a;b", "x"]


def test_bin_numeric_refuses_labels_that_do_not_match_the_edges() -> None:
    with pytest.raises(TableError, match="3 band edges need 3 labels"):
        bin_numeric(pd.Series(["1"]), [0, 9, 18], labels=["young", "old"])
