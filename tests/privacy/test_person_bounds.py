"""Per person, not per row (issue 12, item 3): a victim-perpetrator table where one victim has m = 1, 3 or 10 rows.

After bounding to c = 3 rows per person, every table a mechanism measures moves by at most c times its per-row L2
sensitivity between the neighbours that differ by that person, and OpenDP's own privacy map of the Gaussian the
mechanism used (its sigma, input distance c x sensitivity) is at most the per-person rho the mechanism states.
Without the bound, the 10-row victim moves the tables further than that: the bound is what keeps the promise.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import opendp.domains as dpd
import opendp.measurements as dpm
import opendp.measures as dpms
import opendp.metrics as dpt
import pandas as pd
import pytest

from cthub.aggregates import dp_aggregates
from cthub.privacy import Budget, bound_contributions, epsilon_from_rho
from cthub.privacy.marginals import QUANTUM, measured_counts
from cthub.standard import load_standard
from cthub.synth import domain_from_standard, get_synthesizer
from cthub.synth.encoding import build_encoder
from cthub.synth.mst import _table
from cthub.tables.codes import encode_frame, prepare_multi

C = 3
COLUMNS = ["gender", "majorityStatus", "isForcedLabour", "IP_Gender", "IP_Relation"]
VICTIM = ["gender", "majorityStatus", "isForcedLabour"]  # the victim's own attributes repeat on each of their rows


def _neighbours(m: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """D: 300 victims with 1-3 perpetrator rows each; D' = D plus a victim with m rows."""
    rng = np.random.default_rng(11)
    rows = []
    for v in range(300):
        victim = {"gender": rng.choice(["Female", "Male"]), "majorityStatus": rng.choice(["Minor", "Adult"]),
                  "isForcedLabour": rng.choice(["0", "1"])}  # fmt: skip
        for _ in range(1 + v % 3):
            rows.append({"victim": f"v{v}", **victim, "IP_Gender": rng.choice(["Female", "Male", "Female;Male"]),
                         "IP_Relation": rng.choice(["FamilyIntimatePartner", "FriendAcquaintance"])})  # fmt: skip
    d = pd.DataFrame(rows, dtype="string")
    target = pd.DataFrame([{"victim": "target", "gender": "Male", "majorityStatus": "Minor", "isForcedLabour": "1",
                            "IP_Gender": "Male", "IP_Relation": "StrangerUnknownOther"}] * m, dtype="string")  # fmt: skip
    return d, pd.concat([d, target], ignore_index=True)


def _bounded(df: pd.DataFrame) -> pd.DataFrame:
    return bound_contributions(df, "victim", C, seed=5)[0].drop(columns=["victim"]).reset_index(drop=True)


def _domain():  # noqa: ANN202 - a Domain
    return domain_from_standard(load_standard().table("victim_perpetrator"), COLUMNS)


def _gaussian_rho(sigma: float, distance: float) -> float:
    """OpenDP's privacy map of its Gaussian mechanism on a float vector under L2 distance."""
    meas = dpm.make_gaussian(dpd.vector_domain(dpd.atom_domain(T=float, nan=False)), dpt.l2_distance(T=float),
                             scale=float(sigma))  # fmt: skip
    return float(meas.map(float(distance)))


def _spend(privacy: dict, text: str) -> float:
    return sum(s["rho"] for s in privacy["spends"] if text in s["what"])


def test_the_schema_says_which_columns_are_sets() -> None:
    dom = _domain()
    assert dom.multi == {"IP_Gender": ";", "IP_Relation": ";"}
    assert "Female;Male" in dom["IP_Gender"] and "gender" not in dom.multi


