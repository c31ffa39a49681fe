"""Local suppression: hide single QI cells of the records in too-small classes, cheapest first.

With strict semantics a suppressed cell ("*") is a value of its own, so a record whose citizenship is hidden only
hides among other records whose citizenship is hidden and whose other QIs agree. Suppression therefore works by
*patterns*: a set of columns to hide. Patterns are tried from the fewest cells up (and, among patterns of a size,
from the cheapest for each record); a record takes the cheapest pattern under which it lands in a class that is large
enough (and l-diverse). Choices are made for all records at once, optimistically, then checked: records whose new
class is still too small go back and try again, so every accepted class stays valid as others join it. Records that
no pattern rescues lose every QI cell (record suppression); if that all-"*" class ends up smaller than k, records are
taken from classes with room to spare (`fill_star_class`).

Everything runs on classes (one item per class of the lattice node, weighted by its size), not on records.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

from cthub.deid.groups import Diversity, group_ids, group_ok

MAX_PATTERNS = 400


def _patterns(active: Sequence[int], mean_cost: np.ndarray) -> list[list[tuple[int, ...]]]:
    """Column subsets by size (1 .. all but one), each size sorted by mean cost; capped at MAX_PATTERNS."""
    out: list[list[tuple[int, ...]]] = []
    total = 0
    for size in range(1, len(active)):
        pats = sorted(combinations(active, size), key=lambda p: float(sum(mean_cost[j] for j in p)))
        if total + len(pats) > MAX_PATTERNS:
            break
        out.append(pats)
        total += len(pats)
    return out


def suppress_classes(
    codes: np.ndarray,
    weights: np.ndarray,
    cards: Sequence[int],
    stars: Sequence[int],
    active: Sequence[bool],
    cell_cost: Sequence[np.ndarray],
    k: int,
    diversity: Sequence[Diversity] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Suppress cells of the classes that violate k (or l). Returns (new codes, item needed suppression)."""
    codes = codes.copy()
    n_items, m = codes.shape
    cols = [codes[:, j] for j in range(m)]
    gid, n_groups = group_ids(cols, cards)
    ok, _ = group_ok(gid, n_groups, weights, k, diversity)
    bad = ~ok[gid]
    if not bad.any():
        return codes, bad
    act = [j for j in range(m) if active[j]]
    if not act:  # every QI is at its top level already: one class, nothing to hide
        return codes, bad
    stars_arr = np.asarray(stars, dtype=np.int64)
    # cost of hiding each cell of each item (0 for a cell that is "*" already)
    cost = np.zeros((n_items, m))
    for j in act:
        cost[:, j] = cell_cost[j][codes[:, j]]
        cost[codes[:, j] == stars_arr[j], j] = 0.0
    mean_cost = cost[bad].mean(axis=0)
    assigned = np.zeros(n_items, dtype=bool)
    for pats in _patterns(act, mean_cost):
        while True:
            pending = bad & ~assigned
            if not pending.any():
                return codes, bad
            p_idx = np.flatnonzero(pending)
            best_cost = np.full(len(p_idx), np.inf)
            best_size = np.zeros(len(p_idx))
            best_pat = np.full(len(p_idx), -1)
            for pi, pat in enumerate(pats):
                trial = list(cols)
                for j in pat:
                    cj = cols[j].copy()
                    cj[p_idx] = stars_arr[j]
                    trial[j] = cj
                g, ng = group_ids(trial, cards)
                okp, sizep = group_ok(g, ng, weights, k, diversity)
                gp = g[p_idx]
                cand = okp[gp]
                c = cost[p_idx][:, list(pat)].sum(axis=1)
                s = sizep[gp]
                better = cand & ((c < best_cost - 1e-12) | ((np.abs(c - best_cost) <= 1e-12) & (s > best_size)))
                best_cost[better] = c[better]
                best_size[better] = s[better]
                best_pat[better] = pi
            chosen = best_pat >= 0
            if not chosen.any():
                break
            before = codes[p_idx].copy()
            for pi, pat in enumerate(pats):
                rows = p_idx[best_pat == pi]
                if len(rows):
                    for j in pat:
                        codes[rows, j] = stars_arr[j]
            cols = [codes[:, j] for j in range(m)]
            g, ng = group_ids(cols, cards)
            okg, _ = group_ok(g, ng, weights, k, diversity)
            stuck = chosen & okg[g[p_idx]]
            revert = chosen & ~stuck
            if revert.any():
                codes[p_idx[revert]] = before[revert]
                cols = [codes[:, j] for j in range(m)]
            if not stuck.any():
                break
            assigned[p_idx[stuck]] = True
    pending = np.flatnonzero(bad & ~assigned)
    if len(pending):
        for j in act:
            codes[pending, j] = stars_arr[j]
    return codes, bad


