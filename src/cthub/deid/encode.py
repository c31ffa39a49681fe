"""Integer encoding of quasi-identifiers at every generalization level.

Every lattice node is evaluated many times, so strings are touched once: each QI's distinct values get codes, and
each level is a small lookup array from original code to generalized code. Evaluating a node is then integer
arithmetic on arrays. Missing values (NA) are a value of their own at every level below the top, because a query
for "missing" must return at least k records just like any other value (the one layout of `cthub.tables.missing`
where missing gets an ordinary code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cthub.deid.hierarchy import TOP, HierarchyError, HierarchyLike, ValueHierarchy

_NA = "\x00<missing>"  # stand-in for NA while factorizing generalized labels


@dataclass
class EncodedQI:
    """One quasi-identifier: original codes per record and, per level, the recoding and its information loss.

    `maps[l][c]` is the level-l code of original code `c`; `labels[l][g]` the published string of level-l code `g`
    (None for missing); `star[l]` the code of "*" at level l (also used for suppressed cells); `loss[l][g]` the
    generalization loss of a cell holding level-l code `g` (Iyengar's LM: (values covered - 1) / (domain - 1)).
    """

    name: str
    level_names: list[str]
    codes: np.ndarray  # original code per record (int32)
    maps: list[np.ndarray]
    labels: list[np.ndarray]
    star: list[int]
    loss: list[np.ndarray]
    uncovered: int = 0  # distinct values the hierarchy did not know (generalized straight to "*")
    _row_loss_sum: list[float] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.maps)

    @property
    def top(self) -> int:
        return len(self.maps) - 1

    def card(self, level: int) -> int:
        return len(self.labels[level])

    def loss_sum(self, level: int) -> float:
        """Sum of the generalization loss over all records with this QI at `level`."""
        return self._row_loss_sum[level]


def _level_labels(h: HierarchyLike, uniques: list[object], level: int, top: int) -> tuple[list[object], int]:
    out: list[object] = []
    unknown = 0
    for u in uniques:
        if level == top:
            out.append(TOP)
        elif u is None:
            out.append(None)  # missing stays its own value until the top
        elif level == 0:
            out.append(u)
        else:
            try:
                out.append(str(h.generalize(u, level)))  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - value outside the hierarchy: hide it completely
                out.append(TOP)
                unknown += 1
    return out, unknown


def encode_qi(name: str, values: pd.Series, hierarchy: HierarchyLike | None) -> EncodedQI:
    """Encode one QI column with its hierarchy (None: the trivial value -> "*" ladder)."""
    h = hierarchy if hierarchy is not None else ValueHierarchy.suppression_only(name)
    depth = int(h.depth)
    if depth < 2:
        raise HierarchyError(f"hierarchy for {name!r} needs at least the original level and '*' (depth >= 2)")
    s = values.astype("string")
    codes, uniq_index = pd.factorize(s, use_na_sentinel=False)
    uniques: list[object] = [None if pd.isna(u) else str(u) for u in uniq_index]
    counts = np.bincount(codes, minlength=len(uniques)).astype(np.float64)
    domain = len(uniques)
    top = depth - 1
    maps: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    stars: list[int] = []
    losses: list[np.ndarray] = []
    row_loss: list[float] = []
    uncovered = 0
    for level in range(depth):
        lab, unknown = _level_labels(h, uniques, level, top)
        uncovered = max(uncovered, unknown)
        lvl_codes, lvl_uniques = pd.factorize(np.array([_NA if x is None else x for x in lab], dtype=object))
        lvl_labels: list[object] = [None if u == _NA else u for u in lvl_uniques]
        if TOP not in lvl_labels:
            lvl_labels.append(TOP)
        star = lvl_labels.index(TOP)
        covered = np.bincount(lvl_codes, minlength=len(lvl_labels)).astype(np.float64)
        if domain > 1:
            loss = (covered - 1.0) / (domain - 1.0)
        else:
            loss = np.zeros(len(lvl_labels))
        loss[covered == 0] = 1.0  # "*" only reachable by suppression
        maps.append(lvl_codes.astype(np.int32))
        labels.append(np.array(lvl_labels, dtype=object))
        stars.append(star)
        losses.append(np.clip(loss, 0.0, 1.0))
        row_loss.append(float(counts @ losses[-1][maps[-1]]))
    _check_coarsening(name, maps, stars)
    return EncodedQI(
        name=name,
        level_names=_level_names(h, name, depth),
        codes=codes.astype(np.int32),
        maps=maps,
        labels=labels,
        star=stars,
        loss=losses,
        uncovered=uncovered,
        _row_loss_sum=row_loss,
    )


def _level_names(h: HierarchyLike, name: str, depth: int) -> list[str]:
    names = [str(x) for x in h.levels]
    if len(names) != depth - 1:
        names = [name] + [f"level{i}" for i in range(1, depth - 1)]
    return [*names, TOP]


def _check_coarsening(name: str, maps: list[np.ndarray], stars: list[int]) -> None:
    """Each level must be a function of the one below, or monotone pruning of the lattice would be wrong."""
    for level in range(1, len(maps)):
        lower, upper = maps[level - 1], maps[level]
        pairs = np.unique(np.stack([lower, upper], axis=1), axis=0)
        if len(pairs) != len(np.unique(lower)):
            raise HierarchyError(
                f"hierarchy for {name!r}: level {level} splits a group of level {level - 1}; each level must merge "
                "groups of the level below (a value at one level has exactly one parent at the next)"
            )
        star_rows = pairs[pairs[:, 0] == stars[level - 1]]
        if len(star_rows) and star_rows[0, 1] != stars[level]:
            raise HierarchyError(f"hierarchy for {name!r}: '*' at level {level - 1} must stay '*' at level {level}")


def encode_qis(
    df: pd.DataFrame, quasi_identifiers: Sequence[str], hierarchies: Mapping[str, HierarchyLike | None]
) -> list[EncodedQI]:
    return [encode_qi(q, df[q], hierarchies.get(q)) for q in quasi_identifiers]
