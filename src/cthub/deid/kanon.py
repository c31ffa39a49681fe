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

What analysts need, from the standard (`kanon` in its YAML): each QI's loss is multiplied by its weight, and the
lattice stops at each QI's coarsest level (no node recodes a column above it; the top node is then not always
available, so a table too small for the constraints is refused with a message rather than published as "*"). The
output carries only an allow-list of columns, l-diversity (l = 2) is on by default for the published sensitive
flags, and with a person key every class holds k distinct persons. `suppression.by_column` gives the share of each
QI published as "*", so a gate can refuse a file that hides a whole column.

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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cthub.deid import metrics
from cthub.deid.encode import EncodedQI, encode_qis
from cthub.deid.groups import Diversity, Rollup, group_ids, group_ok
from cthub.deid.hierarchy import (
    TOP,
    HierarchyLike,
    ValueHierarchy,
    standard_direct_identifiers,
    standard_hierarchies,
)
from cthub.deid.suppress import fill_star_class, suppress_classes

if TYPE_CHECKING:  # pragma: no cover
    from cthub.standard import Table

MAX_NODES = 200_000
LDiversity = Mapping[str, int] | tuple[str, int] | Sequence[str] | str | None


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
    if isinstance(spec, Mapping):
        return {str(c): int(l) for c, l in spec.items()}
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and not isinstance(spec[1], str):
        return {spec[0]: int(spec[1])}
    items: Sequence[object] = [spec] if isinstance(spec, str) else spec
    out: dict[str, int] = {}
    for item in items:
        col, sep, l = str(item).rpartition(":")
        if not sep or not col or not l.strip().isdigit():
            raise KAnonymityError(f"l-diversity must be given as COLUMN:L (e.g. isForcedLabour:2), got {item!r}")
        out[col] = int(l)
    return out


