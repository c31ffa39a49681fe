"""Render `datapackage.json` (Frictionless Data Package with a Table Schema per resource) from the standard.

The release stage passes the files it wrote; each resource names the standard table whose schema describes it.
k-anonymized files hold generalized codes and "*" for suppressed cells, so their schema (`generalized=True`)
allows every hierarchy level's values and treats "*" as missing.

Frictionless and CKAN users read a package's licence, version and description and check each file against its
`bytes` and `hash`, so a resource whose file exists gets both (`sha256:<hex>`, the digest `SHA256SUMS` lists) and a
release passes its own version, terms of use and a description of the files it actually holds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cthub.standard.base import TOP, StandardError
from cthub.standard.model import Standard, Table, Variable

PROFILE_PACKAGE = "data-package"
PROFILE_RESOURCE = "tabular-data-resource"

MEDIATYPES = {".csv": "text/csv", ".parquet": "application/vnd.apache.parquet", ".json": "application/json"}

ResourceSpec = Mapping[str, Any]
BINARY_SUFFIXES = {".parquet", ".xlsx"}


def file_integrity(path: str | Path) -> dict[str, Any]:
    """`bytes` and `hash` of a file as the Data Package spec writes them (`sha256:` prefix, since MD5 is the
    default), so a reader can check a download against the descriptor as well as against SHA256SUMS."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "hash": f"sha256:{digest.hexdigest()}"}


def field_descriptor(var: Variable, generalized: bool = False) -> dict[str, Any]:
    """The Table Schema field for one variable."""
    field: dict[str, Any] = {
        "name": var.name,
        "title": var.label,
        "description": var.definition,
    }
    codes = var.codes
    if generalized and var.hierarchy is not None:
        h = var.hierarchy
        extra = [c for level in range(1, h.depth - 1) for c in h.values(level)]
        codes = codes + [c for c in dict.fromkeys(extra) if c not in set(codes)]
    if var.type == "boolean" and not generalized:
        field.update(type="boolean", trueValues=["1"], falseValues=["0"])
    elif var.type == "year" and not generalized:
        field.update(type="year", constraints={"minimum": int(codes[0]), "maximum": int(codes[-1])})
    elif var.type == "multi":
        atom = "|".join(re.escape(c) for c in codes)
        sep = re.escape(var.separator or ";")
        field.update(type="string", constraints={"pattern": f"({atom})({sep}({atom}))*"})
    else:
        field.update(type="string", constraints={"enum": codes})
    field["cthub:role"] = var.role
    if var.type == "multi":
        field["cthub:separator"] = var.separator
    return field


def table_schema(table: Table, generalized: bool = False) -> dict[str, Any]:
    """A Frictionless Table Schema for `table` (missing = empty cell; "*" too when `generalized`)."""
    return {
        "fields": [field_descriptor(v, generalized) for v in table.variables_],
        "missingValues": ["", TOP] if generalized else [""],
    }


def _normalize(resources: Mapping[str, Any] | Iterable[ResourceSpec] | None, std: Standard) -> list[dict[str, Any]]:
    if resources is None:
        return [{"name": name, "table": name, "path": f"{name}.csv"} for name in std.tables_]
    if isinstance(resources, Mapping):
        return [{"name": name, "table": name, "path": path} for name, path in resources.items()]
    out = []
    for spec in resources:
        spec = dict(spec)
        if "path" not in spec:
            raise StandardError(f"datapackage resource {spec!r} has no 'path'; give the data file's path")
        if "table" not in spec and "schema" not in spec:
            raise StandardError(
                f"datapackage resource {spec.get('name', spec['path'])!r} needs 'table' (a standard table) "
                "or an explicit 'schema'"
            )
        spec.setdefault("name", Path(str(spec["path"])).stem)
        out.append(spec)
    return out


def _relative(path: Any, out_dir: Path) -> str:
    p = Path(str(path))
    if p.is_absolute():
        try:
            return p.resolve().relative_to(out_dir.resolve()).as_posix()
        except ValueError:
            raise StandardError(
                f"resource path {p} is outside {out_dir}; a data package may only point inside its folder"
            ) from None
    return p.as_posix()


def datapackage_descriptor(
    std: Standard,
    out_dir: str | Path,
    resources: Mapping[str, Any] | Iterable[ResourceSpec] | None = None,
    name: str = "cthub-release",
    title: str | None = None,
    *,
    version: str | None = None,
    package_description: str | None = None,
    licenses: Iterable[Mapping[str, Any]] | None = None,
    created: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The datapackage.json content (see `render_datapackage`)."""
    out = Path(out_dir)
    items = []
    for spec in _normalize(resources, std):
        name_ok = re.sub(r"[^a-z0-9._-]", "-", str(spec["name"]).lower())
        generalized = bool(spec.get("generalized", False))
        if "schema" in spec:
            schema = spec["schema"]
            table_title, description = spec.get("title", name_ok), spec.get("description", "")
        else:
            table = std.table(str(spec["table"]))
            schema = table_schema(table, generalized)
            table_title = spec.get("title", table.title)
            description = spec.get("description", table.description)
        path = _relative(spec["path"], out)
        suffix = Path(path).suffix.lower()
        resource: dict[str, Any] = {
            "name": name_ok,
            "path": path,
            "profile": PROFILE_RESOURCE,
            "title": table_title,
            "description": description,
            "format": suffix.lstrip(".") or "csv",
            "mediatype": MEDIATYPES.get(suffix, "application/octet-stream"),
        }
        if suffix not in BINARY_SUFFIXES:
            resource["encoding"] = "utf-8"
        resource["schema"] = schema
        if (out / path).is_file():
            resource.update(file_integrity(out / path))
        if "table" in spec:
            resource["cthub:table"] = spec["table"]
        items.append(resource)
    package: dict[str, Any] = {
        "profile": PROFILE_PACKAGE,
        "name": name,
        "title": title or std.title,
        "description": package_description or std.description,
        "version": version or std.version,
    }
    if created:
        package["created"] = created
    if licenses:
        package["licenses"] = [dict(x) for x in licenses]
    package["cthub:standard_version"] = std.version
    package.update({k: v for k, v in (extra or {}).items() if k.startswith("cthub:")})
    package["resources"] = items
    return package


def render_datapackage(
    std: Standard,
    out_dir: str | Path,
    resources: Mapping[str, Any] | Iterable[ResourceSpec] | None = None,
    name: str = "cthub-release",
    title: str | None = None,
    *,
    version: str | None = None,
    package_description: str | None = None,
    licenses: Iterable[Mapping[str, Any]] | None = None,
    created: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write `datapackage.json` into `out_dir`; return [its path].

    `resources`: None (one `<table>.csv` per standard table), a mapping table name -> path, or a list of dicts
    with `path` and `table` (plus optional `name`, `title`, `description`, `generalized` for k-anonymized files,
    or an explicit Table Schema under `schema` for files that are not standard tables, such as aggregates).
    Paths may be absolute inside `out_dir` or relative to it. A resource whose file exists gets `bytes` and `hash`.

    A release passes `version` (its own; default the standard's), `package_description` (what it holds; default the
    standard's description), `licenses` (Data Package licence objects: the terms of use), `created` (ISO 8601) and
    `extra` (`cthub:`-prefixed properties, others are ignored).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    descriptor = datapackage_descriptor(std, out, resources, name=name, title=title, version=version,
                                        package_description=package_description, licenses=licenses,
                                        created=created, extra=extra)
    path = out / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [path]
