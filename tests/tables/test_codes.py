"""The codec's three code layouts agree on what is missing, and the counting codes stay stable chunk after chunk."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cthub.aggregates import AggregatesError, threshold_aggregates
from cthub.privacy import Budget, Domain, OutOfDomainWarning
from cthub.synth.encoding import build_encoder
from cthub.tables.codes import StreamingEncoder, check_columns, encode_frame, prepare_multi
from cthub.tables.errors import TableError
from cthub.tables.missing import MISSING_FIRST, MISSING_SENTINEL, as_strings, missing_last
from cthub.tables.selections import to_frame
from cthub.tables.shared import encode as encode_shared

CELLS = ["a", None, "", "b", "a", "  "]


def _table() -> pd.DataFrame:
    return pd.DataFrame({"g": pd.array(CELLS, dtype="string")})


def test_every_layout_puts_missing_at_its_named_code() -> None:
    df = _table()
    empty = np.array([v is None or v == "" for v in CELLS])  # independent of the codec

    counting = encode_frame(df, ["g"])
    assert ((counting.codes[:, 0] == MISSING_FIRST) == empty).all()
    assert counting.values == [["a", "b", "  "]]  # a blank cell is a value for counting, as it always was

    shared = encode_shared({"real": df, "synthetic": df.iloc[:2]}, ["g"])
    assert ((shared.codes["real"][:, 0] == MISSING_SENTINEL) == empty).all()
    assert shared.codes["synthetic"][1, 0] == MISSING_SENTINEL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfDomainWarning)
        enc, _ = build_encoder(df, ["g"], {"g": ["a", "b"]}, None, Budget(1.0), 0.1, 1e-6)
        model = enc.encode(df)
    blank_or_empty = np.array([v is None or not v.strip() for v in CELLS])
    assert ((model[:, 0] == missing_last(2)) == blank_or_empty).all()  # the model layout: missing is code m
    assert enc.sizes == [missing_last(2) + 1]


def test_as_strings_blank_flag() -> None:
    s = pd.Series(["x", "", " ", None])
    assert as_strings(s).isna().tolist() == [False, True, False, True]
    assert as_strings(s, blank=True).isna().tolist() == [False, True, True, True]


def test_streaming_codes_are_stable_across_chunks_and_missing_never_counts() -> None:
    enc = StreamingEncoder(["g", "h"])
    first = enc.encode(pd.DataFrame({"g": ["x", "y"], "h": ["1", None]}, dtype="string"))
    second = enc.encode(pd.DataFrame({"g": ["z", "x"], "h": ["2", "1"]}, dtype="string"))
    assert first[:, 0].tolist() == [1, 2] and second[:, 0].tolist() == [3, 1]  # "x" keeps code 1
    assert first[:, 1].tolist() == [1, MISSING_FIRST]
    codes = enc.encoded(np.concatenate([first, second]))
    assert codes.cards == [3, 2]
    counts = {(0,): np.bincount(codes.codes[:, 0], minlength=4), (1,): np.bincount(codes.codes[:, 1], minlength=3)}
    frame = to_frame(codes.columns, codes.values, counts)
    assert "h:" not in set(frame["selections"])  # index 0 (missing) is never written
    assert dict(zip(frame["selections"], frame["count"])) == {"g:x": 2, "g:y": 1, "g:z": 1, "h:1": 2, "h:2": 1}


def test_a_public_domain_is_kept_exactly_and_outsiders_become_missing_with_a_warning() -> None:
    enc = StreamingEncoder(["g"], {"g": ["b", "a"]})
    with pytest.warns(OutOfDomainWarning, match="'g'"):
        codes = enc.encode(pd.DataFrame({"g": ["a", "zzz", "b"]}, dtype="string"))
    assert codes[:, 0].tolist() == [2, MISSING_FIRST, 1] and enc.values == [["b", "a"]]


def test_column_errors_name_what_to_fix_and_stages_raise_their_own_type() -> None:
    df = _table()
    with pytest.raises(TableError, match="not in the table; it has: g"):
        check_columns(df, ["nope"])
    with pytest.raises(TableError, match="listed twice"):
        check_columns(df, ["g", "g"])
    with pytest.raises(AggregatesError, match="not in the table") as info:
        threshold_aggregates(df, 1, columns=["nope"])
    assert isinstance(info.value.__cause__, TableError) and not isinstance(info.value, TableError)


def test_multi_valued_columns_come_from_the_domain_never_from_a_cell() -> None:
    df = pd.DataFrame({"m": ["b;a", "a", None], "s": ["x;y", "x", "y"]}, dtype="string")
    frame, dom, multi = prepare_multi(df, ["m", "s"], Domain({"m": ["a", "b"]}, multi={"m": ";"}))
    assert multi == {"m": ";"} and dom["m"] == ["a", "b", "a;b"]  # public atoms expanded to their subsets
    assert frame["m"].tolist()[:2] == ["a;b", "a"] and frame["s"].tolist()[0] == "x;y"  # "s" is not a set
    with pytest.raises(TableError, match="multi-valued column 'q'"):
        prepare_multi(df, ["m"], None, {"q": ";"})