def _resolve_hierarchies(
    columns: Sequence[str], given: Mapping[str, Any] | None, use_standard: bool, std_table: Table | None = None
) -> tuple[dict[str, HierarchyLike | None], dict[str, str]]:
    found: dict[str, HierarchyLike | None] = {}
    source: dict[str, str] = {}
    std: dict[str, HierarchyLike]
    if std_table is not None:
        std = {c: h for c, h in std_table.hierarchies.items() if c in columns}
    else:
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
    columns: Sequence[str] | None = None,
    person: str | None = None,
    weights: Mapping[str, float] | None = None,
    coarsest: Mapping[str, int | str] | None = None,
    standard_table: str | None = None,
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
    share of records local suppression may touch.

    What is published: `columns` is the allow-list of output columns (None keeps every column; the release pipeline
    passes the standard's `Table.kanon_columns`); a QI left out of it is not published, so it is not searched either.
    Columns in `drop` and those the standard marks as direct identifiers are removed first.

    The standard's table (`standard_table`, or the one whose columns hold every QI and most of the frame's columns)
    gives the defaults, because a classic release must not depend on the caller remembering them: `l_diversity=None`
    means l = 2 on every published sensitive column the standard lists (`{}` switches it off); `weights=None` the
    standard's QI weights (`{}`: all 1); `coarsest=None` its coarsest levels (`{}`: no limit), level numbers or level
    names; a lattice node above a column's coarsest level is never chosen (cells may still be suppressed, which
    `suppression.by_column` reports).

    `person` names a column holding a person key (rows of one person, e.g. a victim's perpetrator rows): every class
    then holds at least k distinct persons, l-diversity is counted over persons, and the column is not published. A
    person's rows must agree on the QIs (they describe the person), else `KAnonymityError`. The search runs on one row
    per person (k then counts persons; for l it sees each person's first value, which can only undercount a class's
    values), and the result is recounted on every published row before it is returned. `classes`, `k_achieved` and
    `risk` in the report count persons; `records` counts rows.

    `fixed_levels` pins QIs to a generalization level (e.g. {"citizenship": 0} keeps countries), leaving the search to
    the other QIs and to suppression. Raises `KAnonymityError` when k exceeds the number of records (or persons): no
    table with fewer than k of them can be k-anonymous, not even an all-"*" one.
    """
    started = time.perf_counter()
    qis = list(quasi_identifiers)
    if person is not None and person not in df.columns:
        raise KAnonymityError(f"person column {person!r} is not in the table; name the column holding the person key")
    if columns is not None:
        absent = [c for c in columns if c not in df.columns]
        if absent:
            raise KAnonymityError(
                f"column(s) {absent} of the allow-list are not in the table; its columns are: "
                f"{', '.join(map(str, df.columns))}"
            )
    std_table = _standard_table(standard_table, df.columns, qis) if use_standard else None
    keep = None if columns is None else set(columns)
    not_published = [q for q in qis if keep is not None and q not in keep]
    qis = [q for q in qis if q not in not_published]
    if person is not None and person in qis:
        raise KAnonymityError(f"{person!r} is the person key and cannot also be a quasi-identifier")
    _validate(df, qis, int(k) if isinstance(k, (int, np.integer)) else k, max_suppression, {})
    k = int(k)
    absent = [c for c in drop if c not in df.columns]
    if absent:
        raise KAnonymityError(f"column(s) {absent} to drop are not in the table; check the names given to --drop")
    dropped = list(dict.fromkeys([*drop, *(standard_direct_identifiers(list(df.columns)) if use_standard else [])]))
    out_cols = [c for c in df.columns if c not in dropped and c != person and (keep is None or c in keep)]
    if l_diversity is None:
        std_l = std_table.kanon_l_diversity if std_table is not None else {}
        ldiv = {c: l for c, l in std_l.items() if c in out_cols and c not in qis}
        l_source = "standard" if std_table is not None else "none"
    else:
        ldiv = parse_l_diversity(l_diversity)
        l_source = "given"
    _validate(df, qis, k, max_suppression, ldiv)
    if person is not None and person in ldiv:
        raise KAnonymityError(f"{person!r} is the person key and cannot be an l-diversity column")
    clash = [c for c in dropped if c in qis or c in ldiv]
    if clash:
        raise KAnonymityError(f"column(s) {clash} are marked to drop as direct identifiers but also used as QI/sensitive")
    table = df[out_cols + [c for c in ldiv if c not in out_cols]].reset_index(drop=True)
    rows = len(table)
    person_code, first = _persons(df, person, qis)
    work = table.iloc[first].reset_index(drop=True) if person is not None else table
    n = len(work)
    unit = "persons" if person is not None else "records"
    if n > 0 and k > n:
        raise KAnonymityError(
            f"k={k} is larger than the table ({n} {unit}): no release of it can be {k}-anonymous, not even one with "
            f"every cell suppressed. Collect more {unit} or lower k."
        )
    found, source = _resolve_hierarchies(qis, hierarchies, use_standard, std_table)
    enc = encode_qis(work, qis, found)
    w = _weights(qis, weights, std_table)
    caps = _caps(enc, coarsest, std_table, source)
    sens_codes = {c: pd.factorize(work[c].astype("string"), use_na_sentinel=False)[0].astype(np.int64) for c in ldiv}
    for c, l in ldiv.items():
        distinct = len(np.unique(sens_codes[c])) if n else 0
        if n and distinct < l:
            raise KAnonymityError(
                f"{c!r} has only {distinct} distinct values in the whole table, so no class can hold {l}; lower l"
            )
    if n == 0:
        out = table[out_cols].copy()
        for q in qis:
            out[q] = out[q].astype("string")
        report: dict[str, Any] = {"records": 0, "k": k, "k_achieved": None, "note": "empty table: nothing to protect"}
        return KAnonResult(out, report)

    pinned = _pinned(enc, fixed_levels, caps)
    sol, stats = _search(enc, k, ldiv, sens_codes, max_suppression, suppression_weight, progress, pinned, w, caps)
    out_work = _render(work, enc, sol)
    ids = metrics.class_ids(out_work, qis)
    problems = metrics.violations(out_work, qis, k, ldiv, ids)
    if person is not None:
        out = table.copy()
        for q in qis:
            out[q] = pd.array(out_work[q].to_numpy(dtype=object)[person_code], dtype="string")
        # the guarantee, recounted on the published rows with the person key: k distinct persons, l values per class
        row_ids = metrics.class_ids(out, qis)
        problems += metrics.violations(out, qis, k, ldiv, row_ids, persons=person_code)
    else:
        out = out_work
    if problems:  # pragma: no cover - a bug guard: the engine must never get here
        raise KAnonymityError("internal check failed, refusing to return the table: " + "; ".join(problems))
    out = out[out_cols]
    stats["seconds"] = round(time.perf_counter() - started, 4)
    report = build_report(out_work, ids, enc, sol, k, ldiv, max_suppression, suppression_weight, risk_threshold, w)
    report["search"] = stats
    report["dropped_columns"] = dropped
    report["hierarchy_source"] = source
    report["columns"] = list(out.columns)
    report["quasi_identifiers_not_published"] = not_published
    report["l_diversity_source"] = l_source
    report["standard_table"] = std_table.name if std_table is not None else None
    report["coarsest"] = {e.name: {"level": caps[j], "name": e.level_names[caps[j]]} for j, e in enumerate(enc)}
    report["weights"] = dict(zip(qis, map(float, w), strict=True))
    report["unit"] = "person" if person is not None else "record"
    if person is not None:
        report["persons"] = n
        report["records"] = rows
    report["suppression"]["by_column"] = {
        q: float((out[q] == TOP).fillna(False).mean()) if rows else 0.0 for q in qis
    }
    out.index = df.index  # rows stay where they were, so callers can join back on their own index
    return KAnonResult(out, report)


def suppression_failures(report: Mapping[str, Any], max_share: float) -> list[str]:
    """Why a release's k-anonymized file hides too much of some column (empty when none does).

    A column whose cells are mostly "*" still "passes" k-anonymity while publishing nothing; the release gate calls
    this with its configured share (`suppression.by_column` counts a cell published as "*", by recoding or by
    suppression).
    """
    if not 0.0 <= max_share <= 1.0:
        raise KAnonymityError(f"the largest suppressed share per column is between 0 and 1 (got {max_share})")
    by_column = (report.get("suppression") or {}).get("by_column") or {}
    return [
        f"{share:.0%} of column {col!r} is suppressed ('*'), more than the allowed {max_share:.0%}; collect more "
        f"records, publish fewer columns or let {col!r} be generalized further (its coarsest level in the standard)"
        for col, share in by_column.items()
        if share > max_share + 1e-12
    ]


def _standard_table(name: str | None, columns: Sequence[str], qis: Sequence[str]) -> Table | None:
    """The standard table whose settings apply: the one named, else the one holding every QI and most columns."""
    try:
        from cthub.standard import load_standard

        std = load_standard()
    except Exception:  # noqa: BLE001 - the standard is optional for standalone use
        if name is not None:
            raise
        return None
    if name is not None:
        return std.table(name)
    best, overlap = None, 0
    for table in std.tables.values():
        cols = set(table.columns)
        if qis and set(qis) <= cols and len(cols & set(columns)) > overlap:
            best, overlap = table, len(cols & set(columns))
    return best


def _persons(df: pd.DataFrame, person: str | None, qis: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(person index of every row, first row of every person); a row without a key is a person of its own."""
    n = len(df)
    if person is None:
        return np.arange(n), np.arange(n)
    key = df[person].astype("string").reset_index(drop=True)
    codes, uniq = pd.factorize(key, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    lone = np.flatnonzero(codes < 0)
    codes[lone] = len(uniq) + np.arange(len(lone))
    n_persons = len(uniq) + len(lone)
    first = np.full(n_persons, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n))
    disagree = []
    for q in qis:
        vals = pd.factorize(df[q].astype("string").reset_index(drop=True), use_na_sentinel=False)[0]
        if len(np.unique(codes * (int(vals.max(initial=0)) + 1) + vals)) != n_persons:
            disagree.append(q)
    if disagree:
        raise KAnonymityError(
            f"some persons' rows disagree on quasi-identifier(s) {disagree}; a quasi-identifier describes the person, "
            "so fix those rows (or leave the person key out and count rows)"
        )
    return codes, first


def _weights(qis: Sequence[str], given: Mapping[str, float] | None, std_table: Table | None) -> np.ndarray:
    source = given if given is not None else (std_table.kanon_weights if std_table is not None else {})
    unknown = [c for c in (given or {}) if c not in qis]
    if unknown:
        raise KAnonymityError(f"weight given for {unknown}, which are not quasi-identifiers")
    w = np.array([float(source.get(q, 1.0)) for q in qis])
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise KAnonymityError("quasi-identifier weights must be positive numbers")
    return w


def _caps(
    enc: list[EncodedQI], given: Mapping[str, int | str] | None, std_table: Table | None, source: Mapping[str, str]
) -> list[int]:
    """Coarsest level per QI; the standard's level only applies when its hierarchy is the one in use."""
    names = [e.name for e in enc]
    unknown = [c for c in (given or {}) if c not in names]
    if unknown:
        raise KAnonymityError(f"coarsest level given for {unknown}, which are not quasi-identifiers")
    caps = []
    for e in enc:
        if given is not None:
            raw = given.get(e.name, e.top)
        elif std_table is not None and source.get(e.name) == "standard":
            raw = std_table.kanon_coarsest.get(e.name, e.top)
        else:
            raw = e.top
        if isinstance(raw, str):
            if raw not in e.level_names:
                raise KAnonymityError(
                    f"{e.name!r} has no level {raw!r}; its levels are {', '.join(e.level_names)}"
                )
            raw = e.level_names.index(raw)
        if not 0 <= int(raw) <= e.top:
            raise KAnonymityError(f"{e.name!r} has levels 0..{e.top} ({', '.join(e.level_names)}); got {raw}")
        caps.append(int(raw))
    return caps


def _pinned(enc: list[EncodedQI], fixed: Mapping[str, int] | None, caps: Sequence[int] | None = None) -> dict[int, int]:
    names = [e.name for e in enc]
    out: dict[int, int] = {}
    for col, level in (fixed or {}).items():
        if col not in names:
            raise KAnonymityError(f"fixed level given for {col!r}, which is not a quasi-identifier")
        e = enc[names.index(col)]
        if not 0 <= int(level) < e.depth:
            raise KAnonymityError(f"{col!r} has levels 0..{e.depth - 1} ({', '.join(e.level_names)}); got {level}")
        if caps is not None and int(level) > caps[names.index(col)]:
            raise KAnonymityError(
                f"{col!r} is pinned to level {level}, above its coarsest allowed level {caps[names.index(col)]}"
            )
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
    weights: np.ndarray | None = None,
    caps: Sequence[int] | None = None,
) -> tuple[_Solution, dict[str, Any]]:
    m = len(enc)
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64)
    caps = [e.top for e in enc] if caps is None else list(caps)
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
    ranges = [[pinned[j]] if pinned and j in pinned else list(range(min(d, caps[j] + 1))) for j, d in enumerate(depths)]
    n_nodes = math.prod(len(r) for r in ranges)
    if n_nodes > MAX_NODES:
        raise KAnonymityError(
            f"the generalization lattice has {n_nodes} nodes (more than {MAX_NODES}); use fewer quasi-identifiers or "
            "shallower hierarchies"
        )
    nodes = np.array(list(product(*ranges)), dtype=np.int64).reshape(-1, m)
    gen = np.zeros(len(nodes))
    for j, e in enumerate(enc):
        gen += w[j] * np.array([e.loss_sum(l) for l in range(e.depth)])[nodes[:, j]]
    order = np.lexsort((nodes.sum(axis=1), gen))
    budget = math.floor(max_suppression * n + 1e-9)
    # cheapest possible suppression per record at each level of each QI
    min_cell = [w[j] * np.array([max(sw - float(e.loss[l][: e.card(l)].max(initial=0.0)), 0.0) for l in range(e.depth)])
                for j, e in enumerate(enc)]
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
            suppressed = _suppress_node(enc, node, cols, cards, cid, n_cls, size, base_id, natural, k, divs0, ldiv,
                                        sens_codes, sw, float(gen[idx]), active, w)
            if suppressed is None or suppressed.touched > budget:
                continue
            sol = suppressed
        if best is None or sol.total < best.total - 1e-9:
            best = sol
    if progress:
        progress(len(order), len(order))
    if best is None:  # only when levels are pinned or capped: the top node always qualifies when n >= k
        raise KAnonymityError(
            "no generalization satisfies k (and l-diversity) within the suppression limit at the allowed levels "
            "(pinned levels and each quasi-identifier's coarsest level); raise the suppression limit, publish fewer "
            "columns, allow coarser levels or collect more records"
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
    weights: np.ndarray | None = None,
) -> _Solution | None:
    m = len(enc)
    first = np.zeros(n_cls, dtype=np.int64)
    first[cid[::-1]] = np.arange(len(cid) - 1, -1, -1)
    cls_codes = np.stack([c[first] for c in cols], axis=1)
    divs = [d.remap(cid) for d in divs0]
    stars = [e.star[l] for e, l in zip(enc, node, strict=True)]
    w = np.ones(m) if weights is None else weights
    cell_cost = [w[j] * (sw - e.loss[l]) for j, (e, l) in enumerate(zip(enc, node, strict=True))]
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
    weights: np.ndarray | None = None,
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
            "metric": "LM per QI cell (Iyengar) times the QI's weight; suppressed cell = suppression_weight times the "
                      "weight; mean over records x QIs (per_column: unweighted)",
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
