"""What a standalone mechanism states about itself must not depend on the data beyond its DP outputs.

The review's method: D and D' = D plus one record; every leaf of the privacy statement that is not a DP output (or
post-processing of one) must be identical for the two. Listed below are the leaves that are DP outputs; anything
else differing (an exact count of values present, a delta computed from the data) is a leak. The canary record holds
a value no one else has in a privately selected column and a ";" in a column that is not multi-valued.
"""

from __future__ import annotations

import fnmatch
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cthub.aggregates import dp_aggregates
from cthub.synth import get_synthesizer, load_model

DOMAIN = {"gender": ["Female", "Male"], "x": ["0", "1"], "y": ["a", "b", "c"]}  # "country" has no public list
#: leaves that are DP outputs or post-processing of them (they may differ between any two runs); candidates of
#: length 2 and up come from the released length-1 counts, those of length 1 from public lists only
NOISY = [
    "records", "records_noisy", "noisy_records", "levels.*.released_before_consistency", "levels.*.contribution_cap",
    "levels.*.threshold", "levels.*.noise_scale", "levels.[!0].candidates", "spends.*.what", "merged_values*", "tree*",
    "triples*",
]  # fmt: skip


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    n = 400
    d = pd.DataFrame({"gender": rng.choice(["Female", "Male"], n), "x": rng.choice(["0", "1"], n),
                      "y": rng.choice(["a", "b", "c"], n), "country": rng.choice(["PH", "UA", "NG"], n)}).astype("string")
    canary = pd.DataFrame([{"gender": "Female;Male", "x": "1", "y": "a", "country": "ZZ"}], dtype="string")
    return d, pd.concat([d, canary], ignore_index=True)


def _leaves(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_leaves(v, f"{prefix}{k}."))
        return out
    if isinstance(obj, list) and obj and all(isinstance(v, (dict, list)) for v in obj):
        out = {}
        for i, v in enumerate(obj):
            out.update(_leaves(v, f"{prefix}{i}."))
        return out
    return {prefix.rstrip("."): obj}


def _fixed(privacy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _leaves(privacy).items() if not any(fnmatch.fnmatch(k, pat) for pat in NOISY)}


def _run(method: str, df: pd.DataFrame) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "dp_aggregates":
            return dp_aggregates(df, 2, epsilon=1.0, delta=1e-6, domain=DOMAIN)[1]
        return get_synthesizer(method).fit(df, epsilon=1.0, delta=1e-6, domain=DOMAIN).privacy


@pytest.mark.parametrize("method", ["dp_aggregates", "aggregate-seeded", "mst"])
def test_statement_is_the_same_on_neighbours(method: str) -> None:
    d, d_prime = _tables()
    a, b = _fixed(_run(method, d)), _fixed(_run(method, d_prime))
    assert a.keys() == b.keys()
    differing = {k for k in a if a[k] != b[k]}
    assert not differing, f"data-dependent leaves: {sorted(differing)}"
    assert a["unit"] == "person" and a["delta"] == 1e-6 and a["max_rows_per_person"] == 1


def test_aggregate_seeded_model_keeps_only_released_values(tmp_path: Path) -> None:
    _, d_prime = _tables()
    model = get_synthesizer("aggregate-seeded").fit(d_prime, epsilon=1.0, delta=1e-6, domain=DOMAIN)
    country = model.values[model.columns.index("country")]
    assert "ZZ" not in country and set(country) <= {"PH", "UA", "NG"}
    path = model.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:
        text = " ".join(str(data[k]) for k in data.files)
    assert "ZZ" not in text and "Female;Male" not in text
    again = load_model(path)
    assert set(again.sample(500, seed=0)["country"].dropna()) <= {"PH", "UA", "NG"}
