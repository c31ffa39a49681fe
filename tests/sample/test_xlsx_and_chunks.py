"""The small XLSX writer and the chunked wide-table stream, checked by property and by round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cthub.sample.benchmark_table import iter_wide_chunks
from cthub.sample.contributors import rows_at, write_sample_exports
from cthub.sample.contributors.xlsx import column_letter, write_xlsx


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 38, 701, 702)] == ["A", "Z", "AA", "AM", "ZZ", "AAA"]


def test_xlsx_round_trip_keeps_types_and_escapes(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    rows = [
        ["a & b <c> \"d\"", 3, dt.date(2019, 2, 28), None],
        [None, None, None, None],
        ["  padded  ", 2.5, dt.date(1880, 1, 1), "Côte d'Ivoire"],
    ]
    write_xlsx(path, "S & P", [["h1", "h2", "h3", "h4"]], rows)
    wb = openpyxl.load_workbook(path)
    ws = wb["S & P"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0] == ["h1", "h2", "h3", "h4"]
    assert values[1][:3] == ["a & b <c> \"d\"", 3, dt.datetime(2019, 2, 28)]
    assert values[3] == ["  padded  ", 2.5, dt.datetime(1880, 1, 1), "Côte d'Ivoire"]
    assert ws.cell(1, 1).font.b and ws.cell(2, 3).number_format == "yyyy-mm-dd"
    frame = pd.read_excel(path)
    assert frame.shape == (3, 4) and frame.iloc[1].isna().all()


@settings(max_examples=8, deadline=None)
@given(n=st.integers(0, 2_500), pieces=st.integers(1, 6), extra=st.integers(0, 50))
def test_chunks_cover_exactly_n_rows(n: int, pieces: int, extra: int) -> None:
    chunk = max(1, n // pieces) + extra  # at most a few chunks: each one costs a full render
    sizes, starts = [], []
    for frame in iter_wide_chunks(n, chunk=chunk, n_columns=20, seed=5):
        sizes.append(len(frame))
        starts.append(frame.index[0])
        assert frame.index.is_monotonic_increasing and frame.index[-1] == frame.index[0] + len(frame) - 1
    assert sum(sizes) == n
    assert all(s == chunk for s in sizes[:-1]) and (not sizes or 0 < sizes[-1] <= chunk)
    assert starts == [i * chunk for i in range(len(sizes))]


def test_tiny_scale_still_plants_every_kind_of_dirt(tmp_path: Path) -> None:
    import json

    write_sample_exports(tmp_path, seed=3, scale=0.0001)
    expected = json.loads((tmp_path / "expected.json").read_text())["contributors"]
    assert {c: e["records"] for c, e in expected.items()} == rows_at(0.0001) == dict.fromkeys(expected, 20)
    assert all(count == 1 for e in expected.values() for count in e["dirt"].values())
