"""Issue 16 item 3: values that fail private selection keep their meaning ("some other value"), not missing.

At epsilon 1 on the 80k table, citizenship without a public list gained 2,079 spurious missing values: every rare
country that failed the selection was encoded as missing. Now a privately selected column always has an `OTHER`
group (data-independent, so its presence reveals nothing) and those rows land there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cthub.synth import get_synthesizer
from cthub.tables.categories import OTHER


def _table(n_rare: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.choice(["PH", "UA", "MD"], 3000)
    rare = np.array([f"R{i:04d}" for i in range(n_rare)])  # each held by one person: none can pass selection
    country = np.concatenate([common, rare])
    gender = rng.choice(["Female", "Male"], len(country))
    return pd.DataFrame({"citizenship": country, "gender": gender}, dtype="string").sample(frac=1.0, random_state=1)


def test_values_that_fail_selection_become_other_not_missing():
    df = _table()
    model = get_synthesizer("mst").fit(df, epsilon=1.0, delta=1e-6, domain={"gender": ["Female", "Male"]})
    syn = model.sample(len(df), seed=3)
    share_rare = 1500 / len(df)
    # nothing in the real data is missing; before the fix about share_rare (1/3) of the synthetic rows were
    assert syn["citizenship"].isna().mean() < 0.05
    other = (syn["citizenship"] == OTHER).mean()
    assert abs(other - share_rare) < 0.1, other
    # no value that only one person holds is ever published
    assert not syn["citizenship"].dropna().str.match(r"R\d{4}").any()
    assert set(syn["citizenship"].dropna()) <= {"PH", "UA", "MD", OTHER}


def test_a_public_list_still_sends_unknown_values_to_missing():
    """With a public list nothing was selected, so there is no `other` group: values outside it are missing."""
    df = _table(n_rare=200)
    domain = {"gender": ["Female", "Male"], "citizenship": ["PH", "UA", "MD"]}
    model = get_synthesizer("mst").fit(df, epsilon=1.0, delta=1e-6, domain=domain)
    syn = model.sample(len(df), seed=3)
    assert OTHER not in set(syn["citizenship"].dropna())
    assert syn["citizenship"].isna().mean() > 0.02  # the 200 of 3,200 rows outside the list (about 6%)
