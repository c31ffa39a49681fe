"""`mst`, cthub's default DP synthesizer: an MST-style tree of 2-way marginals, extended so every column gets a
clique of 3 or 4 columns (a Bayesian network of in-degree up to 1 + `extra_parents`), in plain numpy.

Why this shape: the Synthetic Data Showcase measures every short combination and its synthetic rows drift from them;
MST (McKenna et al. 2021) measures few marginals well but a tree cannot carry 3-way structure. Giving every column
one or two further, privately chosen parents keeps the model samplable in one ancestral pass (fast, exactly n rows,
seeded) while its larger cliques carry the interactions a tree misses.

Steps and the budget split (zCDP, rho from the requested (epsilon, delta); weights are `split`, defaults below, over
what is left after the optional record count and value selection):
  0. delta is the caller's, or 1/(N ln N) from a public bound N (`max_records`), never from the data. Columns
     without a public domain get their values selected privately (5% of rho; `delta_selection` = 10% of delta,
     booked with that spend; see `encoding`).
  1. `one_way` (40%): every column's histogram with discrete Gaussian noise; rare categories merged by these noisy
     counts; they also give the noisy total used as the default number of rows.
  2. `select_tree` (5%): a maximum spanning tree, one exponential-mechanism step (`noisy_argmax`) per edge, scoring
     a pair by the L1 distance between its true 2-way table and the independence estimate (sensitivity 1).
  3. `measure_tree` (25%): the tree's 2-way tables with discrete Gaussian noise.
  4. `select_triples` (5%): for each column (in tree order) a set of 1..`extra_parents` further parents among
     earlier columns (table at most `max_cells_triple` cells; with many columns, among the `candidate_window`
     earlier columns nearest in the tree), one `noisy_argmax` per column on
     |T(family, c) - T(family) P(c | tree parent)|_1 (sensitivity 2) less what chance and noise give that width.
  5. `measure_triples` (25%): each column's family table (3- or 4-way) with discrete Gaussian noise.
The last spend takes exactly what remains, so the spends sum to rho and the stated epsilon is the requested one.
Per person: with at most c = `max_rows_per_person` rows per person every step runs at row-level rho / c^2, so the
stated rho (and every spend) is per person (group privacy of zCDP); selection thresholds allow for c rows.

Estimation (post-processing): small noisy cells (below `zero_below` sigmas) are set to zero, negatives clipped,
1-way estimates pooled by inverse variance from every measurement that contains them, and each 2-way / 3-way table
raked (iterative proportional fitting) to margins that agree, so the model's marginals are mutually consistent;
each conditional is finally scaled so the model's 1-way marginal (on a reference sample) meets the pooled estimate.
Sampling draws each column from its conditional table given its parents, vectorized, with a seeded numpy Generator,
then moves rows between its categories until its counts meet the pooled 1-way estimate (`rebalance`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy import (
    Budget,
    check_spend,
    discrete_gaussian,
    epsilon_from_rho,
    multi_columns,
    noisy_argmax,
    noisy_argmax_rho,
    rho_from_epsilon,
)
from cthub.synth.base import Model, SynthError
from cthub.synth.encoding import build_encoder
from cthub.synth.rules import Structure, rules_json
from cthub.synth.sampling import rebalance, systematic_counts
from cthub.tables.categories import Encoder

__all__ = ["DEFAULT_SPLIT", "MSTModel", "MSTSynthesizer", "rebalance", "systematic_counts"]

# Why 40% on the 1-way tables (was 10%): every table is raked to the pooled 1-way estimates and sampled columns are
# moved to them, so they steer every length; on the 5k and 80k benchmark tables at epsilon 0.5, 1 and 4 this split
# cut the 1-way error by a third to a half with 2- and 3-way errors equal or lower (OpenDP's MST spends half of its
# budget there). Measured with benchmarks/synth.py (issue 16).
DEFAULT_SPLIT: dict[str, float] = {
    "one_way": 0.40,
    "select_tree": 0.05,
    "measure_tree": 0.25,
    "select_triples": 0.05,
    "measure_triples": 0.25,
}
SELECTION_SHARE = 0.05  # of rho, for choosing values of columns without a public domain
SELECTION_DELTA_SHARE = 0.10  # of delta, the chance a value only one record holds passes selection

Progress = Callable[[str, float], None]


def _noop(_: str, __: float) -> None:
    return None


class MSTSynthesizer:
    """The default method. Parameters are public and recorded in the model's `privacy["parameters"]`.

    columns: which columns to synthesize (default: all of the input's). multi_value: column -> separator of
    multi-valued columns. split: budget weights (keys of DEFAULT_SPLIT; `three_way=False` drops the triple steps).
    max_cells: largest 2-way / 3-way table measured (bigger ones are never candidates). merge_below: 1-way
    categories whose noisy count is below this many sigmas are merged. zero_below: noisy cells below this many
    sigmas are treated as zero.
    """

    method = "mst"

    def __init__(
        self,
        columns: list[str] | None = None,
        multi_value: dict[str, str] | None = None,
        split: dict[str, float] | None = None,
        three_way: bool = True,
        max_cells: int = 20_000,
        max_cells_triple: int = 8_000,
        extra_parents: int = 2,
        candidate_window: int = 16,
        merge_below: float = 3.0,
        zero_below: float = 0.5,
        progress: Progress | None = None,
        rules: list[Any] | None = None,
    ) -> None:
        self.columns = list(columns) if columns else None
        self.multi_value = dict(multi_value or {})
        split = dict(split or DEFAULT_SPLIT)
        if not three_way:
            split.pop("select_triples", None)
            split.pop("measure_triples", None)
        unknown = set(split) - set(DEFAULT_SPLIT)
        if unknown or not split or any(v <= 0 for v in split.values()):
            raise SynthError(f"split needs positive weights for {', '.join(DEFAULT_SPLIT)}; got {split}")
        self.split = split
        self.three_way = "measure_triples" in split
        self.max_cells = int(max_cells)
        self.max_cells_triple = int(max_cells_triple)
        self.extra_parents = int(extra_parents)
        self.candidate_window = int(candidate_window)
        self.merge_below = float(merge_below)
        self.zero_below = float(zero_below)
        self.progress = progress or _noop
        self.rules = list(rules) if rules is not None else None

    def parameters(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "multi_value": self.multi_value,
            "split": self.split,
            "three_way": self.three_way,
            "max_cells": self.max_cells,
            "max_cells_triple": self.max_cells_triple,
            "extra_parents": self.extra_parents,
            "candidate_window": self.candidate_window,
            "merge_below": self.merge_below,
            "zero_below": self.zero_below,
            "neighbouring": "add/remove one person (at most max_rows_per_person rows)",
        }

    # ------------------------------------------------------------------ fit

    def fit(
        self,
        df: pd.DataFrame,
        epsilon: float,
        delta: float | None = None,
        domain: dict[str, list[str]] | None = None,
        max_rows_per_person: int = 1,
        max_records: int | None = None,
    ) -> MSTModel:
        """Spend (epsilon, delta) per person on `df` and return the fitted model (steps: the module docstring).

        `df` must hold at most `max_rows_per_person` rows per person (`cthub.privacy.bound_contributions`).
        `delta=None` needs `max_records`, a public bound N on the records (delta = 1/(N ln N)).
        """
        try:
            delta, rows_pp = check_spend(epsilon, delta, max_records, max_rows_per_person)
        except ValueError as exc:
            raise SynthError(str(exc)) from exc
        columns = self.columns or [str(c) for c in df.columns]
        if len(columns) == 0:
            raise SynthError("no columns to synthesize")
        multi = {c: sep for c, sep in multi_columns(domain, self.multi_value).items() if c in columns}
        # Structural rules (public): the caller's, else the standard's that `domain_from_standard` attached.
        rules = rules_json(self.rules if self.rules is not None else getattr(domain, "rules", None), columns)
        rule_cols = {columns.index(c) for r in rules for c, _, _ in r["clauses"]}
        domain = dict(domain or {})
        needs_selection = any(c not in domain for c in columns)

        # 0. the total rho per person, and the row-level budget every step draws from (rho / c^2).
        delta_selection = delta * SELECTION_DELTA_SHARE if needs_selection else 0.0
        delta_conversion = delta - delta_selection
        rho_person = rho_from_epsilon(epsilon, delta_conversion)
        budget = Budget(rho=rho_person / (rows_pp * rows_pp))
        self.progress("budget", 0.05)

        # Values and encoding.
        encoder, selection = build_encoder(
            df, columns, domain, multi, budget, SELECTION_SHARE * budget.rho, delta_selection, rows_pp
        )
        x = np.asfortranarray(encoder.encode(df))  # column-major: every contingency table reads whole columns
        d = x.shape[1]
        self.progress("encode", 0.1)
        weights = {k: v / sum(self.split.values()) for k, v in self.split.items()}
        pool = budget.remaining
        share = {k: w * pool for k, w in weights.items()}

        # 1. One-way histograms.
        rho1 = budget.spend("1-way marginals", share["one_way"])
        sigma1 = math.sqrt(d / (2 * rho1))
        sizes = encoder.sizes
        one_way = _noisy_tables([np.bincount(x[:, j], minlength=sizes[j]) for j in range(d)], sigma1)
        for j in range(d):
            if j in rule_cols:  # a merged group could hold an allowed and a forbidden value: keep rule columns whole
                continue
            mapping = encoder.merge_rare(j, one_way[j][:-1], self.merge_below * sigma1)
            if mapping.max() < len(mapping) - 1:
                x[:, j] = mapping[x[:, j]]
                one_way[j] = np.bincount(mapping, weights=one_way[j], minlength=mapping.max() + 1)
        sizes = encoder.sizes
        struct = _structure(encoder, rules)
        n_hat = max(float(np.median([h.sum() for h in one_way])), 1.0)
        self.progress("1-way marginals", 0.2)

        # 2. Tree selection.
        edges = self._select_tree(x, sizes, one_way, n_hat, budget, share["select_tree"])
        self.progress("tree selected", 0.35)

        # 3. Tree measurement. Which 3-way cliques are possible depends only on the tree and public sizes, so it is
        # known now: without any, the tree measurement takes what the triple steps would have had.
        order, parent = _orient(d, edges, sizes)
        tree_edges = [(parent[c], c) for c in order if parent[c] >= 0]
        plans = self._triple_plans(order, parent, sizes) if self.three_way else []
        two_way: dict[tuple[int, int], np.ndarray] = {}
        sigma2 = float("nan")
        if tree_edges:
            rho2 = share["measure_tree"] if plans else budget.remaining
            budget.spend("2-way marginals (tree)", rho2)
            sigma2 = math.sqrt(len(tree_edges) / (2 * rho2))
            noisy = _noisy_tables([_table(x, [p, c], sizes) for p, c in tree_edges], sigma2)
            two_way = dict(zip(tree_edges, noisy))
        self.progress("2-way measured", 0.5)

        # Estimation of the tree.
        marg = _pool_one_way(one_way, sigma1, two_way, sigma2, sizes, n_hat)
        cpts: dict[int, np.ndarray] = {}
        parents: dict[int, list[int]] = {}
        for c in order:
            if parent[c] < 0:
                cpts[c] = marg[c] / marg[c].sum()
                parents[c] = []
            else:
                p = parent[c]
                t = _rake(_denoise(two_way[(p, c)], sigma2, self.zero_below), [marg[p], marg[c]], [(0,), (1,)],
                          forbid=struct.forbidden(sizes, [p, c]))
                cpts[c] = _conditional(t, marg[c])
                parents[c] = [p]

        # 4-5. Triples.
        triple_report: list[list[int]] = []
        sigma3 = float("nan")
        if plans:
            rho_sel = share["select_triples"]
            budget.spend("3-way clique selection", rho_sel)
            rho3 = budget.spend("3-way marginals", budget.remaining)
            sigma3 = math.sqrt(len(plans) / (2 * rho3))
            scale = _argmax_scale(rho_sel / len(plans), sensitivity=2.0)
            by_child = {c: (p1, cands) for c, p1, cands in plans}
            # A reference sample from the model so far predicts each candidate 3-way table (post-processing only).
            # Columns are redrawn in order as their conditionals become final, so the columns a step reads always
            # follow the final model.
            ref_rng = np.random.default_rng(0)
            n_ref = int(min(max(4 * n_hat, 2_000), 200_000))
            ref = _sample_codes(order, parents, cpts, sizes, n_ref, ref_rng, struct)
            done = 0
            for position, c in enumerate(order):
                drawn = set(order[:position])
                if c in by_child:
                    p1, cands = by_child[c]
                    pc = _rake(_denoise(two_way[(p1, c)], sigma2, self.zero_below), [marg[p1], marg[c]], [(0,), (1,)],
                               forbid=struct.forbidden(sizes, [p1, c]))
                    # Score: how far c is from depending on p1 alone once q is known, |T(p1,q,c) - T(p1,q) P(c|p1)|,
                    # in true counts (sensitivity 2: one record moves one cell of each table by 1), less what
                    # chance and the measurement noise alone would give a table this wide.
                    scores = []
                    for extra in cands:
                        fam = [p1, *extra]
                        true = _table(x, [*fam, c], sizes).astype(float)
                        model = true.sum(axis=-1)[..., None] * _lift(cpts[c], len(fam))
                        cells = true.size
                        penalty = _chance_l1(n_hat, cells) + 0.8 * sigma3 * cells
                        scores.append(float(np.abs(true - model).sum()) - penalty)
                    extra = cands[noisy_argmax(np.asarray(scores), scale)]
                    fam = [p1, *extra]
                    noisy_family = discrete_gaussian(_table(x, [*fam, c], sizes), sigma3).astype(float)
                    pq = _table(ref, fam, sizes) * (n_hat / n_ref)
                    m = len(fam)
                    t = _rake(_denoise(noisy_family, sigma3, self.zero_below), [pq, pc], [tuple(range(m)), (0, m)],
                              forbid=struct.forbidden(sizes, [*fam, c]))
                    cpts[c] = _conditional_family(t, cpts[c])
                    parents[c] = fam
                    triple_report.append([*fam, c])
                    done += 1
                    self.progress("3-way cliques", 0.5 + 0.45 * done / len(plans))
                if parents[c]:
                    mask = struct.mask(c, ref, drawn) if struct else None
                    ref[:, c] = _draw(cpts[c], [ref[:, p] for p in parents[c]], ref_rng, mask=mask)
                    # Calibrate: conditionals from thresholded, raked tables can drift from the pooled 1-way
                    # estimate; scale the child's categories until the model's marginal (on the reference sample)
                    # meets it. Post-processing of noisy estimates only.
                    target = marg[c] / marg[c].sum()
                    for _ in range(3):
                        have = np.bincount(ref[:, c], minlength=sizes[c]) / n_ref
                        ratio = np.divide(target, have, out=np.ones_like(target), where=have > 0)
                        if np.abs(ratio - 1).max() < 0.002:
                            break
                        cond = cpts[c] * ratio
                        cpts[c] = cond / cond.sum(axis=-1, keepdims=True)
                        ref[:, c] = _draw(cpts[c], [ref[:, p] for p in parents[c]], ref_rng, mask=mask)
        if budget.remaining > 0:  # only when no pair of columns fits max_cells: nothing to spend it on, say so
            budget.spend("unused (no table fits max_cells)", budget.remaining)

        scale = float(rows_pp * rows_pp)  # group privacy: row-level rho x c^2 is the per-person rho
        spent_epsilon = _epsilon_from_rho(budget.spent * scale, delta_conversion)
        privacy = {
            "method": self.method,
            "epsilon": spent_epsilon,
            "epsilon_requested": epsilon,
            "delta": delta_conversion + budget.delta_spent,
            "delta_conversion": delta_conversion,
            "delta_selection": budget.delta_spent,
            "rho": budget.rho * scale,
            "rho_spent": budget.spent * scale,
            "rho_row": budget.spent,
            "unit": "person",
            "max_rows_per_person": rows_pp,
            "spends": budget.spend_list(scale),
            "noisy_records": round(n_hat),
            "sigmas": {"one_way": sigma1, "tree": sigma2, "triples": sigma3},
            "value_selection": selection,
            "tree": [[int(p), int(c)] for p, c in tree_edges],
            "triples": triple_report,
            "merged_values": {c.name: len(c.merged) for c in encoder.codecs if c.merged},
            "rules": [r["name"] for r in rules],
            "parameters": {**self.parameters(), "multi_value": multi},
            "note": "sampling any number of rows from this model is post-processing and costs no more privacy",
        }
        self.progress("done", 1.0)
        targets = {c: marg[c] / max(float(marg[c].sum()), 1e-12) for c in order}
        return MSTModel(encoder, order, parents, cpts, n_hat, privacy, rules, targets)

    def _triple_plans(
        self, order: list[int], parent: list[int], sizes: list[int]
    ) -> list[tuple[int, int, list[tuple[int, ...]]]]:
        """(child, tree parent, candidate sets of further parents) for every column that can get a bigger clique.

        A candidate is 1 to `extra_parents` earlier columns whose table with the child and its tree parent has at
        most `max_cells_triple` cells (public sizes only).
        """
        plans = []
        d = len(parent)
        neighbours: list[list[int]] = [[] for _ in range(d)]
        for child, par in enumerate(parent):
            if par >= 0:
                neighbours[child].append(par)
                neighbours[par].append(child)
        for position, c in enumerate(order):
            p1 = parent[c]
            if p1 < 0:
                continue
            earlier = [q for q in order[:position] if q != p1]
            if len(earlier) > self.candidate_window:
                # Many columns: only the `candidate_window` earlier columns nearest to c in the (already private)
                # tree are candidates, so the work grows as d * window^2 instead of d^3. The tree is a DP output,
                # so this choice is post-processing; the noisy argmax costs the same over any candidate set.
                dist = _tree_distances(neighbours, c)
                earlier = sorted(earlier, key=lambda q: (dist[q], order.index(q)))[: self.candidate_window]
            base = sizes[p1] * sizes[c]
            cands: list[tuple[int, ...]] = []
            for size in range(1, self.extra_parents + 1):
                for combo in combinations(earlier, size):
                    if base * math.prod(sizes[q] for q in combo) <= self.max_cells_triple:
                        cands.append(combo)
            if cands:
                plans.append((c, p1, cands))
        return plans

    def _select_tree(
        self,
        x: np.ndarray,
        sizes: list[int],
        one_way: list[np.ndarray],
        n_hat: float,
        budget: Budget,
        rho: float,
    ) -> list[tuple[int, int]]:
        """Kruskal by the exponential mechanism: each step picks, among pairs joining two components, a pair with a
        large L1 gap between its true 2-way table and the independence estimate from the noisy 1-way tables."""
        d = len(sizes)
        if d < 2:
            budget.spend("tree selection (one column: nothing to select)", rho)
            return []
        probs = [np.clip(h, 0, None) / max(np.clip(h, 0, None).sum(), 1.0) for h in one_way]
        pairs = [(i, j) for i in range(d) for j in range(i + 1, d) if sizes[i] * sizes[j] <= self.max_cells]
        scores = {}
        for i, j in pairs:
            true = _table(x, [i, j], sizes)
            est = n_hat * np.outer(probs[i], probs[j])
            # Minus what chance alone gives a table this wide (a public function of its size), so wide tables
            # do not win on sampling noise: subtracting a constant keeps the sensitivity at 1.
            scores[(i, j)] = float(np.abs(true - est).sum()) - _chance_l1(n_hat, sizes[i] * sizes[j])
        budget.spend("2-way selection (spanning tree)", rho)
        comp = list(range(d))

        def find(a: int) -> int:
            while comp[a] != a:
                comp[a] = comp[comp[a]]
                a = comp[a]
            return a

        # The number of rounds is public (d-1, or fewer if max_cells leaves the pair graph disconnected).
        rounds = _spanning_rounds(d, pairs)
        if rounds == 0:
            return []
        scale = _argmax_scale(rho / rounds)
        edges: list[tuple[int, int]] = []
        for _ in range(rounds):
            cands = [(i, j) for i, j in pairs if find(i) != find(j)]
            k = noisy_argmax(np.asarray([scores[e] for e in cands]), scale)
            i, j = cands[k]
            comp[find(i)] = find(j)
            edges.append((i, j))
        return edges


# ---------------------------------------------------------------------- helpers (pure, post-processing)


def _noisy_tables(tables: list[np.ndarray], sigma: float) -> list[np.ndarray]:
    """Discrete Gaussian noise on several count tables in one OpenDP call (same sigma; the caller accounts for the
    joint sensitivity), returned as float tables of the same shapes."""
    flat = discrete_gaussian(np.concatenate([t.ravel() for t in tables]), sigma).astype(float)
    out, start = [], 0
    for t in tables:
        out.append(flat[start : start + t.size].reshape(t.shape))
        start += t.size
    return out


@lru_cache(maxsize=128)
def _epsilon_from_rho(rho: float, delta: float) -> float:
    return epsilon_from_rho(rho, delta)


def _chance_l1(n: float, cells: int) -> float:
    """Roughly the L1 gap sampling noise alone puts between a table of n records over `cells` cells and its
    expectation (Cauchy-Schwarz bound of sum sqrt(2/pi) sqrt(n p_i))."""
    return 0.8 * math.sqrt(max(n, 1.0) * cells)


def _argmax_scale(rho: float, sensitivity: float = 1.0) -> float:
    """Gumbel scale of a noisy_argmax on scores of this sensitivity spending `rho` (checked against OpenDP's map)."""
    scale = sensitivity / math.sqrt(2.0 * rho)
    for _ in range(60):  # OpenDP's map may round up: widen the scale until its stated cost fits
        if noisy_argmax_rho(sensitivity, scale) <= rho * (1 + 1e-12):
            return scale
        scale *= 1.0 + 1e-9
    raise SynthError("could not size the exponential mechanism's noise")  # pragma: no cover


def _spanning_rounds(d: int, pairs: list[tuple[int, int]]) -> int:
    """Edges of a spanning forest of the candidate-pair graph (depends only on public domain sizes)."""
    comp = list(range(d))

    def find(a: int) -> int:
        while comp[a] != a:
            a = comp[a]
        return a

    n = 0
    for i, j in pairs:
        a, b = find(i), find(j)
        if a != b:
            comp[a] = b
            n += 1
    return n


def _orient(d: int, edges: list[tuple[int, int]], sizes: list[int]) -> tuple[list[int], list[int]]:
    """Topological order and parent of each column (-1 for roots), by breadth-first search from each component's
    column with the most categories (so the widest column is a root and never a child in a big table)."""
    adj: dict[int, list[int]] = {i: [] for i in range(d)}
    for i, j in edges:
        adj[i].append(j)
        adj[j].append(i)
    parent = [-1] * d
    seen = [False] * d
    order: list[int] = []
    for start in sorted(range(d), key=lambda i: -sizes[i]):
        if seen[start]:
            continue
        seen[start] = True
        queue = [start]
        while queue:
            node = queue.pop(0)
            order.append(node)
            for nxt in adj[node]:
                if not seen[nxt]:
                    seen[nxt] = True
                    parent[nxt] = node
                    queue.append(nxt)
    return order, parent


def _tree_distances(neighbours: list[list[int]], start: int) -> list[int]:
    """Hops from `start` to every column in the tree (columns out of reach get a large distance)."""
    dist = [1 << 30] * len(neighbours)
    dist[start] = 0
    queue = [start]
    for node in queue:
        for nxt in neighbours[node]:
            if dist[nxt] > dist[node] + 1:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


def _table(x: np.ndarray, cols: list[int], sizes: list[int]) -> np.ndarray:
    """True contingency table of `cols` (counts)."""
    shape = [sizes[c] for c in cols]
    flat = np.zeros(len(x), dtype=np.int64)
    for c in cols:
        flat = flat * sizes[c] + x[:, c]
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape)


def _denoise(noisy: np.ndarray, sigma: float, zero_below: float) -> np.ndarray:
    out = np.where(noisy < zero_below * sigma, 0.0, noisy)
    return out


def _pool_one_way(
    one_way: list[np.ndarray],
    sigma1: float,
    two_way: dict[tuple[int, int], np.ndarray],
    sigma2: float,
    sizes: list[int],
    n_hat: float,
) -> list[np.ndarray]:
    """Each column's histogram by inverse-variance pooling of its 1-way measurement and the margins of the 2-way
    measurements that contain it, clipped at zero and scaled to the noisy total."""
    out = []
    for j, h in enumerate(one_way):
        num = h / sigma1**2
        den = 1.0 / sigma1**2
        for (p, c), t in two_way.items():
            if j == p:
                var = sizes[c] * sigma2**2
                num = num + t.sum(axis=1) / var
                den += 1.0 / var
            elif j == c:
                var = sizes[p] * sigma2**2
                num = num + t.sum(axis=0) / var
                den += 1.0 / var
        out.append(_project_simplex(num / den, n_hat))
    return out


def _project_simplex(v: np.ndarray, total: float) -> np.ndarray:
    """The nearest non-negative vector summing to `total` (Euclidean projection: subtract one shift, clip at zero).

    Why not clip and rescale: with many small cells (countries, years) clipping keeps the positive noise of every
    empty cell, and rescaling to the total then takes that mass from the real cells in proportion (at epsilon 1 on
    5k rows a third of a wide column's mass). The projection is the least-squares estimate under the constraints
    (what Private-PGM's estimation does); post-processing only.
    """
    v = np.asarray(v, dtype=float)
    if total <= 0 or v.size == 0:
        return np.zeros_like(v)
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - total
    idx = np.arange(1, v.size + 1)
    k = int(np.flatnonzero(u - css / idx > 0)[-1]) + 1
    return np.clip(v - css[k - 1] / k, 0, None)


def _rake(
    table: np.ndarray,
    margins: list[np.ndarray],
    axes: list[tuple[int, ...]],
    iters: int = 30,
    forbid: np.ndarray | None = None,
) -> np.ndarray:
    """Iterative proportional fitting of a non-negative table to the given margins (on the given axes).

    Slices that are all zero but whose margin asks for mass are first filled with the product of the margins, so
    the result agrees with them wherever it can. `forbid` marks structural zeros (cells the standard's rules
    forbid): they start at zero, get no fill, and IPF keeps them at zero.
    """
    t = np.clip(np.asarray(table, dtype=float), 0, None)
    if forbid is not None:
        t = np.where(forbid, 0.0, t)
    total = float(np.asarray(margins[0]).sum())
    # Fill empty slices of the first margin with an independence guess built from all margins.
    guess = np.ones_like(t)
    for m, ax in zip(margins, axes):
        shape = [t.shape[a] if a in ax else 1 for a in range(t.ndim)]
        mm = np.asarray(m, dtype=float).reshape(shape)
        guess = guess * (mm / max(mm.sum(), 1e-12))
    if forbid is not None:
        guess = np.where(forbid, 0.0, guess)
    guess *= total / max(guess.sum(), 1e-12)
    for ax in axes:
        other = tuple(a for a in range(t.ndim) if a not in ax)
        mass = t.sum(axis=other, keepdims=True)
        empty = np.broadcast_to(mass <= 0, t.shape)
        t = np.where(empty, guess, t)
    plan = []
    for m, ax in zip(margins, axes):
        other = tuple(a for a in range(t.ndim) if a not in ax)
        shape = [1 if a in other else t.shape[a] for a in range(t.ndim)]
        plan.append((other, np.asarray(m, dtype=float).reshape(shape)))
    for _ in range(iters):
        worst = 0.0
        for other, target in plan:
            cur = t.sum(axis=other, keepdims=True)
            ratio = np.divide(target, cur, out=np.zeros_like(cur), where=cur > 0)
            worst = max(worst, float(np.abs(ratio[cur > 0] - 1).max(initial=0.0)))
            t = t * ratio
        if worst < 1e-6:  # margins met
            break
    return t


def _conditional(t: np.ndarray, child_marg: np.ndarray) -> np.ndarray:
    """P(child | parent) from a raked 2-way table; parent rows without mass fall back to the child's marginal."""
    rows = t.sum(axis=1, keepdims=True)
    fallback = child_marg / max(child_marg.sum(), 1e-12)
    cond = np.where(rows > 0, t / np.where(rows > 0, rows, 1), fallback[None, :])
    return cond / cond.sum(axis=1, keepdims=True)


def _lift(cond2: np.ndarray, family: int) -> np.ndarray:
    """P(child | p1) shaped to broadcast over a family table (p1, further parents..., child)."""
    return cond2.reshape((cond2.shape[0],) + (1,) * (family - 1) + (cond2.shape[1],))


def _conditional_family(t: np.ndarray, cond2: np.ndarray) -> np.ndarray:
    """P(child | parents) from a raked family table; parent combinations without mass fall back to P(child | p1)."""
    rows = t.sum(axis=-1, keepdims=True)
    fallback = np.broadcast_to(_lift(cond2, t.ndim - 1), t.shape)
    cond = np.where(rows > 0, t / np.where(rows > 0, rows, 1), fallback)
    return cond / cond.sum(axis=-1, keepdims=True)


def _draw(
    cpt: np.ndarray,
    parent_codes: list[np.ndarray],
    rng: np.random.Generator,
    n: int | None = None,
    mask: tuple[np.ndarray, np.ndarray] | None = None,
    target: np.ndarray | None = None,
) -> np.ndarray:
    """Draw a column given its parents' codes by *systematic* sampling within each parent combination.

    Rows sharing a parent combination are put in random order and the r-th of m gets the category whose cumulative
    probability crosses (r + u) / m, u uniform per combination. Each category then appears floor or ceil of m * p
    times: the counts follow the model without the multinomial noise of independent draws (which would otherwise
    dominate the error of the released marginals), and the rows are still random. Vectorized with one
    `searchsorted` over the cumulative tables, each row offset by its combination's index.

    `mask` = (pattern id per row, allowed categories per pattern) from the structural rules (`Structure.mask`):
    each row draws from its conditional restricted to the allowed categories (a structural zero given the values
    the row already has), so no row can break a rule; the pattern is part of the combination rows are ranked in.

    `target` (the column's 1-way distribution): the drawn counts are then moved to it (`rebalance`). Why: with
    three or four parents most combinations hold one or two rows, where systematic sampling is an independent draw,
    so the column's totals carried the multinomial noise of n draws (sd ~ sqrt(n p)), the bulk of the 1-way error.
    """
    k = cpt.shape[-1]
    table = cpt.reshape(-1, k)
    if parent_codes:
        n = len(parent_codes[0])
        combo = np.zeros(n, dtype=np.int64)
        for codes, size in zip(parent_codes, cpt.shape[:-1]):
            combo = combo * size + codes
    else:
        combo = np.zeros(int(n or 0), dtype=np.int64)
        n = len(combo)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    permitted = None  # per table row (combination x pattern): the categories the rules allow
    if mask is not None:
        ids, allowed = mask
        m = allowed.shape[0]
        permitted = np.broadcast_to(allowed[None, :, :], (table.shape[0], m, k)).reshape(-1, k)
        restricted = table[:, None, :] * allowed[None, :, :]
        mass = restricted.sum(axis=-1, keepdims=True)
        uniform = allowed / np.maximum(allowed.sum(axis=-1, keepdims=True), 1)
        # No model mass on any allowed category: draw the allowed ones evenly (never a forbidden one).
        fallback = np.where(np.asarray(allowed.any(axis=-1))[None, :, None], uniform[None, :, :], table[:, None, :])
        table = np.where(mass > 0, restricted / np.where(mass > 0, mass, 1), fallback).reshape(-1, k)
        combo = combo * m + ids
    counts = np.bincount(combo, minlength=len(table))
    starts = np.cumsum(counts) - counts
    perm = rng.permutation(n)
    ranked = perm[np.argsort(combo[perm], kind="stable")]
    rank = np.empty(n, dtype=np.int64)
    rank[ranked] = np.arange(n) - starts[combo[ranked]]
    offset = rng.random(len(table))
    u = (rank + offset[combo]) / counts[combo]
    cdf = np.cumsum(table, axis=1)
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(len(table))[:, None]).ravel()
    pos = np.searchsorted(flat, combo + u, side="right")
    codes = np.minimum(pos - combo * k, k - 1).astype(np.int32)
    if target is not None:
        codes = rebalance(codes, table, combo, systematic_counts(target[:k], n, rng.random()), rng, permitted)
    return codes


