"""Geography for the map: the vendored world-atlas TopoJSON re-keyed from ISO 3166 numeric ids to alpha-2.

Release data uses ISO alpha-2 codes; world-atlas uses numeric ids. The mapping is done once, server-side, with
pycountry (regions from country_converter), and the result is cached and served (or written by the site builder).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pycountry

from cthub.web.labels import VariableInfo


class Columns(Protocol):
    """What `country_columns` reads of a table (a `TableCube` has it); a protocol, so geo needs no cube import."""

    @property
    def columns(self) -> Sequence[str]: ...

    @property
    def variables(self) -> Mapping[str, VariableInfo]: ...

WORLD_FILE = Path(__file__).resolve().parent / "static" / "vendor" / "countries-110m.json"
# world-atlas features without an ISO numeric id, by name
UNNUMBERED = {"Kosovo": "XK"}


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Alpha-2 -> continent (Africa, America, Asia, Europe, Oceania), from country_converter's data table.

    Read as plain text: the package's own converter breaks under pandas 3, and "NA" (Namibia) must stay a code."""
    import csv
    import importlib.resources

    out: dict[str, str] = {}
    with importlib.resources.files("country_converter").joinpath("country_data.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row.get("ISO2") and row.get("continent"):
                out[row["ISO2"]] = row["continent"]
    out.setdefault("XK", "Europe")
    return out


def region_of(alpha2: str) -> str:
    """The continent the map's region filter groups a country under ("Other" for a code country_converter lacks)."""
    return _regions().get(alpha2, "Other")


@lru_cache(maxsize=1)
def world_topojson_bytes() -> bytes:
    """The TopoJSON with `id` = alpha-2 and properties {name, iso2, region}; features with no code are dropped."""
    if not WORLD_FILE.is_file():
        raise FileNotFoundError(
            f"{WORLD_FILE} is missing; run `python scripts/build_web_assets.py` to vendor the front-end assets"
        )
    topo = json.loads(WORLD_FILE.read_text(encoding="utf-8"))
    geoms = []
    for g in topo["objects"]["countries"]["geometries"]:
        props = g.get("properties") or {}
        code = None
        if g.get("id") is not None:
            c = pycountry.countries.get(numeric=str(g["id"]).zfill(3))
            code = c.alpha_2 if c else None
        code = code or UNNUMBERED.get(props.get("name", ""))
        if code is None:
            continue
        g = dict(g)
        g["id"] = code
        g["properties"] = {"name": props.get("name", code), "iso2": code, "region": region_of(code)}
        geoms.append(g)
    topo["objects"]["countries"]["geometries"] = geoms
    return json.dumps(topo, separators=(",", ":")).encode("utf-8")


def country_columns(cube: Columns) -> tuple[str | None, str | None]:
    """(citizenship-like, exploitation-country-like) attribute names of a table, either may be None."""
    countries = [c for c in cube.columns if cube.variables[c].type == "country"]
    origin = next((c for c in countries if "citizen" in c.lower() or "origin" in c.lower()), None)
    dest = next((c for c in countries if "exploit" in c.lower() or "destination" in c.lower()), None)
    rest = [c for c in countries if c not in (origin, dest)]
    if origin is None and rest:
        origin = rest.pop(0)
    if dest is None and rest:
        dest = rest.pop(0)
    return origin, dest