@pytest.mark.parametrize("m", [1, 3, 10])
def test_mst_measurements_move_by_at_most_c_rows_and_opendp_agrees(m: int) -> None:
    d, d_prime = _neighbours(m)
    dom = _domain()
    bd, bdp = _bounded(d), _bounded(d_prime)
    model = get_synthesizer("mst").fit(bdp, epsilon=2.0, delta=1e-6, domain=dom, max_rows_per_person=C)
    p = model.privacy
    assert p["unit"] == "person" and p["max_rows_per_person"] == C
    assert p["rho_spent"] == pytest.approx(sum(s["rho"] for s in p["spends"]), rel=1e-12)
    assert p["epsilon"] == pytest.approx(epsilon_from_rho(p["rho_spent"], p["delta_conversion"]), rel=1e-9)
    assert p["epsilon"] == pytest.approx(2.0, rel=1e-6)
    assert p["rho_row"] == pytest.approx(p["rho_spent"] / C**2, rel=1e-12)

    enc, _ = build_encoder(bd, COLUMNS, dom, dom.multi, Budget(1.0), 0.0, 0.0)
    x, xp = enc.encode(bd), enc.encode(bdp)
    sizes = enc.sizes
    d_cols = len(COLUMNS)
    one = lambda codes: np.concatenate([np.bincount(codes[:, j], minlength=sizes[j]) for j in range(d_cols)])  # noqa: E731
    change = float(np.linalg.norm(one(xp) - one(x)))
    assert change <= C * math.sqrt(d_cols) + 1e-9
    assert _gaussian_rho(p["sigmas"]["one_way"], C * math.sqrt(d_cols)) <= _spend(p, "1-way marginals") * (1 + 1e-9)

    tree = [tuple(e) for e in p["tree"]]
    assert tree
    two = lambda codes: np.concatenate([_table(codes, list(e), sizes).ravel() for e in tree])  # noqa: E731
    assert float(np.linalg.norm(two(xp) - two(x))) <= C * math.sqrt(len(tree)) + 1e-9
    assert _gaussian_rho(p["sigmas"]["tree"], C * math.sqrt(len(tree))) <= _spend(p, "2-way marginals (tree)") * (
        1 + 1e-9)

    triples = [list(t) for t in p["triples"]]
    if triples:  # each column's family table (3- or 4-way), one per planned clique
        fam = lambda codes: np.concatenate([_table(codes, t, sizes).ravel() for t in triples])  # noqa: E731
        assert float(np.linalg.norm(fam(xp) - fam(x))) <= C * math.sqrt(len(triples)) + 1e-9
        assert _gaussian_rho(p["sigmas"]["triples"], C * math.sqrt(len(triples))) <= _spend(p, "3-way marginals") * (
            1 + 1e-9)

    if m > C:  # unbounded, the victim's repeated attributes move the 1-way tables by m per column
        xu = enc.encode(d_prime.drop(columns=["victim"]))
        xd = enc.encode(d.drop(columns=["victim"]))
        assert float(np.linalg.norm(one(xu) - one(xd))) > C * math.sqrt(d_cols)


@pytest.mark.parametrize("m", [1, 3, 10])
def test_dp_aggregates_measurements_move_by_at_most_c_rows_and_opendp_agrees(m: int) -> None:
    d, d_prime = _neighbours(m)
    dom = _domain()
    bd, bdp = _bounded(d), _bounded(d_prime)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every value is in the standard's lists: no out-of-domain warning
        _, p = dp_aggregates(bdp, 1, epsilon=2.0, delta=1e-6, domain=dom, max_rows_per_person=C)
    assert p["unit"] == "person" and p["max_rows_per_person"] == C
    assert p["parameters"]["multi_value"] == {"IP_Gender": ";", "IP_Relation": ";"}
    assert p["epsilon"] == pytest.approx(2.0, rel=1e-6)
    level = p["levels"][0]
    cap = level["contribution_cap"]

    def measured(df: pd.DataFrame) -> np.ndarray:
        frame, edom, _ = prepare_multi(df, COLUMNS, dom)
        enc = encode_frame(frame, None, edom)
        valid = {}
        for j, card in enumerate(enc.cards):
            mask = np.zeros(card + 1, dtype=bool)
            mask[1:] = True
            valid[(j,)] = mask
        return measured_counts(enc.codes, enc.cards, valid, 1, cap).astype(float)

    sensitivity = QUANTUM * math.sqrt(cap)  # one row's L2 contribution, in the measured units
    assert float(np.linalg.norm(measured(bdp) - measured(bd))) <= C * sensitivity + 1e-9
    gauss = _gaussian_rho(level["noise_scale"] * QUANTUM, C * sensitivity)
    assert gauss <= _spend(p, "length 1: Gaussian counts") * (1 + 1e-9)
    noisy_max = dpm.make_noisy_max(dpd.vector_domain(dpd.atom_domain(T=float, nan=False)), dpt.linf_distance(T=float),
                                   dpms.zero_concentrated_divergence(), scale=level["percentile_scale"])  # fmt: skip
    assert float(noisy_max.map(float(C))) <= _spend(p, "percentile") * (1 + 1e-9)
    if m > C:
        assert float(np.linalg.norm(measured(d_prime.drop(columns=["victim"])) - measured(d.drop(columns=["victim"])))) \
            > C * sensitivity


def test_aggregate_seeded_states_the_person_bound() -> None:
    _, d_prime = _neighbours(3)
    model = get_synthesizer("aggregate-seeded", reporting_length=2).fit(
        _bounded(d_prime), epsilon=2.0, delta=1e-6, domain=_domain(), max_rows_per_person=C)
    p = model.privacy
    assert p["unit"] == "person" and p["max_rows_per_person"] == C
    assert p["rho_row"] == pytest.approx(p["rho_spent"] / C**2, rel=1e-12)
    assert set(model.sample(200, seed=0)["IP_Gender"].dropna()) <= {"Female", "Male", "Female;Male"}