def _sample_codes(
    order: list[int],
    parents: dict[int, list[int]],
    cpts: dict[int, np.ndarray],
    sizes: list[int],
    n: int,
    rng: np.random.Generator,
    struct: Structure | None = None,
    targets: dict[int, np.ndarray] | None = None,
) -> np.ndarray:
    out = np.zeros((n, len(sizes)), dtype=np.int32)
    for position, c in enumerate(order):
        mask = struct.mask(c, out, set(order[:position])) if struct else None
        target = targets.get(c) if targets else None
        out[:, c] = _draw(cpts[c], [out[:, p] for p in parents[c]], rng, n, mask=mask, target=target)
    return out


def _structure(encoder: Encoder, rules: list[dict[str, Any]]) -> Structure:
    """The rules over the encoder's codes (a merged group holds no single value, so it holds no clause)."""
    values = [[g[0] if len(g) == 1 else "\x00merged" for g in codec.groups] + [None] for codec in encoder.codecs]
    return Structure(rules, encoder.columns, values)


class MSTModel(Model):
    """The fitted network: for each column its parents (0-2) and conditional table, plus the public encoder."""

    method = "mst"

    def __init__(
        self,
        encoder: Encoder,
        order: list[int],
        parents: dict[int, list[int]],
        cpts: dict[int, np.ndarray],
        n_hat: float,
        privacy: dict[str, Any],
        rules: list[dict[str, Any]] | None = None,
        targets: dict[int, np.ndarray] | None = None,
    ) -> None:
        super().__init__(encoder.columns, privacy)
        self.rules = list(rules or [])
        self.structure = _structure(encoder, self.rules)
        self.encoder = encoder
        self.order = list(order)
        self.parents = {int(k): [int(p) for p in v] for k, v in parents.items()}
        self.cpts = {int(k): np.asarray(v, dtype=float) for k, v in cpts.items()}
        self.n_hat = float(n_hat)
        # Each column's pooled 1-way estimate (noisy counts, post-processed): sampled counts are moved to it.
        self.targets = {int(k): np.asarray(v, dtype=float) for k, v in (targets or {}).items()}

    @property
    def default_rows(self) -> int:
        """The noisy record count: how many rows a release samples unless told otherwise."""
        return max(int(round(self.n_hat)), 1)

    def sample(self, n: int | None = None, seed: int | None = None) -> pd.DataFrame:
        """Exactly n rows (default: the noisy record count). Post-processing: costs no privacy."""
        n = self.default_rows if n is None else int(n)
        if n < 0:
            raise SynthError(f"cannot sample {n} rows")
        rng = np.random.default_rng(seed)
        codes = _sample_codes(
            self.order, self.parents, self.cpts, self.encoder.sizes, n, rng, self.structure, self.targets
        )
        return self.encoder.decode(codes, rng)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "encoder": self.encoder.to_json(),
            "order": self.order,
            "parents": {str(k): v for k, v in self.parents.items()},
            "n_hat": self.n_hat,
            "rules": self.rules,
        }
        arrays = {f"cpt_{k}": v for k, v in self.cpts.items()}
        arrays.update({f"target_{k}": v for k, v in self.targets.items()})
        return meta, arrays

    @classmethod
    def _from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> MSTModel:
        cpts = {int(k.removeprefix("cpt_")): v for k, v in arrays.items() if k.startswith("cpt_")}
        parents = {int(k): v for k, v in meta["parents"].items()}
        targets = {int(k.removeprefix("target_")): v for k, v in arrays.items() if k.startswith("target_")}
        return cls(
            Encoder.from_json(meta["encoder"]), meta["order"], parents, cpts, meta["n_hat"], {}, meta.get("rules"),
            targets,
        )
