"""The standard's structural rules as structural zeros of a synthesizer's model.

Why not rejection sampling: dropping or redrawing whole rows that break a rule changes every other marginal of the
kept rows. Here the forbidden cells get zero mass instead: in every measured table that holds all of a rule's
columns (before raking, so the rest of the table takes the mass), and in the conditional each column is drawn from,
given the values the row already has (the last column of a rule drawn in a row can only take allowed values). Both
are post-processing of noisy statistics with public rules: they cost no privacy.

Rules travel as JSON (`{"name", "clauses": [[column, [values], negate], ...]}`, missing as ""), the forbidden region
of `cthub.standard.rules.Rule`: a row breaks a rule when every clause holds. Models save them, so a reloaded model
keeps obeying them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Structure", "rules_json"]

MISSING = ""


def rules_json(rules: Any, columns: list[str]) -> list[dict[str, Any]]:
    """The rules (standard `Rule`s or their JSON) whose columns are all in `columns`, as JSON; others are dropped:
    a rule over a column that is not synthesized can neither be broken nor enforced."""
    out = []
    for rule in rules or []:
        data = rule.to_json() if hasattr(rule, "to_json") else dict(rule)
        clauses = [[str(c), sorted(str(v) for v in vals), bool(neg)] for c, vals, neg in data["clauses"]]
        if all(c in columns for c, _, _ in clauses):
            out.append({"name": str(data["name"]), "clauses": clauses})
    return out


class Structure:
    """Rules over encoded columns: which codes each clause holds for, given each column's decoded value per code.

    `code_values[j][i]` is the value code i of column j decodes to (None or "" for missing). A code decoding to
    several values (a merged group) holds a clause only if all of them do, so synthesizers keep rule columns unmerged.
    """

    def __init__(self, rules: list[dict[str, Any]], columns: list[str], code_values: list[list[str | None]]) -> None:
        index = {c: j for j, c in enumerate(columns)}
        self.rules = rules
        self.encoded: list[list[tuple[int, np.ndarray]]] = []
        for rule in rules:
            enc = []
            for column, values, negate in rule["clauses"]:
                j = index[column]
                vals = set(values)
                held = np.array([((v or MISSING) in vals) != negate for v in code_values[j]], dtype=bool)
                enc.append((j, held))
            self.encoded.append(enc)

    @property
    def columns(self) -> set[int]:
        return {j for enc in self.encoded for j, _ in enc}

    def __bool__(self) -> bool:
        return bool(self.encoded)

    def zero(self, table: np.ndarray, cols: list[int]) -> np.ndarray:
        """`table` over `cols` (one axis each) with every cell of a rule's forbidden region set to zero."""
        out = table
        for enc in self.encoded:
            if not all(j in cols for j, _ in enc):
                continue
            region = np.ones(table.shape, dtype=bool)
            for j, held in enc:
                axis = cols.index(j)
                shape = [1] * table.ndim
                shape[axis] = len(held)
                region &= held.reshape(shape)
            if region.any():
                out = np.where(region, 0.0, out)
        return out

    def forbidden(self, sizes: list[int], cols: list[int]) -> np.ndarray | None:
        """Boolean table over `cols` marking the cells some rule forbids (None if no rule lies within `cols`)."""
        if not any(all(j in cols for j, _ in enc) for enc in self.encoded):
            return None
        return self.zero(np.ones([sizes[j] for j in cols]), cols) == 0

    def mask(self, c: int, codes: np.ndarray, drawn: set[int]) -> tuple[np.ndarray, np.ndarray] | None:
        """For column c drawn after the columns in `drawn` (codes: rows x columns): (pattern id per row, allowed
        codes per pattern), from every rule whose other columns are all drawn; None when no rule constrains c."""
        key = np.zeros(codes.shape[0], dtype=np.int64)
        owns: list[np.ndarray] = []
        for enc in self.encoded:
            own = [held for j, held in enc if j == c]
            others = [(j, held) for j, held in enc if j != c]
            if not own or not own[0].any() or not all(j in drawn for j, _ in others):
                continue
            active = np.ones(codes.shape[0], dtype=bool)
            for j, held in others:
                active &= held[codes[:, j]]
            if len(owns) < 62:  # rows are keyed by which rules bind them (a bit each)
                key |= active.astype(np.int64) << len(owns)
                owns.append(own[0])
        if not owns or not key.any():
            return None
        uniq, ids = np.unique(key, return_inverse=True)
        bits = ((uniq[:, None] >> np.arange(len(owns))[None, :]) & 1).astype(bool)
        forbidden = (bits[:, :, None] & np.stack(owns)[None, :, :]).any(axis=1)
        return ids.reshape(-1).astype(np.int64), ~forbidden

    def violations(self, codes: np.ndarray) -> int:
        """Rows of `codes` breaking any rule (for tests and checks)."""
        bad = np.zeros(codes.shape[0], dtype=bool)
        for enc in self.encoded:
            hit = np.ones(codes.shape[0], dtype=bool)
            for j, held in enc:
                hit &= held[codes[:, j]]
            bad |= hit
        return int(bad.sum())
