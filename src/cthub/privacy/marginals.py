"""DP marginals: the Synthetic Data Showcase's mechanism for consistent noisy counts of attribute combinations.

Gopi, Mahabadi and Yekhanin (Microsoft Research, the method behind pac-synth, which CTDC used). Level by level
(k = 1 .. L):

1. candidates V_k: for k = 1 the public domain of each column (or, for a column without one, the values present,
   released only past a delta-calibrated threshold: DP set union, so no value held by few records escapes); for
   k >= 2 the combinations all of whose (k-1)-sub-combinations were released at level k-1;
2. each record's contribution |W_u| = number of candidates it holds; a DP percentile (exponential mechanism, OpenDP
   report-noisy-max) picks the cap Delta_k;
3. counts where each record weighs min(1, Delta_k / |W_u|) (L2 sensitivity sqrt(Delta_k); the paper samples
   Delta_k combinations at random instead, which has the same sensitivity and more variance), plus Gaussian noise
   of scale sigma_k sqrt(Delta_k) from OpenDP; sigma_k follows the accuracy mode's proportions;
4. release the candidates whose noisy count passes a threshold set by the fabrication mode (eta: the expected share
   of released combinations that no record holds).

Then `cthub.privacy.consistency.make_consistent` (post-processing). Privacy is accounted in zCDP with
`cthub.privacy.Budget`: record count (discrete Laplace, pure DP, rho = eps^2 / 2) + percentiles + Gaussians;
(epsilon, delta) is OpenDP's tight conversion. When some column has no public domain, delta is split: half for the conversion, half for the
set-union selection of its values (booked with the length-1 spend, so the stated delta is the total).

delta is the caller's or 1 / (N ln N) from a public bound N (`max_records`), never from the data. The unit is the
person: with at most c = `max_rows_per_person` rows per person, every step runs at row-level rho / c^2 (group
privacy of zCDP), so the stated rho and spends are per person, and the set-union threshold allows for the c rows
one person may hold. Values of privately selected columns that were not released are dropped from the result, so
nothing in it says how many values the data held.

Both the aggregates stage (`cthub.aggregates.dp.dp_aggregates`) and the aggregate-seeded synthesizer run it on
counting codes (`cthub.tables.codes`); they turn `MarginalsError` into their own error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy.accounting import Budget, rho_from_epsilon
from cthub.privacy.consistency import make_consistent, records_floor
from cthub.privacy.contribution import check_spend
from cthub.privacy.noise import discrete_gaussian, discrete_laplace, noisy_argmax
from cthub.privacy.tails import normal_upper_quantile
from cthub.tables.codes import CountCodes
from cthub.tables.counting import Tuple, check_size, count_tuples, iter_keys, tuple_shape
from cthub.tables.errors import TableError
from cthub.tables.selections import to_frame

__all__ = [
    "ACCURACY_MODES",
    "FABRICATION_MODES",
    "QUANTUM",
    "DpMarginals",
    "DpParameters",
    "MarginalsError",
    "contribution_sizes",
    "dp_marginals",
    "measured_counts",
]

ACCURACY_MODES = ("prioritize_long_combinations", "prioritize_short_combinations", "balanced")
#: eta, the tolerated share of fabricated combinations, by fabrication mode ("progressive" goes from 1 to 0.01).
FABRICATION_ETA = {"uncontrolled": 1.0, "balanced": 0.1, "minimize": 0.01}
FABRICATION_MODES = (*FABRICATION_ETA, "progressive")
#: Record weights are whole multiples of 1 / QUANTUM (see step 3).
QUANTUM = 1000


class MarginalsError(TableError):
    """DP marginals cannot run as asked (a parameter out of range, no delta); the message says what to change."""


@dataclass
class DpParameters:
    """The Showcase's (pac-synth's) parameters, same names and defaults except where a comment says otherwise."""

    reporting_length: int = 3
    percentile_percentage: float = 99.0
    percentile_epsilon_proportion: float = 0.01
    #: a mode name, or custom sigma proportions (one per length; smaller means less noise at that length)
    accuracy_mode: str | list[float] = "prioritize_long_combinations"
    number_of_records_epsilon_proportion: float = 0.005
    #: a mode name, or a custom eta (one number, or one per length)
    fabrication_mode: str | float | list[float] = "uncontrolled"

    def validate(self) -> None:
        L = self.reporting_length
        if not isinstance(L, int) or L < 1:
            raise MarginalsError(f"reporting_length must be a whole number >= 1, got {L!r}")
        if not 0 < self.percentile_percentage <= 100:
            raise MarginalsError(f"percentile_percentage must be in (0, 100], got {self.percentile_percentage}")
        for name in ("percentile_epsilon_proportion", "number_of_records_epsilon_proportion"):
            if not 0 < getattr(self, name) < 1:
                raise MarginalsError(f"{name} must be in (0, 1), got {getattr(self, name)}")
        if self.percentile_epsilon_proportion + self.number_of_records_epsilon_proportion >= 1:
            raise MarginalsError("percentile and number-of-records proportions leave no budget for the counts")
        self.sigma_proportions()
        self.etas()

    def sigma_proportions(self) -> list[float]:
        L, mode = self.reporting_length, self.accuracy_mode
        if isinstance(mode, str):
            if mode == "prioritize_long_combinations":
                return [1.0 / k for k in range(1, L + 1)]
            if mode == "prioritize_short_combinations":
                return [k / L for k in range(1, L + 1)]
            if mode == "balanced":
                return [1.0] * L
            raise MarginalsError(f"unknown accuracy_mode {mode!r}; use one of {', '.join(ACCURACY_MODES)} or a list")
        props = [float(p) for p in mode]
        if len(props) != L or any(not p > 0 for p in props):
            raise MarginalsError(f"custom accuracy_mode needs {L} positive sigma proportions, got {mode!r}")
        return props

    def etas(self) -> list[float]:
        L, mode = self.reporting_length, self.fabrication_mode
        if isinstance(mode, str):
            if mode in FABRICATION_ETA:
                return [FABRICATION_ETA[mode]] * L
            if mode == "progressive":
                return [float(10 ** (-2 * (k - 1) / max(L - 1, 1))) for k in range(1, L + 1)]
            raise MarginalsError(f"unknown fabrication_mode {mode!r}; use one of {', '.join(FABRICATION_MODES)}")
        etas = [float(mode)] * L if isinstance(mode, (int, float)) else [float(e) for e in mode]
        if len(etas) != L or any(not 0 < e <= 1 for e in etas):
            raise MarginalsError(f"custom fabrication_mode needs {L} values of eta in (0, 1], got {mode!r}")
        return etas


@dataclass
class DpMarginals:
    """What the algorithm releases: consistent integer counts per column tuple, the noisy record count, privacy."""

    columns: list[str]
    values: list[list[str]]
    counts: dict[Tuple, np.ndarray]  # full shapes, index 0 = missing (always 0)
    records: int
    privacy: dict[str, Any] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """The released counts in the Synthetic Data Showcase's format (`cthub.tables.selections`)."""
        return to_frame(self.columns, self.values, self.counts)


