"""The standard's vocabulary: `Standard`, `Table`, `Variable`, `Value`, `Hierarchy`.

These objects are built once by the loader and shared (the packaged standard is cached), so they expose read-only
views: list-returning properties hand out copies, never the internal tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cthub.standard.base import TOP, Problem, StandardError, UnknownNameError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TYPES = ("categorical", "boolean", "year", "country", "multi")
ROLES = ("quasi_identifier", "sensitive", "plain")


@dataclass(frozen=True)
class Value:
    """One allowed code of a variable and its human label (what the codebook and the explorer show)."""

    code: str
    label: str
    definition: str = ""


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """A generalization ladder used by k-anonymity: level 0 is the original code, the last level is always "*".

    Level 0 is named after the variable that uses the hierarchy (["ageBroad", "majority"]); other levels have
    identifier-like names and human `labels`.

    `maps[i]` sends a code of level i to its parent at level i+1 (for i < len(levels) - 1); the step from the last
    named level to "*" is implicit.
    """

    name: str
    levels_: tuple[str, ...]
    maps: tuple[dict[str, str], ...]
    level_values: tuple[tuple[str, ...], ...]
    description: str = ""
    level_labels: tuple[str, ...] = ()
    _originals: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_originals", frozenset(self.level_values[0]))

    @property
    def levels(self) -> list[str]:
        """Level names, original first; "*" is not listed (it is implied as the top)."""
        return list(self.levels_)

    @property
    def labels(self) -> list[str]:
        """Human labels of the levels, for documents (falls back to the level names)."""
        return list(self.level_labels) if self.level_labels else list(self.levels_)

    @property
    def depth(self) -> int:
        """Number of levels including the original and "*"."""
        return len(self.levels_) + 1

    def values(self, level: int) -> list[str]:
        """The codes that exist at `level` (["*"] at the top)."""
        self._check_level(level)
        if level == len(self.levels_):
            return [TOP]
        return list(self.level_values[level])

    def mapping(self, level: int) -> dict[str, str]:
        """Original code -> its generalization at `level`, for vectorized recoding (`series.map(h.mapping(2))`)."""
        self._check_level(level)
        return {code: self.generalize(code, level) for code in self.level_values[0]}

    def generalize(self, code: str, level: int) -> str:
        """Generalize an original (level-0) code to `level`; the top level is "*"."""
        self._check_level(level)
        if code not in self._originals:
            raise UnknownNameError(
                f"hierarchy {self.name!r}: {code!r} is not a code of level 0 ({self.levels_[0]}); "
                "check the value against the variable's codes in the standard"
            )
        if level == len(self.levels_):
            return TOP
        for i in range(level):
            code = self.maps[i][code]
        return code

    def _check_level(self, level: int) -> None:
        if not 0 <= level < self.depth:
            raise StandardError(
                f"hierarchy {self.name!r} has levels 0..{self.depth - 1} ({', '.join(self.levels_)}, *); "
                f"level {level} does not exist"
            )


@dataclass(frozen=True, eq=False)
class Variable:
    """One column of a published table, with everything needed to validate, protect, label and document it."""

    name: str
    label: str
    definition: str
    type: str
    values_: tuple[Value, ...]
    missing: str
    role: str
    hierarchy: Hierarchy | None = None
    separator: str | None = None
    explore: bool = False
    htcds: str | None = None
    source: str = ""
    notes: str = ""
    codelist: str | None = None
    kanon_publish: bool = False
    weight: float = 1.0
    coarsest_level: int | None = None
    l_diversity: int | None = None

    @property
    def coarsest(self) -> str | None:
        """Name of the coarsest hierarchy level k-anonymity may recode this quasi-identifier to ("*" = no limit)."""
        if self.hierarchy is None or self.coarsest_level is None:
            return None
        if self.coarsest_level >= self.hierarchy.depth - 1:
            return TOP
        return self.hierarchy.levels_[self.coarsest_level]

    @property
    def values(self) -> list[Value]:
        """Allowed values in schema order (for `multi`: the atoms a cell may join)."""
        return list(self.values_)

    @property
    def codes(self) -> list[str]:
        """Allowed codes in schema order."""
        return [v.code for v in self.values_]

    @property
    def labels(self) -> dict[str, str]:
        """Code -> label, for display."""
        return {v.code: v.label for v in self.values_}

    def label_of(self, code: str) -> str:
        """The label of `code` (for multi cells, the labels of each part joined with "; ")."""
        labels = self.labels
        if self.type == "multi" and self.separator:
            return "; ".join(labels.get(part, part) for part in code.split(self.separator))
        return labels.get(code, code)


@dataclass(frozen=True, eq=False)
class Table:
    """A published table: its variables in column order."""

    name: str
    title: str
    description: str
    variables_: tuple[Variable, ...]
    source: str = ""
    rules_: tuple[Any, ...] = ()  # cthub.standard.rules.Rule (imported when used: it needs pandas)

    @property
    def rules(self) -> list[Any]:
        """Structural rules (`cthub.standard.rules.Rule`): value combinations no record may hold."""
        return list(self.rules_)

    def rule_violations(self, df: pd.DataFrame) -> dict[str, int]:
        """Rule name -> how many records of `df` break it (rules over columns `df` lacks are left out)."""
        from cthub.standard.rules import count_violations

        return count_violations(self.rules_, df)

    @property
    def variables(self) -> list[Variable]:
        return list(self.variables_)

    @property
    def columns(self) -> list[str]:
        return [v.name for v in self.variables_]

    def variable(self, name: str) -> Variable:
        for var in self.variables_:
            if var.name == name:
                return var
        raise UnknownNameError(
            f"table {self.name!r} has no variable {name!r}; its variables are: {', '.join(self.columns)}"
        )

    @property
    def quasi_identifiers(self) -> list[str]:
        return [v.name for v in self.variables_ if v.role == "quasi_identifier"]

    @property
    def sensitive(self) -> list[str]:
        return [v.name for v in self.variables_ if v.role == "sensitive"]

    @property
    def explore_columns(self) -> list[str]:
        """Sensible default columns for aggregates and the explorer (variables flagged `explore: true`)."""
        return [v.name for v in self.variables_ if v.explore]

    @property
    def hierarchies(self) -> dict[str, Hierarchy]:
        """Variable name -> its hierarchy, for the variables that have one."""
        return {v.name: v.hierarchy for v in self.variables_ if v.hierarchy is not None}

    @property
    def kanon_columns(self) -> list[str]:
        """The allow-list of k-anonymized microdata (`kanon: publish`), in schema order; every other column is dropped.

        A short list on purpose: each published column narrows the classes an attacker can single a person out in,
        and an exact non-QI column lets a reader recount cells the aggregates suppress.
        """
        return [v.name for v in self.variables_ if v.kanon_publish]

    @property
    def kanon_weights(self) -> dict[str, float]:
        """Quasi-identifier -> weight of its information loss in the lattice search (what analysts need most)."""
        return {v.name: v.weight for v in self.variables_ if v.role == "quasi_identifier"}

    @property
    def kanon_coarsest(self) -> dict[str, int]:
        """Quasi-identifier -> coarsest hierarchy level the lattice search may choose (local suppression aside)."""
        return {
            v.name: v.coarsest_level
            for v in self.variables_
            if v.role == "quasi_identifier" and v.coarsest_level is not None
        }

    @property
    def kanon_l_diversity(self) -> dict[str, int]:
        """Published sensitive column -> l: every equivalence class must hold at least l distinct values of it."""
        return {v.name: v.l_diversity for v in self.variables_ if v.kanon_publish and v.l_diversity}


@dataclass(frozen=True, eq=False)
class Standard:
    """The whole standard: version plus its tables. Built by `load_standard`."""

    version: str
    title: str
    description: str
    tables_: dict[str, Table]
    codelists: dict[str, tuple[Value, ...]] = field(default_factory=dict)
    hierarchies: dict[str, Hierarchy] = field(default_factory=dict)
    path: str = ""

    @property
    def tables(self) -> dict[str, Table]:
        return dict(self.tables_)

    def table(self, name: str) -> Table:
        try:
            return self.tables_[name]
        except KeyError:
            raise UnknownNameError(
                f"the standard has no table {name!r}; its tables are: {', '.join(self.tables_)}"
            ) from None

    def check_frame(self, table_name: str, df: pd.DataFrame, generalized: bool = False) -> list[Problem]:
        """Validate a frame against a table (see `cthub.standard.check.check_frame`); `generalized=True` also
        accepts hierarchy values and "*" (k-anonymized output)."""
        from cthub.standard.check import check_frame

        return check_frame(self.table(table_name), df, generalized=generalized)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (used by the web explorer for labels)."""
        return {
            "version": self.version,
            "title": self.title,
            "tables": {
                t.name: {
                    "title": t.title,
                    "description": t.description,
                    "variables": [
                        {
                            "name": v.name,
                            "label": v.label,
                            "definition": v.definition,
                            "type": v.type,
                            "role": v.role,
                            "explore": v.explore,
                            "missing": v.missing,
                            "separator": v.separator,
                            "values": [{"code": x.code, "label": x.label} for x in v.values_],
                            "hierarchy": v.hierarchy.levels if v.hierarchy else None,
                            "htcds": v.htcds,
                        }
                        for v in t.variables_
                    ],
                }
                for t in self.tables_.values()
            },
        }
