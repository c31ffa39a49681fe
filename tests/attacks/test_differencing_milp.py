"""The differencing attack of the review (issue 11, finding 4): an integer program over threshold aggregates.

The attacker knows the published cells (each true count lies in [p, p + R - 1]), that every other combination of
the domain was suppressed or empty (its count lies in [0, effective_threshold - 1]), and n (public in classic: the
number of rows of the k-anonymized file). Over a few columns, the unknowns are the full joint table including a
"none" value per column (missing, or "*" in a k-anonymized file); each published or suppressed selection is the sum
of the joint cells it covers. For each suppressed cell, HiGHS (scipy's `milp`) minimizes and maximizes it: min == max
means the attacker knows the exact small count.

Under the classic profile's aggregates (counted from the k-anonymized file, resolution 10) no cell is pinned. With
resolution 1 on the raw records, which the code now refuses, cells are pinned to their true counts: the attack works,
so the first test could fail.
"""

from __future__ import annotations

import time
from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from cthub.aggregates import exact_aggregates
from cthub.aggregates.threshold import classic_aggregates, effective_threshold
from cthub.sample.benchmark_table import make_benchmark_table
from cthub.standard import load_standard
from tests.aggregates.helpers import as_dict

K, R = 11, 10
SAMPLE = 25  # suppressed cells attacked per column set (both directions each)


class Model:
    """The attacker's integer program over the joint table of `columns` (each with a trailing "none" value)."""

    def __init__(self, published: dict, domains: dict[str, list[str]], columns: list[str], n: int, width: int,
                 hidden_max: int, length: int) -> None:
        self.columns = columns
        sizes = [len(domains[c]) + 1 for c in columns]  # last index = none (missing or "*")
        cells = np.array(list(np.ndindex(*sizes)), dtype=np.int64)  # joint cell -> value index per column
        rows, lo, hi, self.targets = [], [], [], []
        for size in range(1, min(length, len(columns)) + 1):
            for subset in combinations(range(len(columns)), size):
                for values in product(*[range(len(domains[columns[j]])) for j in subset]):
                    mask = np.all(cells[:, list(subset)] == np.array(values), axis=1)
                    key = frozenset((columns[j], domains[columns[j]][v]) for j, v in zip(subset, values))
                    p = published.get(key)
                    rows.append(mask.astype(float))
                    if p is None:
                        lo.append(0), hi.append(hidden_max)
                        self.targets.append((key, len(rows) - 1))
                    else:
                        lo.append(p), hi.append(p + width - 1)
        rows.append(np.ones(len(cells)))  # n
        lo.append(n), hi.append(n)
        self.a = csr_matrix(np.array(rows))
        self.constraint = LinearConstraint(self.a, np.array(lo, float), np.array(hi, float))
        self.bounds = Bounds(np.zeros(len(cells)), np.full(len(cells), float(n)))
        self.integrality = np.ones(len(cells))

    def bounds_of(self, row: int) -> tuple[int, int]:
        c = self.a.getrow(row).toarray().ravel()
        out = []
        for sign in (1.0, -1.0):
            res = milp(sign * c, constraints=self.constraint, integrality=self.integrality, bounds=self.bounds)
            assert res.success, res.message  # the true table is feasible, so the program must be
            out.append(round(sign * res.fun))
        return out[0], out[1]


def _published(frame: pd.DataFrame) -> dict:
    return {frozenset(key): count for key, count in as_dict(frame).items()}


def _attack(published: dict, truth: dict, domains: dict, column_sets: list[list[str]], n: int, width: int,
            hidden_max: int, length: int, seed: int) -> tuple[list, int]:
    """(pinned cells as (key, value), cells attacked); every bound is checked against the truth (a sound attack)."""
    rng = np.random.default_rng(seed)
    pinned, attacked = [], 0
    for cols in column_sets:
        model = Model(published, domains, cols, n, width, hidden_max, length)
        picks = rng.permutation(len(model.targets))[:SAMPLE]
        for i in picks:
            key, row = model.targets[i]
            low, high = model.bounds_of(row)
            true = truth.get(key, 0)
            assert low <= true <= high
            attacked += 1
            if low == high:
                pinned.append((key, low))
    return pinned, attacked


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return make_benchmark_table(40_000, 0)


def test_no_suppressed_cell_is_pinned_under_the_classic_aggregates(raw: pd.DataFrame) -> None:
    from cthub.deid import anonymize

    started = time.perf_counter()
    victims = load_standard().table("victims")
    qis = [q for q in victims.quasi_identifiers if q in raw.columns]
    kanon = anonymize(raw, qis, k=K, columns=victims.kanon_columns).table
    cols = list(kanon.columns)
    published = _published(classic_aggregates(kanon, 3, threshold=K, resolution=R, columns=cols))
    file = kanon.astype(object).where(lambda f: f != "*")
    truth = {frozenset(k): v for k, v in as_dict(exact_aggregates(kanon.mask((kanon == "*").fillna(False)), 3)).items()}
    domains = {c: sorted(file[c].dropna().unique()) for c in cols}
    varied = [c for c in cols if len(domains[c]) >= 2]
    # four columns at a time: the program sees every 1-, 2- and 3-way cell among them (the file is coarse, so
    # fewer columns leave almost nothing suppressed to attack)
    wanted = (("yearOfRegistration", "citizenship", "CountryOfExploitation", "ageBroad"),
              ("yearOfRegistration", "gender", "CountryOfExploitation", "isForcedLabour"),
              ("citizenship", "CountryOfExploitation", "isSexualExploit", "gender"))
    sets = [s for s in ([c for c in cols_ if c in varied] for cols_ in wanted) if len(s) >= 2]
    assert sets
    pinned, attacked = _attack(published, truth, domains, sets, len(kanon), R, effective_threshold(K, R), 3, seed=1)
    assert attacked >= 20  # the attack really ran on suppressed cells
    assert pinned == []
    assert time.perf_counter() - started < 60


def test_with_resolution_1_on_raw_records_the_attack_pins_cells(raw: pd.DataFrame) -> None:
    """What the code now refuses (resolution 1 over the raw records) lets the same program recover exact counts."""
    cols = ["yearOfRegistration", "Datasource", "CountryOfExploitation"]
    exact = {frozenset(k): v for k, v in as_dict(exact_aggregates(raw, 3, columns=cols)).items()}
    published = {k: v for k, v in exact.items() if v >= K}  # resolution 1: every count >= K exactly
    domains = {c: sorted(raw[c].dropna().unique()) for c in cols}
    pinned, attacked = _attack(published, exact, domains, [cols[:2], [cols[0], cols[2]]], len(raw), 1, K, 3, seed=2)
    assert attacked >= 20
    assert len(pinned) >= 3  # exact small counts recovered (3 of the 50 sampled cells with these seeds)
    assert all(value == exact.get(key, 0) for key, value in pinned)