def _percentile(sizes: np.ndarray, max_size: int, q: float, rho: float) -> tuple[int, float]:
    """A DP q-th percentile of per-record contribution sizes (exponential mechanism); returns (Delta, scale)."""
    scale = 1.0 / math.sqrt(2.0 * rho)  # report-noisy-max on scores of sensitivity 1 spends 1 / (2 scale^2)
    hist = np.bincount(np.minimum(sizes, max_size), minlength=max_size + 1)
    cum = np.cumsum(hist)[1:]  # records with size <= c, c = 1 .. max_size
    scores = -np.abs(cum - q / 100.0 * sizes.size)
    return int(noisy_argmax(scores, scale)) + 1, scale


def _union_threshold(sigma: float, delta: float, delta_cap: int, max_items: int, max_rows: int = 1) -> float:
    """Threshold so that a value only one person holds is released with probability <= delta (DP set union).

    One row holding t such values weighs min(1, Delta / t) on each; all t stay below the threshold with
    probability Phi((tau - w) / sigma)^t, which must be >= 1 - delta, for every t the row could hold. A person with
    c > 1 rows holds at most c * max_items such values, each counted at most c (every row weighs at most 1): the
    same product with w = c and t = c * max_items bounds it.
    """
    if max_rows > 1:
        t = max_rows * max_items
        tail = -math.expm1(math.log1p(-delta) / t)
        return float(max_rows) + sigma * float(normal_upper_quantile(tail))
    best = 0.0
    for t in range(1, max_items + 1):
        w = min(1.0, delta_cap / t)
        tail = -math.expm1(math.log1p(-delta) / t)  # 1 - (1 - delta)^(1/t), accurately
        best = max(best, w + sigma * float(normal_upper_quantile(tail)))
    return best


def contribution_sizes(codes_t: np.ndarray, cards: list[int], valid: dict[Tuple, np.ndarray], k: int) -> np.ndarray:
    """Each row's |W_u|: how many of the level-k candidates it holds (`codes_t` is the code matrix transposed)."""
    sizes = np.zeros(codes_t.shape[1], dtype=np.int64)
    for t, key in iter_keys(codes_t, cards, k, only_length=k):
        sizes += valid[t].ravel()[key]
    return sizes


