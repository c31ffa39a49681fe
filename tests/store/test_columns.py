"""The store takes a table's columns from its caller and never reads the standard itself (issue 17, item 2).

The old store loaded the standard inside a bare `except`, so a broken standard silently turned off the column
check. Now the caller (ingest, the pipeline) passes the standard's columns; these tests pin what the store does
with them, that a wrong argument is a clear error, and that ingest really passes them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cthub.store import Store, StoreError

from ..ingest.conftest import GOOD_ROWS, write_csv

STORE_PACKAGE = Path(__file__).resolve().parents[2] / "src" / "cthub" / "store"
VICTIMS = ["gender", "ageBroad", "citizenship", "isForcedLabour"]  # a stand-in for the standard's list


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"citizenship": ["PH", "VN"], "gender": ["Female", pd.NA]}, dtype="string")


def test_importing_the_store_does_not_import_the_standard() -> None:
    code = ("import sys, cthub.store; bad = sorted(m for m in sys.modules if m.startswith('cthub.standard')); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_store_module_imports_the_standard_even_deferred() -> None:
    found = []
    for path in sorted(STORE_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.name}: {n}" for n in names if n == "cthub.standard" or n.startswith("cthub.standard.")]
    assert len(list(STORE_PACKAGE.glob("*.py"))) >= 8  # the scan saw the package
    assert found == []


def test_a_new_record_table_gets_every_given_column_in_order(hub_home: Path) -> None:
    s = Store.open()
    b = s.add_batch(contributor="c1", sha256="a" * 64, tables={"victims": _frame()}, columns={"victims": VICTIMS},
                    standard_version="9.9.9")
    assert b.standard_version == "9.9.9"
    got = s.records("victims")
    assert list(got.columns) == VICTIMS
    assert got["citizenship"].tolist() == ["PH", "VN"] and got["ageBroad"].isna().all()
    assert all(str(t) == "string" for t in got.dtypes)


def test_without_columns_the_frame_keeps_its_own(hub_home: Path) -> None:
    s = Store.open()
    b = s.add_batch(contributor="c1", sha256="b" * 64, tables={"victims": _frame()})
    assert b.standard_version is None
    assert list(s.records("victims").columns) == ["citizenship", "gender"]
    # the caller's list decides the columns and their order; one no record filled comes back all missing
    got = s.records("victims", with_person=True, columns=VICTIMS)
    assert list(got.columns) == [*VICTIMS, "_person"]
    assert got["gender"].tolist()[0] == "Female" and got["isForcedLabour"].isna().all()
    assert str(got["isForcedLabour"].dtype) == "string"


def test_a_column_outside_the_given_list_is_refused_and_nothing_is_stored(hub_home: Path) -> None:
    s = Store.open()
    with pytest.raises(StoreError, match="'citizenship' is not a variable of the standard table 'victims'.*gender"):
        s.add_batch(contributor="c1", sha256="c" * 64, tables={"victims": _frame()},
                    columns={"victims": ["gender", "ageBroad"]})
    assert s.batches() == [] and s.record_counts() == {}


def test_wrong_column_arguments_say_what_is_expected(hub_home: Path) -> None:
    s = Store.open()
    with pytest.raises(StoreError, match="must be a list of column names.*not str"):
        s.add_batch(contributor="c1", sha256="d" * 64, tables={"victims": _frame()},
                    columns={"victims": "gender"})  # type: ignore[dict-item]
    with pytest.raises(StoreError, match="must be a list of column names"):
        s.records("victims", columns="gender")


def test_an_empty_table_needs_its_columns(hub_home: Path) -> None:
    s = Store.open()
    empty = s.records("victims", with_meta=True, columns=VICTIMS)
    assert empty.empty and list(empty.columns) == ["batch_id", "contributor", "imported_at", "row_number", *VICTIMS]
    with pytest.raises(StoreError, match="no records of table 'victmis' are stored; check the table name"):
        s.records("victmis")


def test_ingest_passes_the_standard_columns_and_version(hub: Path, tmp_path: Path) -> None:
    from datetime import date

    from cthub.ingest import ingest_file
    from cthub.standard import load_standard

    std = load_standard()
    store = Store.open()
    res = ingest_file(store, "line", write_csv(tmp_path / "calls.csv", GOOD_ROWS), today=date(2024, 6, 30))
    assert store.batch(res.batch_id).standard_version == str(std.version)
    # the record table was made from the standard's list (all of it, in its order), not from the mapped columns
    assert list(store.records("victims").columns) == list(std.table("victims").columns)
    assert len(std.table("victims").columns) > len(res.columns_used)
