"""The Synthetic Data Showcase's DP "aggregate-seeded" synthesizer (what CTDC released with), vectorized.

Fitting is the Showcase's DP-marginals algorithm (`cthub.privacy.marginals`): noisy, thresholded, consistent counts of
every combination of up to `reporting_length` values, with pac-synth's parameters and defaults. That is the only
step that reads records or spends budget. The model keeps those counts and nothing else.

Sampling (post-processing) follows the Showcase's idea that synthetic records are seeded by the aggregates: a value
is drawn with a weight taken from the released counts of the combinations it would form with the values the record
already has, so the synthetic records reproduce the released counts. Unlike pac-synth, which grows one record at a time in a
data-dependent attribute order and returns partial records (more rows than asked), this draws every column for all
records at once, in column order, and returns exactly the rows asked for, each complete (a value or missing in
every column, missing drawn from the part of a parent count its children do not cover):

- whether column c is missing: the median, over the earlier columns the record has values in, of
  P(c missing | that value) = 1 - count(a: x, c: any) / count(a: x) (1-way share for the first column);
- otherwise each (L-1)-subset S of the record's earlier values (at most `max_conditions` subsets, a fixed seeded
  choice per column) gives P(c = v | S) from the released counts, count(S + {c: v}) / count(S); values whose
  combination with S was not released share the remaining mass by their 1-way counts (a back-off: without it the
  thresholds crowd rare values out). v's weight is the `weight_selection_percentile` of these over the subsets
  (pac-synth's parameter name; default 50 here, the median, because it is taken over probabilities);
- a record with fewer earlier values than L-1 uses shorter subsets, down to the 1-way counts; a column with no
  released value stays missing;
- the standard's structural rules (`cthub.synth.rules`) are structural zeros: a value (or missing) that would make
  the record break a rule, given the values it already has, gets weight zero, so no record breaks one.

A seed makes sampling reproducible; the noise (OpenDP) cannot be seeded.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy.marginals import DpParameters, dp_marginals
from cthub.synth.base import Model, SynthError
from cthub.synth.rules import Structure, rules_json
from cthub.synth.sampling import rebalance, systematic_counts
from cthub.tables.codes import StreamingEncoder, prepare_multi
from cthub.tables.errors import TableError

__all__ = ["AggregateSeededModel", "AggregateSeededSynthesizer"]

Tuple = tuple[int, ...]
_CHUNK = 4096  # records per sampling step: bounds memory at about _CHUNK x max_conditions x values floats


class AggregateSeededSynthesizer:
    """DP aggregate-seeded synthesis with the Synthetic Data Showcase's (pac-synth's) parameters and defaults."""

    method = "aggregate-seeded"

    def __init__(
        self,
        reporting_length: int = 3,
        percentile_percentage: float = 99.0,
        percentile_epsilon_proportion: float = 0.01,
        accuracy_mode: str | list[float] = "prioritize_long_combinations",
        number_of_records_epsilon_proportion: float = 0.005,
        fabrication_mode: str | float | list[float] = "uncontrolled",
        weight_selection_percentile: float = 50.0,
        max_conditions: int = 16,
        calibrate: bool = True,
        multi_value: dict[str, str] | None = None,
        columns: list[str] | None = None,
        rules: list[Any] | None = None,
    ) -> None:
        self.params = DpParameters(
            reporting_length=reporting_length,
            percentile_percentage=percentile_percentage,
            percentile_epsilon_proportion=percentile_epsilon_proportion,
            accuracy_mode=accuracy_mode,
            number_of_records_epsilon_proportion=number_of_records_epsilon_proportion,
            fabrication_mode=fabrication_mode,
        )
        try:
            self.params.validate()
        except TableError as exc:
            raise SynthError(str(exc)) from exc
        if not 0 < weight_selection_percentile <= 100:
            raise SynthError(f"weight_selection_percentile must be in (0, 100], got {weight_selection_percentile}")
        if max_conditions < 1:
            raise SynthError(f"max_conditions must be >= 1, got {max_conditions}")
        self.weight_selection_percentile = float(weight_selection_percentile)
        self.max_conditions = int(max_conditions)
        self.calibrate = bool(calibrate)
        self.multi_value = dict(multi_value or {})
        self.columns = list(columns) if columns else None
        self.rules = list(rules) if rules is not None else None

    def _prepare(
        self, df: pd.DataFrame, domain: dict[str, list[str]] | None
    ) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, str]]:
        """Multi-valued cells as canonical sets, and their public atoms expanded to the set categories."""
        columns = self.columns or [str(c) for c in df.columns]
        unknown = [c for c in columns if c not in df.columns]
        if unknown:
            raise SynthError(f"columns not in the input: {', '.join(unknown)}; check the column list")
        try:
            return prepare_multi(df, columns, domain, self.multi_value)
        except TableError as exc:
            raise SynthError(str(exc)) from exc

    def fit(
        self,
        df: pd.DataFrame,
        epsilon: float,
        delta: float | None = None,
        domain: dict[str, list[str]] | None = None,
        max_rows_per_person: int = 1,
        max_records: int | None = None,
    ) -> AggregateSeededModel:
        """Spend (epsilon, delta) per person on DP aggregates of `df` (at most `max_rows_per_person` rows per person);
        columns without a public domain are selected privately. `delta=None` needs `max_records` (1/(N ln N))."""
        if len(df) == 0:
            raise SynthError("the input table has no rows; there is nothing to learn from")
        rules = self.rules if self.rules is not None else getattr(domain, "rules", None)
        frame, dom, multi = self._prepare(df, domain)
        if self.params.reporting_length > frame.shape[1]:
            raise SynthError(
                f"reporting_length {self.params.reporting_length} exceeds the {frame.shape[1]} columns; lower it"
            )
        encoder = StreamingEncoder(list(frame.columns), dom)
        enc = encoder.encoded(encoder.encode(frame))
        public = [c in dom for c in enc.columns]
        try:
            result = dp_marginals(enc, epsilon, delta, public, self.params, max_rows_per_person=max_rows_per_person,
                                  max_records=max_records)
        except TableError as exc:
            raise SynthError(str(exc)) from exc
        privacy = dict(result.privacy)
        privacy["method"] = self.method
        privacy["parameters"] = {
            **privacy["parameters"],
            "weight_selection_percentile": self.weight_selection_percentile,
            "max_conditions": self.max_conditions,
            "calibrate": self.calibrate,
            "multi_value": multi,
        }
        rules = rules_json(rules, list(enc.columns))
        privacy["rules"] = [r["name"] for r in rules]
        return AggregateSeededModel(
            columns=list(enc.columns),
            values=result.values,
            counts=result.counts,
            records=result.records,
            reporting_length=self.params.reporting_length,
            weight_selection_percentile=self.weight_selection_percentile,
            max_conditions=self.max_conditions,
            privacy=privacy,
            rules=rules,
            calibrate=self.calibrate,
        )


def _calibrate(
    probs: np.ndarray, target: np.ndarray, allowed: np.ndarray | None = None, iters: int = 50
) -> np.ndarray:
    """Rake per-row distributions (rows x slots) so their column sums meet `target` scaled to the rows.

    Why: the sampler's per-row weights (medians over subsets of released conditionals, missing rates from
    thresholded pairs) are not the conditionals of one joint distribution, so drawn column by column the records
    drift from the released 1-way counts (1-way error 688 on the 80k benchmark table). Multiplying each slot by a
    common factor until the expected counts meet the released ones keeps every row's relative preferences and its
    zeros (structural ones included). A row whose mass lies only on slots the released counts leave empty (e.g.
    missing in a column no record leaves empty) takes the released distribution instead, within `allowed` (rows x
    slots; the structural zeros): otherwise it could not move, and drawing from an empty row picked the last value.
    Post-processing of released counts only.
    """
    rows = probs.shape[0]
    if rows == 0 or target.sum() <= 0:
        return probs
    goal = target * (rows / target.sum())
    p = probs.copy()
    dead = (p * (goal > 0)).sum(axis=1) <= 0
    if dead.any():
        base = np.broadcast_to(goal / goal.sum(), (int(dead.sum()), len(goal)))
        fill = base * allowed[dead] if allowed is not None else base
        ok = fill.sum(axis=1) > 0
        idx = np.flatnonzero(dead)[ok]
        p[idx] = fill[ok]
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-300)
    # A row whose mass sits on one slot (missing rates of 1 from pairs the thresholds removed) could never move:
    # 1% of the released distribution (within the structural zeros) keeps every released slot reachable.
    spread = np.broadcast_to(goal / goal.sum(), p.shape)
    spread = spread * allowed if allowed is not None else spread
    p = 0.99 * p + 0.01 * spread / np.maximum(spread.sum(axis=1, keepdims=True), 1e-300) * (spread.sum(axis=1) > 0)[:, None]
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-300)
    for _ in range(iters):
        have = p.sum(axis=0)
        ratio = np.divide(goal, have, out=np.ones_like(goal), where=have > 0)
        if np.abs(ratio[have > 0] - 1).max(initial=0.0) < 1e-3:
            break
        p = p * ratio[None, :]
        p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-300)
    return p


class AggregateSeededModel(Model):
    """Released DP combination counts and the recipe to sample records from them."""

    method = "aggregate-seeded"

    def __init__(
        self,
        columns: list[str],
        values: list[list[str]],
        counts: dict[Tuple, np.ndarray],
        records: int,
        reporting_length: int,
        weight_selection_percentile: float,
        max_conditions: int,
        privacy: dict[str, Any],
        rules: list[dict[str, Any]] | None = None,
        calibrate: bool = True,
    ) -> None:
        super().__init__(columns, privacy)
        self.rules = list(rules or [])
        self.calibrate = bool(calibrate)
        self.values = [list(v) for v in values]
        self.counts = {tuple(int(i) for i in t): np.asarray(a, dtype=np.int64) for t, a in counts.items()}
        self.records = int(records)
        self.reporting_length = int(reporting_length)
        self.weight_selection_percentile = float(weight_selection_percentile)
        self.max_conditions = int(max_conditions)

    # ------------------------------------------------------------------ weights

    def _table(self, subset: Tuple, c: int) -> np.ndarray:
        """P(c = v | subset values, c present) as an array (subset values..., v); slot v = 0 is unused (zero).

        Released combinations give count(S + v) / count(S). The mass of values whose combination with S was not
        released (thresholded away) is shared among them in proportion to their 1-way counts, so rare values keep
        their overall frequency instead of being crowded out by common ones (a back-off, as in n-gram models).
        """
        ones = self.counts[(c,)].astype(np.float64)[1:]
        p1 = ones / ones.sum() if ones.sum() > 0 else np.zeros_like(ones)
        if not subset:
            return np.concatenate([[0.0], p1])
        t = tuple(sorted(subset + (c,)))
        arr = self.counts.get(t)
        if arr is None:
            raise SynthError(f"the model has no released counts for column tuple {t}")
        child = np.moveaxis(arr.astype(np.float64), t.index(c), -1)[..., 1:]  # c's axis last, values only
        parent = self.counts[tuple(sorted(subset))].astype(np.float64)
        present = min(ones.sum() / max(self.records, 1), 1.0)
        released = child > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            cond = child / parent[..., None]
            resid = np.clip(present - cond.sum(axis=-1), 0.0, None)
            spare = np.where(released, 0.0, p1).sum(axis=-1)
            backoff = np.where(spare > 0, resid / spare, 0.0)[..., None] * p1
            out = np.where(released, cond, backoff)
        out = np.where(parent[..., None] > 0, out, p1)  # no released count for S at all: no information
        out = np.nan_to_num(out, nan=0.0, posinf=0.0)
        return np.concatenate([np.zeros(out.shape[:-1] + (1,)), out], axis=-1)

    def _missing_rates(self, c: int) -> tuple[float, list[np.ndarray]]:
        """P(c missing) overall, and given each earlier column's value (index by that value; NaN if unknown)."""
        one = self.counts[(c,)][1:].sum()
        overall = float(np.clip(1.0 - one / max(self.records, 1), 0.0, 1.0))
        per_parent = []
        for a in range(c if (0, c) in self.counts else 0):  # reporting length 1 has no pairs
            pair = self.counts[(a, c)].astype(np.float64)[:, 1:].sum(axis=1)
            parent = self.counts[(a,)].astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(parent > 0, np.clip(1.0 - pair / parent, 0.0, 1.0), np.nan)
            rate[0] = np.nan
            per_parent.append(rate)
        return overall, per_parent

    def _column_weights(
        self, codes: np.ndarray, c: int, subsets: list[Tuple], tables: list[np.ndarray]
    ) -> np.ndarray:
        """Value weights (rows x values+1, slot 0 unused) from the given subsets; rows without one get zeros."""
        rows = codes.shape[0]
        width = len(self.values[c]) + 1
        if not subsets or rows == 0:
            return np.zeros((rows, width))
        stack = np.empty((rows, len(subsets), width))
        usable = np.empty((rows, len(subsets)), dtype=bool)
        for i, (s, table) in enumerate(zip(subsets, tables)):
            flat = table.reshape(-1, width)
            if s:
                sub = codes[:, list(s)]
                usable[:, i] = (sub > 0).all(axis=1)
                stack[:, i, :] = flat[np.ravel_multi_index(tuple(sub.T), table.shape[:-1])]
            else:
                usable[:, i] = True
                stack[:, i, :] = flat[0]
        has = np.asarray(usable.any(axis=1))
        n_use = usable.sum(axis=1)
        if self.weight_selection_percentile >= 100 or len(subsets) == 1:
            weights = np.where(usable[:, :, None], stack, -np.inf).max(axis=1)
        elif self.weight_selection_percentile <= 0:
            weights = np.where(usable[:, :, None], stack, np.inf).min(axis=1)
        else:
            stack = np.where(usable[:, :, None], stack, np.inf)
            stack.sort(axis=1)
            pos = np.floor(self.weight_selection_percentile / 100.0 * np.maximum(n_use - 1, 0)).astype(np.int64)
            weights = np.take_along_axis(stack, pos[:, None, None], axis=1)[:, 0, :]
        return np.where(has[:, None], weights, 0.0)

    # ------------------------------------------------------------------ sampling

    def sample(self, n: int, seed: int | None = None) -> pd.DataFrame:
        """Exactly `n` complete records (string dtype, pd.NA for missing); the same seed gives the same rows."""
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise SynthError(f"n must be a whole number >= 0, got {n!r}")
        rng = np.random.default_rng(seed)
        n_cols = len(self.columns)
        struct = Structure(self.rules, self.columns, [[None, *v] for v in self.values])
        L = self.reporting_length
        plans: list[list[tuple[list[Tuple], list[np.ndarray]]]] = []
        missing = [self._missing_rates(c) for c in range(n_cols)]
        for c in range(n_cols):
            by_size = []
            for size in range(min(L - 1, c), -1, -1):
                subsets = list(combinations(range(c), size))
                if len(subsets) > self.max_conditions:
                    pick = np.sort(rng.choice(len(subsets), self.max_conditions, replace=False))
                    subsets = [subsets[i] for i in pick]
                by_size.append((subsets, [self._table(s, c) for s in subsets]))
            plans.append(by_size)
        codes = np.zeros((int(n), n_cols), dtype=np.int64)
        for start in range(0, int(n), _CHUNK):
            block = codes[start : start + _CHUNK]
            rows = block.shape[0]
            for c in range(n_cols):
                # 1. missing or not: median of P(missing | earlier value) over the earlier columns present
                overall, per_parent = missing[c]
                if per_parent:
                    rates = np.column_stack([r[block[:, a]] for a, r in enumerate(per_parent)])
                    known = ~np.isnan(rates).all(axis=1)
                    p_miss = np.full(rows, overall)
                    if known.any():
                        p_miss[known] = np.nanmedian(rates[known], axis=1)
                else:
                    p_miss = np.full(rows, overall)
                # 2. every row's value weights, from the longest subsets that give some value a weight
                weights = np.zeros((rows, len(self.values[c]) + 1))
                todo = np.ones(rows, dtype=bool)
                for subsets, tables in plans[c]:
                    if not todo.any():
                        break
                    idx = np.flatnonzero(todo)
                    w = self._column_weights(block[idx], c, subsets, tables)
                    ok = w.sum(axis=1) > 0
                    weights[idx[ok]] = w[ok]
                    todo[idx[ok]] = False
                # 3. one distribution per row over (missing, values...): missing, else the normalized weights
                wsum = weights.sum(axis=1)
                has = wsum > 0
                probs = np.zeros_like(weights)
                probs[has, 0] = p_miss[has]
                probs[has, 1:] = (1.0 - p_miss[has])[:, None] * weights[has, 1:] / wsum[has, None]
                # No value has weight given the row's values: back off to the released 1-way distribution (it was
                # "missing", which piled hundreds of spurious empty cells onto complete columns).
                one_way = self._one_way_target(c)
                probs[~has] = one_way / one_way.sum() if one_way.sum() > 0 else np.eye(len(one_way))[0]
                allowed = None
                if struct:
                    mask = struct.mask(c, block, set(range(c)))
                    if mask is not None:  # structural zeros: what would break a rule given the row's values so far
                        allowed = mask[1][mask[0]]
                        probs = probs * allowed
                        stuck = probs.sum(axis=1) <= 0  # all its mass was forbidden: the allowed slots evenly
                        probs[stuck] = allowed[stuck]
                if self.calibrate:
                    probs = _calibrate(probs, self._one_way_target(c), allowed)
                totals = probs.sum(axis=1)
                u = rng.random(rows) * totals
                choice = np.minimum((np.cumsum(probs, axis=1) <= u[:, None]).sum(axis=1), probs.shape[1] - 1)
                choice = np.where(totals > 0, choice, 0)  # no mass anywhere: missing
                if self.calibrate and (totals > 0).all():
                    # Fixed proportions: the block's counts are the released 1-way counts scaled to its rows and
                    # rounded systematically, rows moved between values by their own weights (never to a value the
                    # rules forbid them). Independent draws put each count about sqrt(n p (1 - p)) from the released
                    # one (up to ~140 on the 80k table): the rest of the 1-way error after raking.
                    want = systematic_counts(one_way, rows, rng.random())
                    choice = rebalance(choice, probs, np.arange(rows), want, rng, probs > 0)
                block[:, c] = choice
        return self._decode(codes)

    def _one_way_target(self, c: int) -> np.ndarray:
        """Column c's released 1-way counts with missing (records less the values' counts) in slot 0."""
        t = self.counts[(c,)].astype(np.float64).copy()
        t[0] = max(self._total() - t[1:].sum(), 0.0)
        return t

    def _total(self) -> float:
        """The record total missing counts are read against: the released noisy record count before the
        consistency floor, or the largest narrow column sum of released values if that is larger.

        Why not `records`: the consistency step floors it by the released counts, and on the 20k benchmark table at
        epsilon 4 that put it 780 above the truth, so every column gained ~780 spurious missing values (the bulk of
        the old 1-way error). No column's values can add up to more records than there are, so a column sum is a
        lower bound; only columns of at most the median width count, since a wide column's sum carries the noise
        and the fabricated cells of all its values (the country of exploitation's came out 500 above the truth).
        """
        noisy = float(self._privacy.get("records_noisy", self.records) or 0)
        cols = [j for j in range(len(self.values)) if (j,) in self.counts]
        widths = [len(self.values[j]) for j in cols]
        narrow = [j for j, w in zip(cols, widths) if w <= float(np.median(widths))] if cols else []
        best = max((float(self.counts[(j,)][1:].sum()) for j in narrow), default=0.0)
        return max(noisy, best) if max(noisy, best) > 0 else float(self.records)

    def _decode(self, codes: np.ndarray) -> pd.DataFrame:
        out = {}
        for j, col in enumerate(self.columns):
            labels = np.array([None] + self.values[j], dtype=object)
            out[col] = pd.array(labels[codes[:, j]], dtype="string")
        return pd.DataFrame(out, columns=self.columns)

    # ------------------------------------------------------------------ persistence

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        keys = sorted(self.counts, key=lambda t: (len(t), t))
        meta = {
            "tuples": [list(t) for t in keys],
            "records": self.records,
            "reporting_length": self.reporting_length,
            "weight_selection_percentile": self.weight_selection_percentile,
            "max_conditions": self.max_conditions,
            "n_values": [len(v) for v in self.values],
            "rules": self.rules,
            "calibrate": self.calibrate,
        }
        arrays: dict[str, np.ndarray] = {f"t{i}": self.counts[t] for i, t in enumerate(keys)}
        for j, vals in enumerate(self.values):
            arrays[f"values{j}"] = np.array(vals if vals else [""], dtype=str)
        return meta, arrays

    @classmethod
    def _from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> AggregateSeededModel:
        values = [[str(v) for v in arrays[f"values{j}"]][:k] for j, k in enumerate(meta["n_values"])]
        counts = {tuple(t): arrays[f"t{i}"] for i, t in enumerate(meta["tuples"])}
        return cls(
            columns=[],
            values=values,
            counts=counts,
            records=meta["records"],
            reporting_length=meta["reporting_length"],
            weight_selection_percentile=meta["weight_selection_percentile"],
            max_conditions=meta["max_conditions"],
            privacy={},
            rules=meta.get("rules"),
            calibrate=meta.get("calibrate", False),
        )

