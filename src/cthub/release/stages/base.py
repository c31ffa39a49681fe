"""What a release stage is: it plans its privacy spend, runs, and returns its outputs, each with its guarantee.

A release is public only through what its stages declare. The pipeline is a loop over the profile's stages; it adds
up the planned spends before any noise is drawn, collects every output's `Guarantee` into `privacy.json`, and refuses
to finish a release folder that holds a file no stage declared (`cthub.release.statement.check_declared`).
A new kind of output is one new module here with a `plan` and a `run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd

from cthub.config import HubConfig
from cthub.privacy.accounting import rho_bounds, rho_from_epsilon

GuaranteeType = Literal["dp", "k-anonymity", "threshold", "post-processing", "data-independent"]


@dataclass(frozen=True)
class Guarantee:
    """How one public output is protected, in the vocabulary of privacy.json.

    `dp`: params epsilon, delta, rho, unit, mechanism. `k-anonymity`: k, l_diversity, quasi_identifiers, columns,
    unit. `threshold`: threshold, resolution, effective_threshold, computed_from. `post-processing`: of (the public
    outputs it is computed from; DP's post-processing property carries their guarantee over). `data-independent`:
    basis (what it is computed from, e.g. the standard).
    """

    type: GuaranteeType
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.params}


@dataclass
class Output:
    """One public file of a release (a path relative to the release folder) and what protects it."""

    path: str
    kind: str  # synthetic | aggregates | kanon | docs | report | metadata
    guarantee: Guarantee
    table: str | None = None
    title: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.table:
            out["table"] = self.table
        if self.title:
            out["title"] = self.title
        out["guarantee"] = self.guarantee.as_dict()
        return out


def planned_rho(epsilon: float, delta: float) -> tuple[float, float]:
    """(rho, delta) a mechanism asked for (epsilon, delta) may spend at most. delta is always given (the hub's or
    the stage's): a default computed from the data would make the stated delta itself data-dependent."""
    return rho_bounds(float(epsilon), float(delta))[1], float(delta)


def actual_rho(privacy: dict[str, Any]) -> float:
    """What a mechanism reports it spent."""
    for key in ("rho_spent", "rho"):
        if privacy.get(key) is not None:
            return float(privacy[key])
    eps, delta = privacy.get("epsilon"), privacy.get("delta")
    if eps is None or not delta:
        raise ValueError("a DP mechanism's privacy dict states neither rho nor (epsilon, delta)")
    return rho_from_epsilon(float(eps), float(delta))


@dataclass
class Spend:
    """A DP spend a stage plans (before any noise) or made (after). rho is per person."""

    table: str
    mechanism: str
    epsilon: float | None
    delta: float
    rho: float
    delta_selection: float = 0.0  # the part of delta private value selection spent (not a zCDP conversion delta)

    @classmethod
    def planned(cls, table: str, mechanism: str, epsilon: float, delta: float) -> Spend:
        """The most a mechanism asked for (epsilon, delta) can cost (the upper rho bound of the conversion)."""
        rho, d = planned_rho(epsilon, delta)
        return cls(table, mechanism, epsilon, d, rho)

    @classmethod
    def made(cls, table: str, mechanism: str, privacy: dict[str, Any], delta: float) -> Spend:
        """What a mechanism's privacy dict says it spent (its total delta, selection steps included)."""
        return cls(table, mechanism, privacy.get("epsilon"), float(privacy.get("delta") or delta), actual_rho(privacy),
                   float(privacy.get("delta_selection") or 0.0))


@dataclass
class TableContext:
    """What the stages of one table share: the raw (person-bounded) records, and each stage's results for the next.

    `records` are internal; only a stage's declared outputs become public. `results` carries in-memory results
    between stages (the synthetic frame, the k-anonymized frame, the noisy record count, mechanisms' privacy dicts).
    """

    name: str
    records: pd.DataFrame  # standard columns only, bounded to max_rows_per_person rows per person
    config: HubConfig
    seed: int | None
    max_rows_per_person: int  # the bound applied to `records` (1 for a table with one row per person)
    persons: pd.Series | None = None  # person key per row of `records` (internal), when the store has one
    reference_year: int | None = None  # public: no published year may lie after the release's reference date
    results: dict[str, Any] = field(default_factory=dict)
    mechanisms: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> the mechanism's privacy dict
    spends: list[Spend] = field(default_factory=list)  # what was actually spent
    notes: list[str] = field(default_factory=list)

    @property
    def std_table(self) -> Any:
        from cthub.standard import load_standard

        return load_standard().table(self.name)


class Stage(Protocol):
    """One unit of a release. `plan` must not look at record values (it may use the table's name and config)."""

    name: str

    def label(self, ctx: TableContext) -> str:
        """What the progress bar says while this stage runs."""
        ...

    def plan(self, ctx: TableContext) -> list[Spend]:
        """The largest spends `run` can make; the pipeline refuses the release before any noise if they don't fit."""
        ...

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        """Write this stage's public files under `folder` and return them with their guarantees."""
        ...


def seed_for(seed: int | None, offset: int) -> int | None:
    return None if seed is None else int(seed) + offset


def write_frame(folder: Path, table: str, kind: str, frame: pd.DataFrame) -> list[str]:
    """`data/<table>_<kind>.csv` and `.parquet`; returns their release-relative names."""
    from cthub.release.folder import write_table

    paths = write_table(frame, folder / "data", f"{table}_{kind}")
    return [p.relative_to(folder).as_posix() for p in paths]