def measured_counts(
    codes: np.ndarray,
    cards: list[int],
    valid: dict[Tuple, np.ndarray],
    k: int,
    cap: int,
    sizes: np.ndarray | None = None,
) -> np.ndarray:
    """The vector the level-k Gaussian measures: weighted counts of the candidates, in whole units of 1/QUANTUM.

    A row weighs floor(QUANTUM min(1, cap / |W_u|)) on each candidate it holds, so its L2 contribution is at most
    QUANTUM sqrt(cap), and a person's c rows at most c QUANTUM sqrt(cap). Whole units let the noise be OpenDP's
    (fast, exact) discrete Gaussian.
    """
    if sizes is None:
        sizes = contribution_sizes(np.ascontiguousarray(codes.T), cards, valid, k)
    weights = np.floor(QUANTUM * np.minimum(1.0, cap / np.maximum(sizes, 1)))
    counts = count_tuples(codes, cards, k, weights=weights, only_length=k)
    tuples = sorted(t for t in valid if len(t) == k)
    flat = np.concatenate([counts[t][valid[t]] for t in tuples]) if tuples else np.zeros(0)
    return np.rint(flat).astype(np.int64)  # sums of whole weights: exact in float64, rint only fixes the type


def _prune_unreleased(
    values: list[list[str]], counts: dict[Tuple, np.ndarray], public: Sequence[bool]
) -> tuple[list[list[str]], dict[Tuple, np.ndarray]]:
    """Drop the values of privately selected columns whose released 1-way count is 0 (post-processing).

    Their list came from the data; kept, it would publish values (and how many there were) that no noisy count
    released.
    """
    keep: dict[int, np.ndarray] = {}
    new_values = [list(v) for v in values]
    for j, is_public in enumerate(public):
        if is_public or (j,) not in counts:
            continue
        released = np.flatnonzero(counts[(j,)][1:] > 0)
        keep[j] = np.concatenate([[0], released + 1])  # slot 0 (missing) stays
        new_values[j] = [values[j][i] for i in released]
    if not keep:
        return new_values, counts
    out: dict[Tuple, np.ndarray] = {}
    for t, arr in counts.items():
        for axis, col in enumerate(t):
            if col in keep:
                arr = np.take(arr, keep[col], axis=axis)
        out[t] = arr
    return new_values, out


