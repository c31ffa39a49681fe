"""Hostile files: each gets a clear refusal (or a safe report) and the server keeps serving."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cthub.tables.csv_safe import TRIGGERS
from tests.web.accounts.helpers import HEADER, csv_bytes, upload

_NUMBER = __import__("re").compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _dangerous_cells(text: str) -> list[str]:
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None)
    cells = [c for c in df.to_numpy().ravel().tolist() if isinstance(c, str)]
    return [c for c in cells if c and c[0] in TRIGGERS and c not in ("-", "+") and not _NUMBER.match(c)]


def _still_serving(clients) -> None:
    assert clients["anonymous"].get("/").status_code == 200
    assert clients["anonymous"].get("/api/releases").status_code == 200


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"<c>0</c>" * 131072  # 1 MiB
            for _ in range(24):
                fh.write(block)
    return buf.getvalue()


def test_zip_bomb_xlsx_is_refused_unopened(clients):
    data = _zip_bomb()
    assert len(data) < 1_000_000
    r = upload(clients["ana"], data, name="cases.xlsx")
    assert r.status_code == 400
    assert "zip bomb" in r.text
    _still_serving(clients)


@pytest.mark.parametrize("payload, why", [
    (os.urandom(64_000), "binary"),
    (b"%PDF-1.7\n" + os.urandom(5000), "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(5000), ".xls"),
    (b"PK\x03\x04" + os.urandom(5000), "damaged"),
    (b"", "empty"),
])
def test_garbage_is_refused_clearly(clients, payload, why):
    r = upload(clients["ana"], payload, name="cases.csv")
    assert r.status_code in (400, 413), r.status_code
    assert why in r.text
    _still_serving(clients)


def test_ten_thousand_columns(clients):
    header = ",".join(f"c{i}" for i in range(10_000))
    data = (header + "\n" + ",".join("1" for _ in range(10_000)) + "\n").encode()
    r = upload(clients["ana"], data, name="wide.csv")
    assert r.status_code == 400 and "10,000 columns" in r.text
    _still_serving(clients)


def test_file_over_the_size_limit(clients, acc_app):
    limits = acc_app.state.accounts.limits
    old = limits.max_bytes
    limits.max_bytes = 100_000
    try:
        big = csv_bytes(5000, seed=5)
        assert len(big) > 100_000 + 64 * 1024
        r = upload(clients["ana"], big, name="big.csv")
        assert r.status_code == 413 and "limit" in r.text
        medium = csv_bytes(2900, seed=6)  # passes the body limit, stopped while saving
        assert 100_000 < len(medium) < 100_000 + 64 * 1024
        r = upload(clients["ana"], medium, name="medium.csv")
        assert r.status_code == 413 and "larger than the hub" in r.text
    finally:
        limits.max_bytes = old
    assert not list((acc_app.state.home / "uploads").glob(".incoming-*"))  # nothing left behind
    _still_serving(clients)


def test_too_many_rows(clients, acc_app):
    limits = acc_app.state.accounts.limits
    old = limits.max_rows
    limits.max_rows = 100
    try:
        r = upload(clients["ana"], csv_bytes(150, seed=8), name="long.csv")
        assert r.status_code == 400 and "rows" in r.text
    finally:
        limits.max_rows = old


def test_formula_injection_is_neutralized_in_every_csv(clients, acc_home):
    formulas = ["=HYPERLINK(\"http://x.example\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
                "-2+3+cmd|' /C calc'!A0", "\t=1+1"]
    rows = [["7" + str(i), f, f, f, f, f, f, f] for i, f in enumerate(formulas)]
    header = [h if i != 7 else "=Notes()" for i, h in enumerate(HEADER)]
    import csv as _csv

    buf = io.StringIO()
    w = _csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows + [["99", "", "", "", "", "", "", ""]])
    r = upload(clients["ana"], buf.getvalue().encode(), name="=evil.csv")
    assert r.status_code == 303, r.text[:400]
    batch = r.headers["location"].rsplit("/", 1)[1]
    served = []
    for who, prefix in (("ana", "/contribute"), ("admin", "/admin")):
        for name in ("problems.csv", "rejected.csv"):
            resp = clients[who].get(f"{prefix}/batches/{batch}/{name}")
            assert resp.status_code == 200
            served.append(resp.text)
    # whatever lands in a report file is served neutralized, even if an older writer left a formula in it
    from cthub.store import Store

    folder = Path(Store.open(acc_home).batch(batch).report_dir)
    (folder / "problems.csv").write_text("row,column,value,reason\n1,=cmd(),+SUM(A1),@x\n", encoding="utf-8")
    served.append(clients["ana"].get(f"/contribute/batches/{batch}/problems.csv").text)
    assert "'=cmd()" in served[-1]
    for text in served:
        assert _dangerous_cells(text) == []
    for file in acc_home.rglob("*.csv"):
        if file.parent == folder or "releases" in file.parts:
            continue  # the one tampered with above; release CSVs are checked by the release tests
        assert _dangerous_cells(file.read_text(encoding="utf-8")) == [], file
    _still_serving(clients)
