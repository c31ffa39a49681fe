"""builtin:ctdc-vp: CTDC's real victim-perpetrator file goes in losslessly (a stored cell equals the file's cell)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cthub.ingest import ingest_file
from cthub.store import Store


def test_ctdc_vp_file_round_trips(hub_home: Path, vp_csv: Path) -> None:
    store = Store.open()
    res = ingest_file(store, "ctdc", vp_csv, "builtin:ctdc-vp")
    assert (res.rows_read, res.accepted, res.warned, res.rejected) == (21_195, 21_195, 0, 0)
    raw = pd.read_csv(vp_csv, dtype="string", keep_default_na=False).replace("", pd.NA)
    stored = store.records("victim_perpetrator")
    assert list(stored.columns) == list(raw.columns)
    # compare without printing any record: only a boolean comes out
    same = (stored.fillna("\0") == raw.fillna("\0")).all().all()
    assert bool(same), "a stored cell differs from the CTDC file"