def dp_marginals(
    enc: CountCodes,
    epsilon: float,
    delta: float | None = None,
    public: Sequence[bool] | None = None,
    params: DpParameters | None = None,
    on_level: Callable[[int], None] | None = None,
    max_rows_per_person: int = 1,
    max_records: int | None = None,
) -> DpMarginals:
    """Run the algorithm on encoded records. `public[j]` says column j's values are a public domain.

    The records hold at most `max_rows_per_person` rows per person; `delta=None` needs `max_records`.
    """
    params = params or DpParameters()
    params.validate()
    try:
        delta, rows_pp = check_spend(epsilon, delta, max_records, max_rows_per_person)
    except ValueError as exc:
        raise MarginalsError(str(exc)) from exc
    L = params.reporting_length
    n_cols = len(enc.columns)
    if L > n_cols:
        raise MarginalsError(f"length {L} is more than the {n_cols} columns; use --length {n_cols} or less")
    public = [True] * n_cols if public is None else list(public)
    cards = enc.cards
    check_size(n_cols, cards, L)
    codes = enc.codes
    n = codes.shape[0]

    selecting = not all(public)
    delta_conversion = delta / 2 if selecting else delta
    delta_selection = delta / 2 if selecting else 0.0
    # Row-level budget: a person's c rows make every step c^2 times as costly (group privacy of zCDP).
    budget = Budget(rho=rho_from_epsilon(epsilon, delta_conversion) / (rows_pp * rows_pp))

    # 1. the noisy number of records (pure DP per person at eps_n: scale c / eps_n; in zCDP eps^2 / 2)
    eps_n = params.number_of_records_epsilon_proportion * epsilon / rows_pp  # row level
    noisy_n = int(discrete_laplace(np.array([n]), 1.0 / eps_n)[0])
    records = max(noisy_n, 0)
    budget.spend("number of records (discrete Laplace)", eps_n**2 / 2)

    rest = budget.remaining
    rho_q = params.percentile_epsilon_proportion * rest / L
    props = params.sigma_proportions()
    rho_gauss = rest - rho_q * L
    # sigma_k = s * p_k and sum_k 1 / (2 sigma_k^2) = rho_gauss
    s = math.sqrt(sum(1.0 / (2.0 * p * p) for p in props) / rho_gauss)
    sigmas = [s * p for p in props]
    etas = params.etas()

    codes_t = np.ascontiguousarray(codes.T)
    released: dict[Tuple, np.ndarray] = {}  # noisy counts, NaN where not released
    valid_prev: dict[Tuple, np.ndarray] = {}
    levels: list[dict[str, Any]] = []
    for k in range(1, L + 1):
        tuples = list(combinations(range(n_cols), k))
        # candidates V_k
        valid: dict[Tuple, np.ndarray] = {}
        for t in tuples:
            shape = tuple_shape(t, cards)
            if k == 1:
                v = np.ones(shape, dtype=bool)
            else:
                v = np.ones(shape, dtype=bool)
                for j in range(k):
                    v &= np.expand_dims(valid_prev[t[:j] + t[j + 1 :]], j)
            mask = np.zeros(shape, dtype=bool)
            mask[(slice(1, None),) * k] = v[(slice(1, None),) * k]
            valid[t] = mask
        n_candidates = int(sum(int(v.sum()) for v in valid.values()))
        sizes = contribution_sizes(codes_t, cards, valid, k)
        cap, q_scale = _percentile(sizes, len(tuples), params.percentile_percentage, rho_q)
        budget.spend(f"length {k}: {params.percentile_percentage:g}th percentile of contributions", rho_q)
        noise_scale = sigmas[k - 1] * math.sqrt(cap)
        budget.spend(f"length {k}: Gaussian counts (sigma {sigmas[k - 1]:.4g} x sqrt({cap}))"
                     + (" and private value selection" if k == 1 and selecting else ""),
                     1.0 / (2.0 * sigmas[k - 1] ** 2), delta_selection if k == 1 else 0.0)
        flat = measured_counts(codes, cards, valid, k, cap, sizes) if n_candidates else np.zeros(0, dtype=np.int64)
        noisy_flat = discrete_gaussian(flat, noise_scale * QUANTUM) / QUANTUM
        # thresholds
        eta = etas[k - 1]
        if k == 1:
            fab = noise_scale * float(normal_upper_quantile(eta)) if eta < 1 else 0.0
            union = _union_threshold(noise_scale, delta_selection, cap, n_cols, rows_pp) if selecting else 0.0
            thresholds = {t: max(fab, union if not public[t[0]] else 0.0) for t in tuples}
        else:
            prev_released = sum(int(np.isfinite(a).sum()) for tt, a in released.items() if len(tt) == k - 1)
            ratio = min(1.0, prev_released / max(n_candidates, 1))
            tau = noise_scale * float(normal_upper_quantile(eta * ratio)) if eta * ratio < 1 else 0.0
            thresholds = {t: tau for t in tuples}
        level_released = 0
        pos = 0
        new_valid: dict[Tuple, np.ndarray] = {}
        for t in tuples:
            m = int(valid[t].sum())
            vals = noisy_flat[pos : pos + m]
            pos += m
            arr = np.full(valid[t].shape, np.nan)
            keep = vals > max(thresholds[t], 0.5)  # a count that rounds to 0 is not a release
            sub = np.full(m, np.nan)
            sub[keep] = vals[keep]
            arr[valid[t]] = sub
            released[t] = arr
            new_valid[t] = np.isfinite(arr)
            level_released += int(keep.sum())
        valid_prev = new_valid
        level = {
            "length": k, "candidates": n_candidates, "released_before_consistency": level_released,
            "contribution_cap": cap, "percentile_scale": q_scale, "sigma": sigmas[k - 1],
            "noise_scale": noise_scale, "eta": eta,
            "threshold": max(thresholds.values()) if thresholds else 0.0,
        }  # fmt: skip
        if k == 1 and selecting:
            del level["candidates"]  # it would count the values present in the selected columns
        levels.append(level)
        if on_level is not None:
            on_level(k)

    records_noisy = records
    if levels:
        records = max(records, records_floor(released, levels[0]["noise_scale"]))
    consistent = make_consistent(released, records)
    values, consistent = _prune_unreleased([list(v) for v in enc.values], consistent, public)
    privacy: dict[str, Any] = budget.as_dict(delta_conversion, scale=float(rows_pp * rows_pp))
    privacy.update({
        "method": "dp-marginals (Synthetic Data Showcase / pac-synth algorithm)",
        "epsilon_requested": epsilon,
        "delta_selection": budget.delta_spent,
        "rho_row": budget.spent,
        "unit": "person",
        "max_rows_per_person": rows_pp,
        "neighbouring": "add or remove one person (at most max_rows_per_person rows)",
        "records": records,  # the total the published counts agree with
        "records_noisy": records_noisy,  # the noisy count alone (the default delta is derived from it)
        "parameters": {**asdict(params), "columns": list(enc.columns),
                       "public_domain": {c: bool(p) for c, p in zip(enc.columns, public)}},
        "levels": levels,
    })  # fmt: skip
    return DpMarginals(list(enc.columns), values, consistent, records, privacy)
