"""Which charts the dashboards page draws, resolved against what a release actually publishes.

CTDC's dashboards chart single attributes (gender, age band) and families of yes/no flags (means of control, type
of labour). A family becomes one bar chart with a bar per flag (the count of records where the flag is "1"). A chart
whose columns are not in the release's aggregates is listed as unavailable rather than silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from cthub.web.geo import country_columns, region_of
from cthub.web.labels import VariableInfo


class PublishedTable(Protocol):
    """What the dashboards read of a table: its published attributes, their facts and their published support.

    A `TableCube` is one; the protocol keeps this module below `cube` (the cube's meta includes the dashboards)."""

    @property
    def columns(self) -> Sequence[str]: ...

    @property
    def variables(self) -> Mapping[str, VariableInfo]: ...

    @property
    def values(self) -> Mapping[str, Sequence[str]]: ...

# (id, title, candidate single attributes, flag-family regex)
CHARTS: list[tuple[str, str, list[str], str | None]] = [
    ("gender", "Gender", ["gender"], None),
    ("age", "Age band", ["ageBroad", "age"], None),
    ("majority", "Majority status", ["majorityStatus"], None),
    ("exploitation", "Type of exploitation", ["typeOfExploitation"],
     (r"^is(ForcedLabour|SexualExploit|OtherExploit|SexAndLabour|ForcedMarriage|ForcedMilitary|OrganRemoval|"
      r"SlaveryAndPractices)$")),
    ("labour", "Forced-labour industry", ["typeOfLabour"], r"^typeOfLabour[A-Z]"),
    ("sex", "Type of sexual exploitation", ["typeOfSex"], r"^typeOfSex[A-Z]"),
    ("control", "Means of control", ["meansOfControl"], r"^meansOfControl[A-Z]"),
    ("recruiter", "Recruiter relationship", ["recruiterRelation", "IP_Relation"], r"^recruiterRelation[A-Z]"),
    ("year", "Year of registration", ["yearOfRegistration", "yearRegister", "year"], None),
]

FILTERS: list[tuple[str, str, list[str]]] = [
    ("year", "Year", ["yearOfRegistration", "yearRegister", "year"]),
    ("source", "Data source", ["Datasource", "dataSource", "source"]),
    ("gender", "Gender", ["gender"]),
    ("age", "Age", ["ageBroad", "majorityStatus"]),
]


def _short(label: str) -> str:
    """"Means of control: threats" -> "Threats" (the chart title already says the family)."""
    tail = label.split(": ", 1)[-1]
    return tail[:1].upper() + tail[1:]


def _first(cube: PublishedTable, names: list[str]) -> str | None:
    return next((n for n in names if n in cube.columns), None)


def resolve(cube: PublishedTable) -> dict[str, Any]:
    """The dashboard charts and filters of a table, for the page script."""
    charts: list[dict[str, Any]] = []
    unavailable: list[str] = []
    for cid, title, singles, family in CHARTS:
        single = _first(cube, singles)
        flags = [c for c in cube.columns if family and re.match(family, c)] if family else []
        if len(flags) >= 2:
            charts.append({"id": cid, "title": title, "kind": "flags", "columns": flags,
                           "labels": {c: _short(cube.variables[c].label) for c in flags}})
        elif single is not None:
            charts.append({"id": cid, "title": title, "kind": "attribute", "attribute": single,
                           "temporal": cid == "year"})
        else:
            unavailable.append(title)
    filters = []
    for fid, label, names in FILTERS:
        col = _first(cube, names)
        if col is not None:
            filters.append({"id": fid, "label": label, "attribute": col, "range": fid == "year"})
    origin, _ = country_columns(cube)
    if origin is not None:
        regions = {v: region_of(v) for v in cube.values[origin]}
        filters.append({"id": "region", "label": f"Region ({cube.variables[origin].label.lower()})",
                        "attribute": origin, "regions": regions})
    return {"charts": charts, "unavailable": unavailable, "filters": filters}
