"""k-anonymization with the least information lost: optimal full-domain recoding plus local cell suppression.

Why this design: CTDC published its Global Dataset k-anonymized (k=11) by recoding and suppressing whole records,
which by 2024 would have cost about 40 % of the records. Here every node of the generalization lattice (one level
per QI, as in ARX's Flash) is a candidate, and the records that remain in too-small classes at a node lose single
cells rather than whole records. The node with the least total information loss wins:

    loss = sum over QI cells of  LM(cell)            for generalized cells
                                 suppression_weight  for suppressed cells   (default 1, the loss of "*")

where LM is Iyengar's loss metric, (values the generalized cell covers - 1) / (values in the column - 1). The
reported figures divide by (records x QIs), so 0 means the data are unchanged and 1 means every cell is "*".

Search: a node is *feasible* when the records in classes smaller than k (or not l-diverse) fit the suppression budget
(`max_suppression` x records). Feasibility is monotone (generalizing merges classes), so a node below an infeasible
node is skipped without evaluation. Nodes are visited from the least generalization loss up; a node is suppressed
locally only when its lower bound (its generalization loss plus the cheapest possible cell for every record to fix)
beats the best solution so far, and the search stops once generalization loss alone reaches the best total.

Strict semantics: a suppressed cell is "*" and counts as its own value; missing values are their own value too; so
any query on the QIs, including one for "*" or for missing, matches at least k records. `anonymize` recounts the
classes on its output before returning and raises rather than hand back a table that is not k-anonymous.

k larger than the table is an error, not an all-"*" table: a table of n < k records cannot be k-anonymous at all
(its single all-"*" class still has n < k records). Records are never removed; a record that no cheaper pattern
rescues has every QI cell hidden and joins the all-"*" class, which is itself kept at k or more records.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from cthub.deid import metrics
from cthub.deid.encode import EncodedQI, encode_qis
from cthub.deid.groups import Diversity, Rollup, group_ids, group_ok
from cthub.deid.hierarchy import (
    HierarchyLike,
    ValueHierarchy,
    standard_direct_identifiers,
    standard_hierarchies,
)
from cthub.deid.suppress import fill_star_class, suppress_classes

MAX_NODES = 200_000
LDiversity = Mapping[str, int] | tuple[str, int] | str | None


class KAnonymityError(ValueError):
    """The request cannot produce a k-anonymous table; the message says why and what to change."""


@dataclass
class KAnonResult:
    """The protected table (QI columns recoded, suppressed cells "*") and a JSON-ready report."""

    table: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Solution:
    node: tuple[int, ...]
    total: float
    gen: float
    supp: float
    codes: np.ndarray  # n x m codes at the node after suppression
    natural: np.ndarray  # n x m codes at the node before suppression
    touched: int
    moved: int


def parse_l_diversity(spec: LDiversity) -> dict[str, int]:
    """Accept {col: l}, (col, l), "col:l" or a list of such strings."""
    if spec is None:
        return {}
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and not isinstance(spec[1], str):
        return {spec[0]: int(spec[1])}
    if isinstance(spec, Mapping):
        return {str(c): int(l) for c, l in spec.items()}
    out: dict[str, int] = {}
    for item in spec:  # type: ignore[union-attr]
        col, sep, l = str(item).rpartition(":")
        if not sep or not col or not l.strip().isdigit():
            raise KAnonymityError(f"l-diversity must be given as COLUMN:L (e.g. isForcedLabour:2), got {item!r}")
        out[col] = int(l)
    return out


def _resolve_hierarchies(
    columns: Sequence[str], given: Mapping[str, Any] | None, use_standard: bool
) -> tuple[dict[str, HierarchyLike | None], dict[str, str]]:
    found: dict[str, HierarchyLike | None] = {}
    source: dict[str, str] = {}
    std = standard_hierarchies(columns) if use_standard else {}
    for c in columns:
        h = (given or {}).get(c)
        if h is not None:
            if isinstance(h, Mapping):
                h = ValueHierarchy(c, {str(k): (v if isinstance(v, (list, tuple)) else [v]) for k, v in h.items()})
            found[c], source[c] = h, "given"
        elif c in std:
            found[c], source[c] = std[c], "standard"
        else:
            found[c], source[c] = None, "value -> *"
    return found, source


def _validate(df: pd.DataFrame, qis: Sequence[str], k: int, max_suppression: float, ldiv: Mapping[str, int]) -> None:
    if not qis:
        raise KAnonymityError("no quasi-identifiers given; name the columns an attacker could know (e.g. --qi gender,age)")
    missing = [q for q in qis if q not in df.columns]
    if missing:
        raise KAnonymityError(
            f"quasi-identifier column(s) {', '.join(map(repr, missing))} are not in the table; "
            f"its columns are: {', '.join(map(str, df.columns))}"
        )
    if len(set(qis)) != len(qis):
        raise KAnonymityError("a quasi-identifier is listed twice; list each column once")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise KAnonymityError(f"k must be a whole number of at least 1 (got {k!r}); CTDC uses k=11")
    if not 0.0 <= max_suppression <= 1.0:
        raise KAnonymityError(f"max_suppression is a share of records between 0 and 1 (got {max_suppression})")
    for col, l in ldiv.items():
        if col not in df.columns:
            raise KAnonymityError(f"l-diversity column {col!r} is not in the table")
        if col in qis:
            raise KAnonymityError(f"{col!r} is both a quasi-identifier and the sensitive column of l-diversity; pick one")
        if l < 1:
            raise KAnonymityError(f"l for {col!r} must be at least 1 (got {l})")


def anonymize(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    k: int = 11,
    hierarchies: Mapping[str, Any] | None = None,
    max_suppression: float = 0.05,
    l_diversity: LDiversity = None,
    *,
    suppression_weight: float = 1.0,
    risk_threshold: float = 0.2,
    drop: Sequence[str] = (),
    use_standard: bool = True,
    fixed_levels: Mapping[str, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> KAnonResult:
    """k-anonymize `df` on `quasi_identifiers` with the least information loss (see the module docstring).

    `hierarchies` maps QI names to hierarchy objects (`levels`, `depth`, `generalize`) or to {value: [level1, ...]};
    QIs without one use the standard's hierarchy when the name matches, else value -> "*". `max_suppression` is the
    share of records local suppression may touch. Non-QI columns are returned unchanged; columns in `drop` and those
    the standard marks as direct identifiers are removed first. `fixed_levels` pins QIs to a generalization level
    (e.g. {"citizenship": 0} keeps countries), leaving the search to the other QIs and to suppression. Raises
    `KAnonymityError` when k exceeds the number of records (no table with fewer than k rows can be k-anonymous, not
    even an all-"*" one).
    """
    started = time.perf_counter()
    qis = list(quasi_identifiers)
    ldiv = parse_l_diversity(l_diversity)
    _validate(df, qis, int(k) if isinstance(k, (int, np.integer)) else k, max_suppression, ldiv)
    k = int(k)
    absent = [c for c in drop if c not in df.columns]
    if absent:
        raise KAnonymityError(f"column(s) {absent} to drop are not in the table; check the names given to --drop")
    dropped = list(dict.fromkeys([*drop, *(standard_direct_identifiers(list(df.columns)) if use_standard else [])]))
    clash = [c for c in dropped if c in qis or c in ldiv]
    if clash:
        raise KAnonymityError(f"column(s) {clash} are marked to drop as direct identifiers but also used as QI/sensitive")
    table = df.drop(columns=[c for c in dropped if c in df.columns]).reset_index(drop=True)
    n, m = len(table), len(qis)
    if n > 0 and k > n:
        raise KAnonymityError(
            f"k={k} is larger than the table ({n} records): no release of it can be {k}-anonymous, not even one with "
            "every cell suppressed. Collect more records or lower k."
        )
    found, source = _resolve_hierarchies(qis, hierarchies, use_standard)
    enc = encode_qis(table, qis, found)
    sens_codes = {c: pd.factorize(table[c].astype("string"), use_na_sentinel=False)[0].astype(np.int64) for c in ldiv}
    for c, l in ldiv.items():
        distinct = len(np.unique(sens_codes[c])) if n else 0
        if n and distinct < l:
            raise KAnonymityError(
                f"{c!r} has only {distinct} distinct values in the whole table, so no class can hold {l}; lower l"
            )
    if n == 0:
        out = table.copy()
        for q in qis:
            out[q] = out[q].astype("string")
        report = {"records": 0, "k": k, "k_achieved": None, "note": "empty table: nothing to protect"}
        return KAnonResult(out, report)

    pinned = _pinned(enc, fixed_levels)
    sol, stats = _search(enc, k, ldiv, sens_codes, max_suppression, suppression_weight, progress, pinned)
    out = _render(table, enc, sol)
    ids = metrics.class_ids(out, qis)  # recounted from the output strings, not from the engine's codes
    problems = metrics.violations(out, qis, k, ldiv, ids)
    if problems:  # pragma: no cover - a bug guard: the engine must never get here
        raise KAnonymityError("internal check failed, refusing to return the table: " + "; ".join(problems))
    stats["seconds"] = round(time.perf_counter() - started, 4)
    report = build_report(out, ids, enc, sol, k, ldiv, max_suppression, suppression_weight, risk_threshold)
    report["search"] = stats
    report["dropped_columns"] = dropped
    report["hierarchy_source"] = source
    out.index = df.index  # rows stay where they were, so callers can join back on their own index
    return KAnonResult(out, report)


def _pinned(enc: list[EncodedQI], fixed: Mapping[str, int] | None) -> dict[int, int]:
    names = [e.name for e in enc]
    out: dict[int, int] = {}
    for col, level in (fixed or {}).items():
        if col not in names:
            raise KAnonymityError(f"fixed level given for {col!r}, which is not a quasi-identifier")
        e = enc[names.index(col)]
        if not 0 <= int(level) < e.depth:
            raise KAnonymityError(f"{col!r} has levels 0..{e.depth - 1} ({', '.join(e.level_names)}); got {level}")
        out[names.index(col)] = int(level)
    return out


def _search(
    enc: list[EncodedQI],
    k: int,
    ldiv: Mapping[str, int],
    sens_codes: Mapping[str, np.ndarray],
    max_suppression: float,
    sw: float,
    progress: Callable[[int, int], None] | None,
    pinned: Mapping[int, int] | None = None,
) -> tuple[_Solution, dict[str, Any]]:
    m = len(enc)
    n = len(enc[0].codes)
    base_cols = [e.codes.astype(np.int64) for e in enc]
    base_id, n_base = group_ids(base_cols, [e.card(0) for e in enc])
    first = np.zeros(n_base, dtype=np.int64)
    first[base_id[::-1]] = np.arange(n - 1, -1, -1)  # first record of each distinct combination
    base_codes = np.stack([c[first] for c in base_cols], axis=1)
    w0 = np.bincount(base_id, minlength=n_base).astype(np.float64)
    divs0 = []
    for col, l in ldiv.items():
        s = sens_codes[col]
        key = np.unique(base_id * (int(s.max()) + 1) + s)
        divs0.append(Diversity(col, l, key // (int(s.max()) + 1), key % (int(s.max()) + 1)))

    item_codes = [[e.maps[l][base_codes[:, j]].astype(np.int64) for l in range(e.depth)] for j, e in enumerate(enc)]
    depths = [e.depth for e in enc]
    ranges = [[pinned[j]] if pinned and j in pinned else list(range(d)) for j, d in enumerate(depths)]
    n_nodes = math.prod(len(r) for r in ranges)
    if n_nodes > MAX_NODES:
        raise KAnonymityError(
            f"the generalization lattice has {n_nodes} nodes (more than {MAX_NODES}); use fewer quasi-identifiers or "
            "shallower hierarchies"
        )
    nodes = np.array(list(product(*ranges)), dtype=np.int64).reshape(-1, m)
    gen = np.zeros(len(nodes))
    for j, e in enumerate(enc):
        gen += np.array([e.loss_sum(l) for l in range(e.depth)])[nodes[:, j]]
    order = np.lexsort((nodes.sum(axis=1), gen))
    budget = math.floor(max_suppression * n + 1e-9)
    # cheapest possible suppression per record at each level of each QI
    min_cell = [np.array([max(sw - float(e.loss[l][: e.card(l)].max(initial=0.0)), 0.0) for l in range(e.depth)]) for e in enc]
    # without l-diversity, a node's classes can be rolled up from a finer node's classes (fewer items to group)
    rollup = None if divs0 else Rollup(item_codes, w0, k)
    infeasible = np.empty((64, m), dtype=np.int64)  # nodes known to miss the budget (rows [:n_inf])
    n_inf = 0
    best: _Solution | None = None
    stats = {"lattice_nodes": int(n_nodes), "nodes_checked": 0, "nodes_suppressed": 0, "nodes_feasible": 0}
    for step, idx in enumerate(order):
        if progress and step % 32 == 0:
            progress(step, len(order))
        node = nodes[idx]
        if best is not None and gen[idx] >= best.total - 1e-9:
            break
        if n_inf and np.any(np.all(node <= infeasible[:n_inf], axis=1)):
            continue
        stats["nodes_checked"] += 1
        cards = [e.card(l) for e, l in zip(enc, node, strict=True)]
        small = rollup.small_records(node, cards) if rollup is not None else None
        if small is None:
            cols = [item_codes[j][l] for j, l in enumerate(node)]
            cid, n_cls = group_ids(cols, cards)
            ok, size = group_ok(cid, n_cls, w0, k, divs0)
            small = int(w0[~ok[cid]].sum())
        if small > budget:
            if n_inf == len(infeasible):
                infeasible = np.concatenate([infeasible, np.empty_like(infeasible)])
            infeasible[n_inf] = node
            n_inf += 1
            continue
        stats["nodes_feasible"] += 1
        active = [l < e.top for e, l in zip(enc, node, strict=True)]
        lb_cell = min((min_cell[j][node[j]] for j in range(m) if active[j]), default=0.0)
        if best is not None and gen[idx] + small * lb_cell >= best.total - 1e-9:
            continue
        natural = np.stack([e.maps[l][e.codes].astype(np.int64) for e, l in zip(enc, node, strict=True)], axis=1)
        if small > 0 and rollup is not None:  # the suppression step needs the classes of every distinct combination
            cols = [item_codes[j][l] for j, l in enumerate(node)]
            cid, n_cls = group_ids(cols, cards)
            ok, size = group_ok(cid, n_cls, w0, k, divs0)
        if small == 0:
            sol = _Solution(tuple(int(x) for x in node), float(gen[idx]), float(gen[idx]), 0.0, natural, natural, 0, 0)
        else:
            stats["nodes_suppressed"] += 1
            sol = _suppress_node(enc, node, cols, cards, cid, n_cls, size, base_id, natural, k, divs0, ldiv,
                                 sens_codes, sw, float(gen[idx]), active)
            if sol is None or sol.touched > budget:
                continue
        if best is None or sol.total < best.total - 1e-9:
            best = sol
    if progress:
        progress(len(order), len(order))
    if best is None:  # only when levels are pinned: the top node always qualifies when n >= k
        raise KAnonymityError(
            "no generalization satisfies k within the suppression limit at the pinned levels; raise the suppression "
            "limit or pin fewer levels"
        )
    return best, stats


def _suppress_node(
    enc: list[EncodedQI],
    node: np.ndarray,
    cols: list[np.ndarray],
    cards: list[int],
    cid: np.ndarray,
    n_cls: int,
    size: np.ndarray,
    base_id: np.ndarray,
    natural: np.ndarray,
    k: int,
    divs0: list[Diversity],
    ldiv: Mapping[str, int],
    sens_codes: Mapping[str, np.ndarray],
    sw: float,
    gen: float,
    active: list[bool],
) -> _Solution | None:
    m = len(enc)
    first = np.zeros(n_cls, dtype=np.int64)
    first[cid[::-1]] = np.arange(len(cid) - 1, -1, -1)
    cls_codes = np.stack([c[first] for c in cols], axis=1)
    divs = [d.remap(cid) for d in divs0]
    stars = [e.star[l] for e, l in zip(enc, node, strict=True)]
    cell_cost = [sw - e.loss[l] for e, l in zip(enc, node, strict=True)]
    new_cls, bad = suppress_classes(cls_codes, size, cards, stars, active, cell_cost, k, divs)
    codes = new_cls[cid[base_id]]
    touched = int(size[bad].sum())
    record_cost = np.zeros(len(codes))
    for j in range(m):
        if active[j]:
            not_star = codes[:, j] != stars[j]
            record_cost += np.where(not_star, cell_cost[j][codes[:, j]], 0.0)
    moved = fill_star_class(codes, cards, stars, active, record_cost, k, [(sens_codes[c], l) for c, l in ldiv.items()])
    if moved is None:
        return None
    touched += len(moved)
    supp = 0.0
    for j in range(m):
        hidden = (codes[:, j] == stars[j]) & (natural[:, j] != stars[j])
        supp += float(cell_cost[j][natural[hidden, j]].sum())
    return _Solution(tuple(int(x) for x in node), gen + supp, gen, supp, codes, natural, touched, len(moved))


def _render(table: pd.DataFrame, enc: list[EncodedQI], sol: _Solution) -> pd.DataFrame:
    out = table.copy()
    for j, e in enumerate(enc):
        labels = e.labels[sol.node[j]]
        out[e.name] = pd.array(labels[sol.codes[:, j]], dtype="string")
    return out


def build_report(
    out: pd.DataFrame,
    ids: tuple[np.ndarray, int],
    enc: list[EncodedQI],
    sol: _Solution,
    k: int,
    ldiv: Mapping[str, int],
    max_suppression: float,
    sw: float,
    risk_threshold: float,
) -> dict[str, Any]:
    """The JSON-ready report; figures are recounted on the output table where possible."""
    qis = [e.name for e in enc]
    n, m = len(out), len(qis)
    sizes = metrics.class_size_counts(out, qis, ids)
    per_record = metrics.class_sizes(out, qis, ids)
    in_gid, in_n = group_ids([e.codes.astype(np.int64) for e in enc], [e.card(0) for e in enc])
    in_sizes = np.bincount(in_gid, minlength=in_n)[in_gid]
    hidden = np.zeros((n, m), dtype=bool)
    for j, e in enumerate(enc):
        star = e.star[sol.node[j]]
        hidden[:, j] = (sol.codes[:, j] == star) & (sol.natural[:, j] != star)
    all_star = np.all(sol.codes == np.array([e.star[sol.node[j]] for j, e in enumerate(enc)]), axis=1)
    cells = n * m
    return {
        "records": n,
        "quasi_identifiers": qis,
        "parameters": {
            "k": k,
            "max_suppression": max_suppression,
            "suppression_weight": sw,
            "l_diversity": dict(ldiv),
            "risk_threshold": risk_threshold,
        },
        "k": k,
        "k_achieved": metrics.k_achieved(out, qis, ids),
        "l_diversity": {c: {"l": l, "achieved": metrics.l_achieved(out, qis, c, ids)} for c, l in ldiv.items()},
        "levels": {
            e.name: {"level": sol.node[j], "name": e.level_names[sol.node[j]], "depth": e.depth}
            for j, e in enumerate(enc)
        },
        "classes": metrics.size_distribution(sizes, k),
        "suppression": {
            "cells": int(hidden.sum()),
            "cells_share": float(hidden.sum() / cells) if cells else 0.0,
            "cells_per_column": {q: int(hidden[:, j].sum()) for j, q in enumerate(qis)},
            "records_touched": int(hidden.any(axis=1).sum()),
            "records_touched_share": float(hidden.any(axis=1).mean()) if n else 0.0,
            "records_fully_suppressed": int((all_star & hidden.any(axis=1)).sum()),
            "records_moved_to_fill_star_class": sol.moved,
            "budget_records": math.floor(max_suppression * n + 1e-9),
        },
        "information_loss": {
            "metric": "LM per QI cell (Iyengar); suppressed cell = suppression_weight; mean over records x QIs",
            "total": sol.total / cells if cells else 0.0,
            "generalization": sol.gen / cells if cells else 0.0,
            "suppression": sol.supp / cells if cells else 0.0,
            "per_column": {
                e.name: float(
                    (np.where(hidden[:, j], sw, e.loss[sol.node[j]][sol.natural[:, j]])).mean()
                )
                for j, e in enumerate(enc)
            },
            "discernibility": int((sizes.astype(np.int64) ** 2).sum()),
            "average_class_size": float(n / len(sizes) / k) if len(sizes) else None,
        },
        "risk": {
            "model": "prosecutor: a record's risk is 1 / the size of its equivalence class",
            "input": metrics.prosecutor_risk(in_sizes, risk_threshold),
            "output": metrics.prosecutor_risk(per_record, risk_threshold),
        },
        "uncovered_values": {e.name: e.uncovered for e in enc if e.uncovered},
    }
