"""Mapping files: how one contributor's export becomes standard records.

A mapping is YAML validated with pydantic. It names the standard table it fills, the columns that are direct
identifiers (dropped unread), and for each standard variable a rule: which source column(s) to read and how to turn
a cell into a code (its `transform:`, one class each in `cthub.ingest.transforms`, which validates the rule).
`builtin:NAME` resolves to `cthub/ingest/mappings/NAME.yaml` shipped in the package.

    name: hotline
    version: "1"
    table: victims
    case_id: Call ID                                   # read only to key the case; never stored
    export: incremental                                # or full: the file lists every case of the contributor
    identifiers: [caller_name, phone, email, notes]
    variables:
      gender: {from: Sex, values: {F: Female, M: Male}}
      citizenship: {from: Nationality}                 # type country: names, ISO2 or ISO3
      ageBroad: {from: Age, transform: age_band}
      majorityStatus: {from: Age, transform: majority}
      yearOfRegistration: {from: Call date}            # type year: from a date or a year
      isForcedLabour: {from: Exploitation, transform: flag, match: [forced labour, labour], no: [none]}
      Datasource: {constant: Hotline}
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cthub.ingest.errors import MappingError
from cthub.ingest.transforms import TRANSFORMS, AnyRule, Rule, fold_header

__all__ = ["BUILTIN_PREFIX", "CaseId", "Mapping", "Rule", "TRANSFORM_NAMES", "builtin_names", "check_against_standard",
           "fold_header", "load_mapping", "parse_mapping"]

BUILTIN_PREFIX = "builtin:"
TRANSFORM_NAMES = tuple(TRANSFORMS)  # what `transform:` accepts (one module each in cthub.ingest.transforms)


class CaseId(BaseModel):
    """The contributor's case-ID column(s) (first present wins). Read only to make the case key, never stored.

    `required: false` lets a file without any of the columns through (every row then gets a fresh key and the
    report says so); by default such a file is refused, since its cases could never be matched again."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: list[str] = Field(alias="from", min_length=1)
    required: bool = True

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, v: object) -> object:
        if isinstance(v, str):
            return {"from": [v]}
        if isinstance(v, list):
            return {"from": v}
        if isinstance(v, dict) and isinstance(v.get("from"), str):
            return {**v, "from": [v["from"]]}
        return v


class Mapping(BaseModel):
    """One contributor format. `identifiers` are read by nobody; columns no rule uses are ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    version: str = "1"
    description: str = ""
    table: str = "victims"
    sheet: str | int | None = None  # XLSX: sheet name or 0-based index; None = the first sheet
    header_row: int = Field(1, ge=1)  # XLSX/CSV: 1-based row holding the column names
    label_row: list[str] = Field(default_factory=list)  # a first data row repeating these labels is skipped
    identifiers: list[str] = Field(default_factory=list)
    case_id: CaseId | None = None  # None: every row is its own, unmatchable case
    export: Literal["incremental", "full"] = "incremental"  # full: cases missing from the file are listed
    variables: dict[str, AnyRule]  # each validated by its `transform:`'s class (cthub.ingest.transforms)

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: object) -> object:
        return str(v) if isinstance(v, int | float) else v

    @property
    def source_columns(self) -> list[str]:
        cols: list[str] = []
        for rule in self.variables.values():
            for c in [*rule.source, *rule.reference]:
                if c not in cols:
                    cols.append(c)
        return cols

    @model_validator(mode="after")
    def _identifiers_unmapped(self) -> Mapping:
        ids = {fold_header(c) for c in self.identifiers}
        case_cols = {fold_header(c) for c in (self.case_id.source if self.case_id else [])}
        for var, rule in self.variables.items():
            for c in rule.source:
                if fold_header(c) in case_cols:
                    raise ValueError(f"variable {var!r} reads {c!r}, the case-ID column; a case ID is never stored")
        for var, rule in self.variables.items():
            for c in rule.source:
                if fold_header(c) in ids and rule.input != "dob":
                    raise ValueError(
                        f"variable {var!r} reads {c!r}, which is listed under identifiers; identifiers are never "
                        f"read (a date of birth may feed an age with `input: dob`)"
                    )
        return self


def builtin_names() -> list[str]:
    folder = resources.files("cthub.ingest") / "mappings"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _builtin_text(name: str) -> str:
    folder = resources.files("cthub.ingest") / "mappings"
    file = folder / f"{name}.yaml"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not file.is_file():
        raise MappingError(f"no built-in mapping {name!r}; available: {', '.join(builtin_names())}")
    return file.read_text(encoding="utf-8")


def load_mapping(ref: str | Path, home: str | Path | None = None) -> Mapping:
    """Load `builtin:NAME` or a YAML file (relative paths resolve against the hub folder, then the working dir)."""
    text: str
    where: str
    ref_s = str(ref)
    if ref_s.startswith(BUILTIN_PREFIX):
        name = ref_s[len(BUILTIN_PREFIX) :]
        text, where = _builtin_text(name), f"builtin:{name}"
    else:
        path = Path(ref_s)
        candidates = [path] if path.is_absolute() else ([Path(home) / path] if home else []) + [path]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise MappingError(
                f"mapping file {ref_s} not found (looked in: {', '.join(str(p) for p in candidates)}); give a path "
                f"or builtin:NAME ({', '.join(builtin_names())})"
            )
        text, where = found.read_text(encoding="utf-8"), str(found)
    return parse_mapping(text, where)


def parse_mapping(text: str, where: str = "<mapping>") -> Mapping:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: a mapping must be a YAML object with name, table and variables")
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in _loc(e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MappingError(f"{where}: {problems}") from exc


def _loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """An error's place in the file: `variables.gender.from`, without the transform class pydantic puts in between
    (`variables.gender.flag.from`), which names no key of the file."""
    if len(loc) >= 3 and loc[0] == "variables" and (loc[2] in TRANSFORMS or loc[2] == "auto"):
        return (*loc[:2], *loc[3:])
    return loc


def check_against_standard(mapping: Mapping, std: Any) -> None:
    """Every target must be a variable of the mapping's table; constants and synonyms must be valid codes."""
    tables = std.tables
    if mapping.table not in tables:
        raise MappingError(
            f"mapping {mapping.name}: table {mapping.table!r} is not in the standard ({', '.join(tables)})"
        )
    table = std.table(mapping.table)
    names = list(table.columns)
    problems: list[str] = []
    for var_name, rule in mapping.variables.items():
        if var_name not in names:
            from cthub.ingest.parsers import closest

            hint = closest(var_name, names, cutoff=0.6)
            problems.append(f"{var_name!r} is not a variable of {mapping.table}" + (f" (did you mean {hint!r}?)"
                                                                                      if hint else ""))
            continue
        var = table.variable(var_name)
        codes = set(var.codes) if var.type in ("categorical", "multi") else None
        if codes:
            bad = sorted({v for v in rule.values.values() if v and v not in codes})
            if rule.transform == "constant" and rule.constant not in codes:
                bad.append(str(rule.constant))
            if bad:
                problems.append(f"{var_name}: {', '.join(map(repr, bad))} not among its codes ({', '.join(sorted(codes))})")
    if problems:
        raise MappingError(f"mapping {mapping.name}: " + "; ".join(problems))
