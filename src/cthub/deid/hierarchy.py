"""Generalization hierarchies for k-anonymity, and where they come from.

The engine only needs the shape `cthub.standard.Hierarchy` has (`levels`, `depth`, `generalize(code, level)`), so a
hierarchy may come from the standard, from a file a data manager wrote (YAML or ARX-style CSV), or be the trivial
"value -> *" ladder used for columns nobody described. Files are the escape hatch for tables outside the standard:
the same CSV hierarchies ARX users already have can be reused as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import yaml

TOP = "*"


class HierarchyError(ValueError):
    """A hierarchy file or object that cannot be used; the message names the column and what to fix."""


@runtime_checkable
class HierarchyLike(Protocol):
    """What the engine needs from a hierarchy (the standard's `Hierarchy` satisfies it)."""

    @property
    def levels(self) -> list[str]: ...

    @property
    def depth(self) -> int: ...

    def generalize(self, code: str, level: int) -> str: ...


class ValueHierarchy:
    """A hierarchy given as a table: each original value with its generalization at every level above it.

    `table[value] = [level1, level2, ...]`; a final "*" level is added when the table does not end in "*" for every
    value, so the top of the ladder always hides the value completely (as in the standard).
    """

    def __init__(self, name: str, table: Mapping[str, Sequence[object]], levels: Sequence[str] | None = None) -> None:
        # cells may be YAML numbers (a year band such as 1990): every cell is read as its string
        if not table:
            raise HierarchyError(f"hierarchy {name!r} has no values; give at least one row")
        widths = {len(v) for v in table.values()}
        if len(widths) != 1:
            raise HierarchyError(
                f"hierarchy {name!r}: every value needs the same number of levels (found {sorted(widths)}); "
                "fill the missing levels of the short rows"
            )
        rows = {str(k): [str(x) for x in v] for k, v in table.items()}
        if not all(r and r[-1] == TOP for r in rows.values()):
            rows = {k: [*r, TOP] for k, r in rows.items()}
        self.name = name
        self._rows = rows
        n_levels = len(next(iter(rows.values())))  # levels above the original, "*" included
        names = list(levels) if levels else []
        # level names: original first, then one per generalized level except "*"
        default = [name] + [f"level{i}" for i in range(1, n_levels)]
        if len(names) != n_levels:
            names = default
        self._levels = names

    @property
    def levels(self) -> list[str]:
        """Level names, original first; "*" is implied as the top."""
        return list(self._levels)

    @property
    def depth(self) -> int:
        """Number of levels including the original and "*"."""
        return len(self._levels) + 1

    def generalize(self, code: str, level: int) -> str:
        if not 0 <= level < self.depth:
            raise HierarchyError(f"hierarchy {self.name!r} has levels 0..{self.depth - 1}; level {level} does not exist")
        if level == 0:
            return code
        if level == self.depth - 1:
            return TOP
        try:
            return self._rows[code][level - 1]
        except KeyError:
            raise HierarchyError(f"hierarchy {self.name!r} has no row for one of the column's values") from None

    @classmethod
    def suppression_only(cls, name: str) -> ValueHierarchy:
        """The trivial ladder value -> "*" (any value generalizes to "*")."""
        h = cls.__new__(cls)
        h.name = name
        h._rows = {}
        h._levels = [name]
        return h


def _from_yaml_spec(column: str, spec: Any) -> ValueHierarchy:
    """`{levels: [...], values: {v: [l1, ...]}}` or just `{v: [l1, ...]}` (a scalar is one level)."""
    if isinstance(spec, Mapping) and "values" in spec:
        levels = spec.get("levels")
        values = spec["values"]
    else:
        levels, values = None, spec
    if not isinstance(values, Mapping):
        raise HierarchyError(
            f"hierarchy for {column!r}: expected a mapping value -> list of generalizations, got {type(values).__name__}"
        )
    table = {str(k): ([v] if isinstance(v, (str, int, float)) else list(v)) for k, v in values.items()}
    names = [column, *levels] if levels else None
    return ValueHierarchy(column, table, names)


def _from_arx_csv(column: str, text: str) -> ValueHierarchy:
    """ARX-style CSV: one row per original value, one column per level (level 0 first), no header."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if ";" in text.splitlines()[0] else ","
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if r and any(c.strip() for c in r)]
    if not rows:
        raise HierarchyError(f"hierarchy CSV for {column!r} is empty")
    return ValueHierarchy(column, {r[0]: r[1:] for r in rows})


def load_hierarchy_files(specs: Sequence[str | Path], columns: Sequence[str]) -> dict[str, HierarchyLike]:
    """Read hierarchy files named on the command line.

    A YAML file maps column names to hierarchies. A CSV file holds one column's hierarchy (ARX format); the column is
    given as `COLUMN=path.csv`, or taken from the file name (`COLUMN.csv` or ARX's `..._hierarchy_COLUMN.csv`).
    """
    out: dict[str, HierarchyLike] = {}
    for spec in specs:
        spec = str(spec)
        column: str | None = None
        if "=" in spec and not Path(spec).exists():
            column, spec = spec.split("=", 1)
        path = Path(spec)
        if not path.is_file():
            raise HierarchyError(f"hierarchy file {path} does not exist; check the path given to --hierarchies")
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                data = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                raise HierarchyError(f"hierarchy file {path} is not valid YAML: {exc}") from None
            if not isinstance(data, Mapping):
                raise HierarchyError(f"hierarchy file {path} must map column names to hierarchies")
            for col, sub in data.items():
                out[str(col)] = _from_yaml_spec(str(col), sub)
        else:
            if column is None:
                stem = path.stem
                column = next((c for c in columns if stem == c or stem.endswith("_" + c)), None)
            if column is None:
                raise HierarchyError(
                    f"cannot tell which column {path.name} describes; pass it as COLUMN={path} or name the file "
                    "COLUMN.csv"
                )
            out[column] = _from_arx_csv(column, text)
    return out


def standard_hierarchies(columns: Sequence[str]) -> dict[str, HierarchyLike]:
    """The standard's hierarchies for the columns whose names it defines (empty if the standard is unavailable)."""
    try:
        from cthub.standard import load_standard  # the standard is optional for standalone use

        std = load_standard()
    except Exception:  # noqa: BLE001 - a missing/broken standard just means "no default hierarchies"
        return {}
    found: dict[str, HierarchyLike] = {}
    for table in std.tables.values():
        for var in table.variables:
            if var.name in columns and var.name not in found and var.hierarchy is not None:
                found[var.name] = var.hierarchy
    return found


def standard_direct_identifiers(columns: Sequence[str]) -> list[str]:
    """Columns the standard marks as direct identifiers (role `direct_identifier`/`identifier`), to drop first."""
    try:
        from cthub.standard import load_standard

        std = load_standard()
    except Exception:  # noqa: BLE001
        return []
    marked = {
        v.name
        for t in std.tables.values()
        for v in t.variables
        if getattr(v, "role", "") in ("direct_identifier", "identifier")
    }
    return [c for c in columns if c in marked]
