"""A hub's configuration: one `cthub.yaml` per hub, validated with pydantic.

Defaults follow CTDC practice (k=11, CTDC age bands, reporting length 3), so a hub that writes nothing but its
contributors gets a release that matches what CTDC publishes. Every stage reads its own section and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CONFIG_FILE = "cthub.yaml"
DEFAULT_HOME = "cthub-data"
STORE_FILE = "store.duckdb"  # the store's file in the hub folder; here so that a hub is recognized without the store


class ConfigError(Exception):
    """A `cthub.yaml` that cannot be used; the message names the file and the problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Contributor(_Section):
    """An organization that sends records. `mapping` is a path (relative to the hub) or `builtin:NAME`."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    mapping: str = "builtin:htcds"
    tables: list[str] = Field(default_factory=lambda: ["victims"])


class DeidConfig(_Section):
    """k-anonymized microdata (the `classic` profile only)."""

    k: int = Field(11, ge=2)
    quasi_identifiers: list[str] | None = None  # None: the standard's quasi-identifier roles
    max_suppression: float = Field(0.05, ge=0.0, le=1.0)  # share of records that local suppression may touch
    # sensitive column -> l. None: l = 2 for each of the standard's sensitive flags; {} switches l-diversity off.
    l_diversity: dict[str, int] | None = None
    columns: dict[str, list[str]] | None = None  # table -> columns the file may carry; None: the standard's allow-list
    min_changed_records: int | None = None  # None: k. A classic release needs this many records changed since the last


class SynthConfig(_Section):
    method: str = "mst"  # or "aggregate-seeded"
    epsilon: float = Field(4.0, gt=0)
    delta: float | None = None  # None: the hub's budget delta (release.budget.delta)
    rows: int | None = None  # None: as many as the (noisy) record count
    columns: dict[str, list[str]] | None = None  # table -> columns to synthesize; None: the standard's defaults


class AggregatesConfig(_Section):
    length: int = Field(3, ge=1, le=6)
    # dp profile: "synthetic" (counted from the synthesizer's output: post-processing, no extra budget, consistent
    # with the synthetic rows) or "dp" (direct DP counts, with their own epsilon). classic profile: "threshold".
    # None: the profile's default ("synthetic" for dp, "threshold" for classic).
    protection: Literal["threshold", "dp", "synthetic"] | None = None
    threshold: int = Field(11, ge=1)  # counts below this are not published
    # Published counts are rounded down to a multiple of this. 1 is refused: exact counts beside suppressed ones let
    # an integer program pin the suppressed cells.
    resolution: int = Field(10, ge=2)
    epsilon: float | None = Field(None, gt=0)  # for protection: dp
    delta: float | None = None  # None: the hub's budget delta
    columns: dict[str, list[str]] | None = None
    # protection "synthetic": the counts come from this many synthetic rows per released row (scaled back). 1 (the
    # default): exactly the counts of the published synthetic file, so the two never disagree; more shrinks the
    # sampling noise at the cost of counting that many more rows (benchmarks/public_aggregates.py).
    sample_factor: int = Field(1, ge=1, le=100)
    # protection "synthetic": counts below this are left out (post-processing of DP output): at that size a count
    # from the synthesizer is mostly noise, and the file would be five times larger for them
    min_count: int = Field(10, ge=1)


class Gates(_Section):
    """Checks a release must pass to be published. None switches a gate off."""

    min_k: int | None = 11
    max_rare_leaked: int | None = 0
    # classic profile: the k-anonymized file may suppress at most this share of any column's cells
    max_suppressed_share: float | None = Field(0.5, ge=0.0, le=1.0)
    max_mean_abs_error_2way: float | None = None
    max_fabricated_share_3way: float | None = None


class BudgetConfig(_Section):
    """The hub's lifetime privacy budget across all DP releases, kept in the store's ledger."""

    total_epsilon: float = Field(40.0, gt=0)
    delta: float = Field(1e-6, gt=0, lt=1)


class CountsConfig(_Section):
    """The public record count of each table: a DP noisy count in the `dp` profile, with its own small epsilon."""

    epsilon: float = Field(0.1, gt=0)  # about +-38 records (one sigma) at delta 1e-6


class ReleaseConfig(_Section):
    # dp: DP synthetic microdata + DP (or model-derived) aggregates; one (epsilon, delta) covers every public number.
    # classic: k-anonymized microdata + threshold aggregates computed from it (CTDC's practice before synthetic data).
    profile: Literal["dp", "classic"] = "dp"
    tables: list[str] = Field(default_factory=lambda: ["victims", "victim_perpetrator"])
    # The person is the unit of privacy: before any mechanism, a person keeps at most this many rows of a table
    # (victim-perpetrator pairs per victim); the excess is sampled away reproducibly and counted in the report.
    max_rows_per_person: int = Field(3, ge=1, le=50)
    counts: CountsConfig = CountsConfig()
    deid: DeidConfig = DeidConfig()
    synth: SynthConfig = SynthConfig()
    aggregates: AggregatesConfig = AggregatesConfig()
    gates: Gates = Gates()
    budget: BudgetConfig = BudgetConfig()
    reference_date: str | None = None  # ISO date for age derivation; None: the import date

    # One delta for the whole hub unless a stage sets its own, so an epsilon means the same thing in this file,
    # in the ledger and on the release page.
    @property
    def synth_delta(self) -> float:
        return self.synth.delta if self.synth.delta is not None else self.budget.delta

    @property
    def aggregates_delta(self) -> float:
        return self.aggregates.delta if self.aggregates.delta is not None else self.budget.delta

    @property
    def aggregates_protection(self) -> str:
        """The aggregates' protection after the profile's default."""
        if self.aggregates.protection is not None:
            return self.aggregates.protection
        return "threshold" if self.profile == "classic" else "synthetic"

    @model_validator(mode="after")
    def _profile_fits(self) -> ReleaseConfig:
        protection = self.aggregates_protection
        if self.profile == "dp" and protection == "threshold":
            raise ValueError(
                "aggregates.protection 'threshold' belongs to the classic profile: threshold counts are exact "
                "counts of the records and carry no DP guarantee. Use 'synthetic' or 'dp', or set profile: classic"
            )
        if self.profile == "classic" and protection != "threshold":
            raise ValueError(
                f"aggregates.protection {protection!r} needs the dp profile; the classic profile publishes threshold "
                "aggregates computed from the k-anonymized file"
            )
        if protection == "dp" and self.aggregates.epsilon is None:
            raise ValueError("aggregates.protection is 'dp' but aggregates.epsilon is not set")
        return self


class HubConfig(_Section):
    name: str = "cthub"
    contributors: list[Contributor] = Field(default_factory=list)
    release: ReleaseConfig = ReleaseConfig()
    terms_of_use: str = (
        "You may use this data for research, journalism and policy work. You must not attempt to identify any person, "
        "and you must cite the hub as the source."
    )
    citation: str = "{name} ({year}). Counter-trafficking case data, release {version}."

    @model_validator(mode="after")
    def _unique_contributors(self) -> HubConfig:
        seen: set[str] = set()
        for c in self.contributors:
            if c.id in seen:
                raise ValueError(f"contributor id {c.id!r} is listed twice")
            seen.add(c.id)
        return self

    def contributor(self, contributor_id: str) -> Contributor:
        for c in self.contributors:
            if c.id == contributor_id:
                return c
        known = ", ".join(c.id for c in self.contributors) or "none yet"
        raise ConfigError(f"unknown contributor {contributor_id!r} (known: {known}); add it to {CONFIG_FILE}")


def hub_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The hub folder: the argument, else `CTHUB_HOME`, else `./cthub-data`."""
    return Path(home or os.environ.get("CTHUB_HOME") or DEFAULT_HOME).resolve()


def require_hub(home: str | os.PathLike[str] | None = None) -> Path:
    """The hub folder, refusing to invent one: only `cthub init` creates a hub, so a typo in --home (or a missing
    CTHUB_HOME) never leaves a second, bare hub in ./cthub-data."""
    folder = hub_home(home)
    if not (folder / CONFIG_FILE).exists() and not (folder / STORE_FILE).exists():
        raise ConfigError(f"no hub at {folder}; create one with `cthub init --home {folder}`, or give the hub with "
                          "--home or CTHUB_HOME")
    return folder


def load_config(home: str | os.PathLike[str] | None = None, path: str | os.PathLike[str] | None = None) -> HubConfig:
    """Read and validate the hub's `cthub.yaml`; a hub without one gets the defaults."""
    file = Path(path) if path else hub_home(home) / CONFIG_FILE
    if not file.exists():
        if path:
            raise ConfigError(f"{file}: no such file")
        return HubConfig()
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
    try:
        return HubConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{file}: {problems}") from exc


def save_config(config: HubConfig, home: str | os.PathLike[str] | None = None) -> Path:
    file = hub_home(home) / CONFIG_FILE
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    return file
