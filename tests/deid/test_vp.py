"""The engine on a slice of the real CTDC Victim-Perpetrator file (rows never printed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cthub.deid import anonymize
from cthub.deid.commands import read_table_csv
from cthub.standard import load_standard
from tests.deid.helpers import MISSING, pycanon_k, pycanon_l

VP_QIS = ["yearRegister", "gender", "majorityStatus", "UN_COO_Region", "UN_COE_Region"]


def test_vp_slice_is_k11_by_pycanon(vp_csv: Path) -> None:
    df = read_table_csv(vp_csv).iloc[:6000].reset_index(drop=True)
    # the engine on real data, every column kept and no level limits (the standard's classic settings: see below)
    res = anonymize(df, VP_QIS, k=11, l_diversity={"isForcedLabour": 2}, coarsest={})
    out = res.table
    assert pycanon_k(out, VP_QIS) >= 11
    others = [c for c in df.columns if c not in VP_QIS]
    pd.testing.assert_frame_equal(out[others], df[others])
    rep = res.report
    assert rep["records"] == 6000
    assert rep["suppression"]["records_touched"] <= 300
    assert rep["l_diversity"]["isForcedLabour"]["achieved"] >= 2
    assert rep["uncovered_values"] == {}  # the standard's hierarchies know every code in the file
    # far fewer records are lost than CTDC's record suppression would lose: most records keep every QI cell
    assert rep["suppression"]["records_touched_share"] < 0.05


def _vp_with_persons(n_persons: int, seed: int) -> pd.DataFrame:
    """Victim-perpetrator shape in the standard's codes: 1-3 perpetrator rows per victim, victim fields per victim."""
    rng = np.random.default_rng(seed)
    vp = load_standard().table("victim_perpetrator")
    rows = rng.choice([1, 2, 3], n_persons, p=[0.5, 0.3, 0.2])
    idx = np.repeat(np.arange(n_persons), rows)
    data: dict[str, np.ndarray] = {"victim": np.array([f"v{i}" for i in range(n_persons)])[idx]}
    for var in vp.variables:
        codes = var.codes
        p = np.linspace(2.0, 1.0, len(codes))
        p /= p.sum()
        if var.name in vp.quasi_identifiers or var.name in ("isForcedLabour", "isSexualExploit"):
            data[var.name] = rng.choice(codes, n_persons, p=p)[idx]  # describes the victim
        else:
            data[var.name] = rng.choice(codes, len(idx), p=p)  # differs between perpetrator rows
    return pd.DataFrame(data).astype("string")


def test_vp_classes_hold_k_distinct_victims_with_the_standards_settings() -> None:
    """Issue 12: counted in rows, a class of 11 VP rows may hold 4 victims; with the person key it holds 11."""
    vp = load_standard().table("victim_perpetrator")
    df = _vp_with_persons(4000, seed=3)
    res = anonymize(df, vp.quasi_identifiers, k=11, columns=vp.kanon_columns, person="victim")
    out = res.table
    assert list(out.columns) == vp.kanon_columns and "victim" not in out.columns
    assert res.report["standard_table"] == "victim_perpetrator" and res.report["persons"] == 4000
    qis = vp.quasi_identifiers
    joined = out.astype(object).fillna(MISSING).assign(victim=df["victim"].astype(object))
    assert int(joined.groupby(qis)["victim"].nunique().min()) >= 11  # pandas recount of distinct victims
    assert pycanon_k(joined.drop_duplicates("victim"), qis) >= 11  # pycanon on one row per victim
    for flag, l in vp.kanon_l_diversity.items():  # isForcedLabour, IP_Relation
        assert res.report["l_diversity"][flag]["l"] == l
        assert pycanon_l(out, qis, flag) >= l
