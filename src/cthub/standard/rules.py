"""Structural rules: combinations of values the standard declares impossible, and counting the records that break them.

Why rules live in the standard: a type of labour without forced labour, or an age band of 9 to 17 with an adult
majority status, never occurs in well-formed data, and a reader of a synthetic file notices such rows first. Stating
the rules once, as data, lets ingest warn a contributor, lets every synthesizer give those cells zero mass
(structural zeros), and lets tests count violations independently of the synthesizer.

A rule reads "if every `if` column holds one of its codes, the `then` column holds one of its codes". Missing is an
empty cell: it never satisfies an `if`, and it breaks a `then` unless the `then` list holds `""`. Internally a rule is
the region it forbids, a conjunction of clauses (`Clause`): the `if` clauses as they are, and the `then` clause
negated. A record breaks the rule when every clause holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cthub.standard.base import StandardError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from cthub.standard.model import Variable

__all__ = ["MISSING", "Clause", "Rule", "count_violations", "parse_rules", "rule_notes"]

MISSING = ""  # how a clause names the empty cell
RULE_KEYS = {"name", "description", "if", "then"}


@dataclass(frozen=True)
class Clause:
    """`column`'s value (missing as "") is in `values`, or, with `negate`, is not."""

    column: str
    values: frozenset[str]
    negate: bool = False

    def holds(self, value: str) -> bool:
        return (value in self.values) != self.negate


@dataclass(frozen=True)
class Rule:
    """A structural rule of a table: `if_` clauses imply `then`; `clauses` is the forbidden region (all must hold)."""

    name: str
    if_: tuple[Clause, ...]
    then: Clause
    description: str = ""

    @property
    def clauses(self) -> tuple[Clause, ...]:
        """The forbidden region: the `if` clauses and the negated `then` clause, all holding at once."""
        return (*self.if_, Clause(self.then.column, self.then.values, not self.then.negate))

    @property
    def columns(self) -> list[str]:
        return [c.column for c in self.clauses]

    def text(self) -> str:
        """The rule as a sentence for documents and warnings (codes only, never record contents)."""

        def codes(c: Clause) -> str:
            vals = sorted("(empty)" if v == MISSING else v for v in c.values)
            return f"{c.column} = {vals[0]}" if len(vals) == 1 else f"{c.column} in {{{', '.join(vals)}}}"

        return f"if {' and '.join(codes(c) for c in self.if_)} then {codes(self.then)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "clauses": [[c.column, sorted(c.values), c.negate] for c in self.clauses],
        }


def count_violations(rules: list[Rule] | tuple[Rule, ...], df: pd.DataFrame) -> dict[str, int]:
    """Records of `df` breaking each rule whose columns are all in `df` (rules over absent columns are left out).

    Counts only: a caller may report them, never the records themselves.
    """
    out: dict[str, int] = {}
    for rule in rules:
        if any(c not in df.columns for c in rule.columns):
            continue
        hit = None
        for clause in rule.clauses:
            col = df[clause.column].astype("string").fillna(MISSING)
            mask = col.isin(clause.values).to_numpy(dtype=bool)
            mask = ~mask if clause.negate else mask
            hit = mask if hit is None else hit & mask
        out[rule.name] = int(hit.sum()) if hit is not None else 0
    return out


def rule_notes(table: Any, df: pd.DataFrame) -> list[str]:
    """One sentence per rule of `table` that records of `df` break (how many, the rule, what to check), for
    ingest's report: the records are kept, since the contributor's data is what it is, but a mapping that sends a
    value to the wrong column shows up here first. Counts and codes only, never record contents."""
    notes = []
    for rule in getattr(table, "rules_", ()):
        n = count_violations([rule], df).get(rule.name, 0)
        if n:
            notes.append(f"{n:,} record(s) break the standard's rule {rule.name!r} ({rule.text()}); they were kept: "
                         f"check how the mapping fills {' and '.join(dict.fromkeys(rule.columns))}")
    return notes


def _codes(raw: Any, var: Variable, where: str, allow_missing: bool) -> frozenset[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise StandardError(f"{where}: list at least one code of {var.name}")
    out: set[str] = set()
    for item in items:
        if isinstance(item, bool):
            raise StandardError(f"{where}: {item!r} was read as a YAML boolean; quote the code ('1', '0', 'Yes')")
        code = str(item) if isinstance(item, int) else item
        if not isinstance(code, str):
            raise StandardError(f"{where}: code {item!r} of {var.name} must be a string")
        if code == MISSING:
            if not allow_missing:
                raise StandardError(f"{where}: an empty cell never satisfies an 'if'; list codes of {var.name}")
        elif code not in var.codes:
            raise StandardError(f"{where}: {code!r} is not a code of {var.name} (codes: {', '.join(var.codes[:12])})")
        out.add(code)
    return frozenset(out)


def parse_rules(raw: Any, path: str, variables: dict[str, Variable]) -> tuple[Rule, ...]:
    """Rules of a table file (`rules:`), checked against its variables; every error names the file and the rule."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise StandardError(f"{path}: 'rules' must be a list of {{name, if, then}} entries")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise StandardError(f"{path}: rule #{i + 1} must be a mapping with a 'name'")
        name = item["name"]
        where = f"{path}: rule {name!r}"
        unknown = set(item) - RULE_KEYS
        if unknown:
            raise StandardError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(RULE_KEYS)}")
        if name in seen:
            raise StandardError(f"{where}: defined twice; give each rule its own name")
        seen.add(name)
        cond, then = item.get("if"), item.get("then")
        if not isinstance(cond, dict) or not cond:
            raise StandardError(f"{where}: 'if' must map one or more variables to a code or a list of codes")
        if not isinstance(then, dict) or len(then) != 1:
            raise StandardError(f"{where}: 'then' must map exactly one variable to a code or a list of codes")
        clauses = []
        for column, codes in [*cond.items(), *then.items()]:
            var = variables.get(str(column))
            if var is None:
                raise StandardError(f"{where}: {column!r} is not a variable of this table")
            if var.type == "multi":
                raise StandardError(f"{where}: {column!r} is multi-valued; rules take single-valued variables")
            clauses.append((str(column), codes, var))
        then_col = clauses[-1][0]
        if then_col in cond:
            raise StandardError(f"{where}: {then_col!r} is in both 'if' and 'then'")
        if_ = tuple(Clause(c, _codes(v, var, where, False)) for c, v, var in clauses[:-1])
        then_values = _codes(clauses[-1][1], clauses[-1][2], where, True)
        if then_values >= set(clauses[-1][2].codes) | {MISSING}:
            raise StandardError(f"{where}: 'then' allows every value of {then_col!r}, so the rule forbids nothing")
        rules.append(Rule(name, if_, Clause(then_col, then_values), str(item.get("description", "") or "")))
    return tuple(rules)