def fill_star_class(
    codes: np.ndarray,
    cards: Sequence[int],
    stars: Sequence[int],
    active: Sequence[bool],
    record_cost: np.ndarray,
    k: int,
    diversity_values: Sequence[tuple[np.ndarray, int]] = (),
) -> np.ndarray | None:
    """Make every class valid by moving records from classes with room to spare into the all-"*" class.

    Works on records (`codes` is n x m, modified in place). Only the all-"*" class can be too small after
    `suppress_classes`; donors are classes that stay valid without the moved records, cheapest records first.
    Returns the indices of moved records, or None when no donors can fill the class (the node is then unusable).
    """
    n, m = codes.shape
    cols = [codes[:, j] for j in range(m)]
    gid, n_groups = group_ids(cols, cards)
    weights = np.ones(n)
    divs = [Diversity("", l, np.arange(n), v.astype(np.int64)) for v, l in diversity_values]
    ok, size = group_ok(gid, n_groups, weights, k, divs)
    bad_groups = np.flatnonzero(~ok)
    if len(bad_groups) == 0:
        return np.array([], dtype=np.int64)
    act = [j for j in range(m) if active[j]]
    stars_arr = np.asarray(stars)
    all_star = np.all(codes[:, act] == stars_arr[act], axis=1) if act else np.ones(n, dtype=bool)
    star_gid = set(np.unique(gid[all_star]).tolist())
    if not set(bad_groups.tolist()) <= star_gid:
        return None  # a bad class that is not the all-"*" class: suppress_classes left work undone
    target = np.flatnonzero(all_star)
    members = list(target)
    need = k - len(members)
    have_vals = [set(v[target].tolist()) for v, _ in diversity_values]
    short_vals = [max(0, l - len(hv)) for hv, (_, l) in zip(have_vals, diversity_values, strict=True)]
    # donor classes, cheapest records first (ties: largest class)
    mean_cost = np.bincount(gid, weights=record_cost, minlength=n_groups) / np.maximum(size, 1)
    order = np.lexsort((-size, mean_cost))  # cheapest records first, then the largest class
    donors = [int(g) for g in order if ok[g] and size[g] > k and int(g) not in star_gid]
    moved: list[int] = []
    for g in donors:
        if need <= 0 and all(s <= 0 for s in short_vals):
            break
        rows = np.flatnonzero(gid == g)
        d_size = len(rows)
        d_counts = [dict(zip(*np.unique(v[rows], return_counts=True), strict=True)) for v, _ in diversity_values]
        for r in rows:
            if need <= 0 and all(s <= 0 for s in short_vals):
                break
            if d_size - 1 < k:
                break
            useful = need > 0
            keeps = True
            for i, (v, l) in enumerate(diversity_values):
                val = v[r]
                if val not in have_vals[i] and short_vals[i] > 0:
                    useful = True
                if d_counts[i][val] == 1 and len(d_counts[i]) - 1 < l:
                    keeps = False
            if not (useful and keeps):
                continue
            moved.append(int(r))
            d_size -= 1
            need -= 1
            for i, (v, _) in enumerate(diversity_values):
                val = v[r]
                d_counts[i][val] -= 1
                if d_counts[i][val] == 0:
                    del d_counts[i][val]
                if val not in have_vals[i]:
                    have_vals[i].add(val)
                    short_vals[i] -= 1
    if need > 0 or any(s > 0 for s in short_vals):
        return None
    idx = np.array(moved, dtype=np.int64)
    for j in act:
        codes[idx, j] = stars_arr[j]
    return idx
