"""Read the standard's YAML folder into `Standard` objects, refusing anything ambiguous.

Every error names the file, the variable (or hierarchy/code list) and the problem, because the person fixing it is
editing YAML by hand and needs to find the line.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from cthub.standard.base import StandardError
from cthub.standard.model import ROLES, TYPES, Hierarchy, Standard, Table, Value, Variable
from cthub.standard.rules import parse_rules

PACKAGED = Path(__file__).resolve().parent / "schema"

VARIABLE_KEYS = {
    "name", "label", "definition", "type", "values", "codelist", "years", "missing", "role", "hierarchy",
    "separator", "explore", "htcds", "source", "notes", "kanon",
}  # fmt: skip
KANON_KEYS = {"publish", "weight", "coarsest", "l"}
#: Coarsest level by type when a quasi-identifier does not say: analysts need the year to the 5-year period and the
#: country to the UN sub-region (level 1 of year_5 and country_un); other QIs may go up to "*".
DEFAULT_COARSEST_LEVEL = {"year": 1, "country": 1}
DEFAULT_L = 2
TABLE_KEYS = {"table", "title", "description", "source", "defaults", "variables", "rules"}
BOOLEAN_VALUES = (Value("1", "Yes"), Value("0", "No"))


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 5x faster on code lists


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML silently keeps the last of two equal keys; in a standard that hides a typo, so refuse it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise StandardError(f"duplicate key {key!r} (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except StandardError as exc:
        raise StandardError(f"{path}: {exc}; remove or rename one of them") from None
    except yaml.YAMLError as exc:
        raise StandardError(f"{path}: not valid YAML: {exc}") from None
    except OSError as exc:
        raise StandardError(f"{path}: cannot be read ({exc.strerror}); check the standard folder") from None


def load_standard(path: str | Path | None = None) -> Standard:
    """Load the standard from `path` (a folder with standard.yaml), or the packaged one (cached) when None."""
    if path is None:
        return _load_packaged()
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _load_packaged() -> Standard:
    return _load(PACKAGED)


def _load(root: Path) -> Standard:
    main = root / "standard.yaml"
    if not main.is_file():
        raise StandardError(f"{main}: not found; a standard folder needs standard.yaml listing its tables")
    doc = _read_yaml(main)
    if not isinstance(doc, dict):
        raise StandardError(f"{main}: expected a mapping with version, title and tables")
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise StandardError(f"{main}: 'version' must be a quoted string such as \"1.0.0\"")
    table_names = doc.get("tables")
    if not isinstance(table_names, list) or not table_names:
        raise StandardError(f"{main}: 'tables' must list the table files (without .yaml)")

    codelists = _load_codelists(root / "codelists")
    raw_hierarchies = _load_hierarchy_files(root / "hierarchies")
    built: dict[str, Hierarchy] = {}
    tables: dict[str, Table] = {}
    for name in table_names:
        table = _load_table(root / f"{name}.yaml", codelists, raw_hierarchies, built)
        if table.name in tables:
            raise StandardError(f"{main}: table {table.name!r} is listed twice")
        tables[table.name] = table
    for hname, raw in raw_hierarchies.items():  # validate hierarchies no variable uses, too
        if hname not in built:
            built[hname] = _build_hierarchy(raw, None)
    return Standard(
        version=version,
        title=str(doc.get("title", "")),
        description=str(doc.get("description", "")),
        tables_=tables,
        codelists=codelists,
        hierarchies=built,
        path=str(root),
    )


# --- code lists -------------------------------------------------------------------------------------------------


def _code(raw: Any, where: str) -> str:
    if isinstance(raw, bool):
        raise StandardError(
            f"{where}: code {raw!r} was read as a YAML boolean; quote it (for example 'Yes' or 'No')"
        )
    if isinstance(raw, int):
        return str(raw)
    if not isinstance(raw, str) or raw == "":
        raise StandardError(f"{where}: code {raw!r} must be a non-empty string")
    return raw


def _values(raw: Any, where: str) -> tuple[Value, ...]:
    if not isinstance(raw, list) or not raw:
        raise StandardError(f"{where}: 'values' must be a non-empty list of {{code, label}} entries")
    out: list[Value] = []
    seen: set[str] = set()
    for item in raw:
        if isinstance(item, dict):
            unknown = set(item) - {"code", "label", "definition"}
            if unknown:
                raise StandardError(f"{where}: value entry has unknown key(s) {sorted(unknown)}")
            if "code" not in item:
                raise StandardError(f"{where}: value entry {item!r} has no 'code'")
            code = _code(item["code"], where)
            label = str(item.get("label", code))
            definition = str(item.get("definition", "") or "")
        else:
            code = _code(item, where)
            label, definition = code, ""
        if code in seen:
            raise StandardError(f"{where}: duplicate value code {code!r}; each code may appear once")
        seen.add(code)
        out.append(Value(code, label, definition))
    return tuple(out)


def _load_codelists(folder: Path) -> dict[str, tuple[Value, ...]]:
    lists: dict[str, tuple[Value, ...]] = {}
    if not folder.is_dir():
        return lists
    for path in sorted(folder.glob("*.yaml")):
        doc = _read_yaml(path)
        if not isinstance(doc, dict) or "name" not in doc:
            raise StandardError(f"{path}: a code list needs 'name' and 'values'")
        lists[str(doc["name"])] = _values(doc.get("values"), f"{path}: code list {doc['name']!r}")
    return lists


# --- hierarchies ------------------------------------------------------------------------------------------------


def _load_hierarchy_files(folder: Path) -> dict[str, dict[str, Any]]:
    raws: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        return raws
    for path in sorted(folder.glob("*.yaml")):
        doc = _read_yaml(path)
        if not isinstance(doc, dict) or "name" not in doc or not isinstance(doc.get("levels"), list):
            raise StandardError(f"{path}: a hierarchy needs 'name' and a list of 'levels'")
        name = str(doc["name"])
        if name in raws:
            raise StandardError(f"{path}: hierarchy name {name!r} is already used by {raws[name]['_file']}")
        raws[name] = {**doc, "_file": str(path)}
    return raws


def _build_hierarchy(raw: dict[str, Any], variable: tuple[str, str, list[str]] | None) -> Hierarchy:
    """Build and check a hierarchy; `variable` = (variable name, table file, codes) when one uses it."""
    where = raw["_file"]
    if variable is not None:
        where = f"{where} (hierarchy {raw['name']!r} of variable {variable[0]!r} in {variable[1]})"
    else:
        where = f"{where} (hierarchy {raw['name']!r})"
    levels = raw["levels"]
    names: list[str] = []
    labels: list[str] = []
    level_values: list[tuple[str, ...]] = []
    maps: list[dict[str, str]] = []
    for i, level in enumerate(levels):
        if not isinstance(level, dict) or "name" not in level:
            raise StandardError(f"{where}: level {i} must be a mapping with a 'name'")
        lname = str(level["name"])
        unknown = set(level) - {"name", "label", "values", "parents"}
        if unknown:
            raise StandardError(f"{where}: level {lname!r} has unknown key(s) {sorted(unknown)}")
        labels.append(str(level.get("label", lname)))
        names.append(variable[0] if (i == 0 and variable is not None) else lname)
        declared = level.get("values")
        if i == 0:
            if declared is not None:
                codes = [_code(c, f"{where}: level {lname!r}") for c in declared]
            elif variable is not None:
                codes = list(variable[2])
            elif len(levels) > 1 and isinstance(levels[1].get("parents"), dict):
                codes = [_code(c, f"{where}: level {lname!r}") for c in levels[1]["parents"]]
            else:
                raise StandardError(f"{where}: level 0 {lname!r} needs 'values' (nothing maps from it)")
            if variable is not None:
                missing = [c for c in variable[2] if c not in codes]
                extra = [c for c in codes if c not in variable[2]]
                if missing:
                    raise StandardError(
                        f"{where}: misses value(s) {missing[:10]} of the variable; give every code a parent"
                    )
                if extra:
                    raise StandardError(
                        f"{where}: level {lname!r} lists {extra[:10]}, which are not codes of the variable"
                    )
            level_values.append(tuple(codes))
            continue
        if not isinstance(declared, list) or not declared:
            raise StandardError(f"{where}: level {lname!r} needs a list of 'values' (the codes at that level)")
        values = [_code(c, f"{where}: level {lname!r}") for c in declared]
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise StandardError(f"{where}: level {lname!r} lists value(s) {dupes} twice")
        parents = level.get("parents")
        if not isinstance(parents, dict):
            raise StandardError(f"{where}: level {lname!r} needs 'parents' mapping each code below to a value")
        below = level_values[-1]
        mapping: dict[str, str] = {}
        for child, parent in parents.items():
            child_code = _code(child, f"{where}: level {lname!r}")
            parent_code = _code(parent, f"{where}: level {lname!r}")
            if child_code not in below:
                raise StandardError(
                    f"{where}: level {lname!r} maps {child_code!r}, which is not a value of level {names[-2]!r}"
                )
            if parent_code not in values:
                raise StandardError(
                    f"{where}: level {lname!r} maps {child_code!r} to unknown parent {parent_code!r}; "
                    f"the level's values are {values[:12]}"
                )
            mapping[child_code] = parent_code
        skipped = [c for c in below if c not in mapping]
        if skipped:
            raise StandardError(
                f"{where}: level {lname!r} skips value(s) {skipped[:10]} of level {names[-2]!r}; "
                "every value needs a parent at each level"
            )
        unused = [v for v in values if v not in set(mapping.values())]
        if unused:
            raise StandardError(f"{where}: level {lname!r} value(s) {unused[:10]} have no children; remove them")
        level_values.append(tuple(values))
        maps.append(mapping)
    if not names:
        raise StandardError(f"{where}: 'levels' is empty")
    return Hierarchy(
        name=str(raw["name"]),
        levels_=tuple(names),
        maps=tuple(maps),
        level_values=tuple(level_values),
        description=str(raw.get("description", "")),
        level_labels=tuple(labels),
    )


# --- tables -----------------------------------------------------------------------------------------------------


def _load_table(
    path: Path,
    codelists: dict[str, tuple[Value, ...]],
    raw_hierarchies: dict[str, dict[str, Any]],
    built: dict[str, Hierarchy],
) -> Table:
    doc = _read_yaml(path)
    if not isinstance(doc, dict):
        raise StandardError(f"{path}: expected a mapping with 'table' and 'variables'")
    unknown = set(doc) - TABLE_KEYS
    if unknown:
        raise StandardError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(TABLE_KEYS)}")
    name = doc.get("table")
    if not isinstance(name, str) or not name:
        raise StandardError(f"{path}: 'table' (the table's name) is required")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict) or set(defaults) - VARIABLE_KEYS:
        raise StandardError(f"{path}: 'defaults' must map variable keys ({sorted(VARIABLE_KEYS)}) to values")
    raw_vars = doc.get("variables")
    if not isinstance(raw_vars, list) or not raw_vars:
        raise StandardError(f"{path}: 'variables' must be a non-empty list")
    variables: list[Variable] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_vars):
        if not isinstance(raw, dict) or not raw.get("name"):
            raise StandardError(f"{path}: variable #{i + 1} must be a mapping with a 'name'")
        var = _build_variable({**defaults, **raw}, path, codelists, raw_hierarchies, built)
        if var.name in seen:
            raise StandardError(f"{path}: variable {var.name!r}: defined twice")
        seen.add(var.name)
        variables.append(var)
    return Table(
        name=name,
        title=str(doc.get("title", name)),
        description=str(doc.get("description", "")),
        variables_=tuple(variables),
        source=str(doc.get("source", "")),
        rules_=parse_rules(doc.get("rules"), str(path), {v.name: v for v in variables}),
    )


def _build_variable(
    raw: dict[str, Any],
    path: Path,
    codelists: dict[str, tuple[Value, ...]],
    raw_hierarchies: dict[str, dict[str, Any]],
    built: dict[str, Hierarchy],
) -> Variable:
    name = str(raw["name"])
    where = f"{path}: variable {name!r}"
    unknown = set(raw) - VARIABLE_KEYS
    if unknown:
        raise StandardError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(VARIABLE_KEYS)}")
    vtype = raw.get("type")
    if vtype not in TYPES:
        raise StandardError(f"{where}: unknown type {vtype!r}; use one of {', '.join(TYPES)}")
    role = raw.get("role")
    if role not in ROLES:
        raise StandardError(f"{where}: unknown role {role!r}; use one of {', '.join(ROLES)}")
    for key in ("label", "definition", "missing"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise StandardError(f"{where}: '{key}' is required (a non-empty text)")

    codelist = raw.get("codelist")
    if vtype == "country" and codelist is None:
        codelist = "countries"
    if codelist is not None and (raw.get("values") is not None or raw.get("years") is not None):
        raise StandardError(f"{where}: give either 'values', 'years' or 'codelist', not several")
    if codelist is not None:
        if codelist not in codelists:
            raise StandardError(f"{where}: unknown codelist {codelist!r}; known: {sorted(codelists)}")
        values = codelists[codelist]
    elif vtype == "year" and raw.get("years") is not None:
        years = raw["years"]
        if not (isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years)):
            raise StandardError(f"{where}: 'years' must be [first, last], e.g. [2000, 2035]")
        if years[0] > years[1]:
            raise StandardError(f"{where}: 'years' first {years[0]} is after last {years[1]}")
        values = tuple(Value(str(y), str(y)) for y in range(years[0], years[1] + 1))
    elif vtype == "boolean" and raw.get("values") is None:
        values = BOOLEAN_VALUES
    else:
        values = _values(raw.get("values"), where)
    if vtype == "boolean" and sorted(v.code for v in values) != ["0", "1"]:
        raise StandardError(f"{where}: a boolean's codes are exactly '1' and '0' (missing is an empty cell)")

    separator = raw.get("separator")
    if vtype == "multi":
        separator = separator or ";"
        bad = [v.code for v in values if separator in v.code]
        if bad:
            raise StandardError(f"{where}: code(s) {bad} contain the separator {separator!r}")
    elif separator is not None:
        raise StandardError(f"{where}: 'separator' only applies to type multi")

    hierarchy = None
    raw_levels: list[Any] = []
    hname = raw.get("hierarchy")
    if hname is not None:
        if hname not in raw_hierarchies:
            raise StandardError(f"{where}: unknown hierarchy {hname!r}; known: {sorted(raw_hierarchies)}")
        hierarchy = _build_hierarchy(raw_hierarchies[hname], (name, str(path), [v.code for v in values]))
        built.setdefault(hname, hierarchy)
        raw_levels = raw_hierarchies[hname]["levels"]

    explore = raw.get("explore", False)
    if not isinstance(explore, bool):
        raise StandardError(f"{where}: 'explore' must be true or false")
    publish, weight, coarsest, l_div = _kanon(raw.get("kanon"), where, vtype, role, hierarchy, raw_levels)
    return Variable(
        name=name,
        label=raw["label"].strip(),
        definition=" ".join(raw["definition"].split()),
        type=vtype,
        values_=values,
        missing=raw["missing"].strip(),
        role=role,
        hierarchy=hierarchy,
        separator=separator,
        explore=explore,
        htcds=str(raw["htcds"]) if raw.get("htcds") else None,
        source=str(raw.get("source", "") or ""),
        notes=" ".join(str(raw.get("notes", "") or "").split()),
        codelist=codelist,
        kanon_publish=publish,
        weight=weight,
        coarsest_level=coarsest,
        l_diversity=l_div,
    )


def _kanon(
    raw: Any, where: str, vtype: str, role: str, hierarchy: Hierarchy | None, raw_levels: list[Any]
) -> tuple[bool, float, int | None, int | None]:
    """(publish, weight, coarsest level, l) from the `kanon` key: `publish` or {publish, weight, coarsest, l}."""
    if raw is None:
        spec: dict[str, Any] = {}
    elif raw == "publish":
        spec = {"publish": True}
    elif isinstance(raw, dict):
        spec = raw
    else:
        raise StandardError(
            f"{where}: 'kanon' must be 'publish' or a mapping with {sorted(KANON_KEYS)}; leave it out to keep the "
            "variable out of k-anonymized microdata"
        )
    unknown = set(spec) - KANON_KEYS
    if unknown:
        raise StandardError(f"{where}: 'kanon' has unknown key(s) {sorted(unknown)}; allowed: {sorted(KANON_KEYS)}")
    publish = spec.get("publish", False)
    if not isinstance(publish, bool):
        raise StandardError(f"{where}: 'kanon.publish' must be true or false")
    qi = role == "quasi_identifier"
    for key in ("weight", "coarsest"):
        if key in spec and not qi:
            raise StandardError(f"{where}: 'kanon.{key}' only applies to a quasi_identifier (role is {role!r})")
    weight = spec.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
        raise StandardError(f"{where}: 'kanon.weight' must be a number above 0 and at most 100 (got {weight!r})")
    coarsest: int | None = None
    if qi and hierarchy is not None:
        names = [str(level.get("name")) for level in raw_levels]
        top = hierarchy.depth - 1
        given = spec.get("coarsest")
        if given is None:
            coarsest = min(DEFAULT_COARSEST_LEVEL.get(vtype, top), top)
        elif given == "*":
            coarsest = top
        elif given in names or given == hierarchy.levels_[0]:
            coarsest = 0 if given == hierarchy.levels_[0] else names.index(given)
        else:
            raise StandardError(
                f"{where}: 'kanon.coarsest' {given!r} is not a level of hierarchy {hierarchy.name!r}; use one of "
                f"{names + ['*']}"
            )
    elif "coarsest" in spec:
        raise StandardError(f"{where}: 'kanon.coarsest' needs a 'hierarchy' to name a level of")
    l_div: int | None = None
    if "l" in spec:
        if role != "sensitive" or not publish:
            raise StandardError(f"{where}: 'kanon.l' only applies to a sensitive variable with 'publish: true'")
        l_raw = spec["l"]
        if isinstance(l_raw, bool) or not isinstance(l_raw, int) or l_raw < 1:
            raise StandardError(f"{where}: 'kanon.l' must be a whole number of at least 1 (1 switches it off)")
        l_div = l_raw if l_raw > 1 else None
    elif role == "sensitive" and publish:
        l_div = DEFAULT_L
    return publish, float(weight), coarsest, l_div
