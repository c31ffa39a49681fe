"""The synthesizers by name, each with its own parameter model, and how many rows a synthetic file gets.

Adding a method: a module with a `Synthesizer` class (and its `Model`), and one `SynthMethod` line in
`SYNTHESIZERS` below naming the class and its parameters. `cthub synth --method`, `release.synth.method` in
cthub.yaml and `get_synthesizer` then know it; an unknown name is refused with the list of known ones before
anything is fitted or spent.

This module imports no synthesizer until one is asked for (fitting libraries are heavy), and nothing above `synth`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cthub.synth.base import _MODELS, MODEL_FORMAT, Model, SynthError


class _Parameters(BaseModel):
    """A method's tuning parameters (not columns, domains or privacy: those are arguments of `fit`)."""

    model_config = ConfigDict(extra="forbid")


class MSTParameters(_Parameters):
    """`mst` (cthub.synth.mst.MSTSynthesizer): marginal selection on a maximum spanning tree plus chosen triples."""

    three_way: bool = True
    max_cells: int = Field(20_000, ge=1)
    max_cells_triple: int = Field(8_000, ge=1)
    extra_parents: int = Field(2, ge=0)
    candidate_window: int = Field(16, ge=1)
    merge_below: float = Field(3.0, ge=0)
    zero_below: float = Field(0.5, ge=0)


class AggregateSeededParameters(_Parameters):
    """`aggregate-seeded` (cthub.synth.aggregate_seeded): Synthetic Data Showcase's method."""

    reporting_length: int = Field(3, ge=1)
    percentile_percentage: float = Field(99.0, gt=0, le=100)
    percentile_epsilon_proportion: float = Field(0.01, gt=0, lt=1)
    accuracy_mode: Literal["prioritize_long_combinations", "prioritize_short_combinations", "balanced"] | list[float] \
        = "prioritize_long_combinations"
    number_of_records_epsilon_proportion: float = Field(0.005, gt=0, lt=1)
    fabrication_mode: Literal["uncontrolled", "progressive", "balanced", "minimize"] | float | list[float] \
        = "uncontrolled"
    weight_selection_percentile: float = Field(50.0, gt=0, le=100)
    max_conditions: int = Field(16, ge=1)
    calibrate: bool = True


@dataclass(frozen=True)
class SynthMethod:
    """One synthesizer: its name in cthub.yaml and on the command line, its class and its parameter model."""

    name: str
    module: str
    class_name: str
    parameters: type[_Parameters]
    summary: str

    def load(self) -> type:
        """The synthesizer class (imported now, not when the registry is read)."""
        try:
            return getattr(importlib.import_module(self.module), self.class_name)
        except ImportError as exc:
            raise SynthError(f"method {self.name!r} is not available ({exc})") from exc


SYNTHESIZERS: dict[str, SynthMethod] = {m.name: m for m in (
    SynthMethod("mst", "cthub.synth.mst", "MSTSynthesizer", MSTParameters,
                "marginals on a maximum spanning tree and selected triples (the default)"),
    SynthMethod("aggregate-seeded", "cthub.synth.aggregate_seeded", "AggregateSeededSynthesizer",
                AggregateSeededParameters, "Synthetic Data Showcase: DP aggregates seed the rows"),
)}
DEFAULT_METHOD = "mst"


def methods() -> list[str]:
    """The known method names, default first."""
    return list(SYNTHESIZERS)


def method(name: str) -> SynthMethod:
    """The method called `name`; SynthError lists the known ones."""
    if name not in SYNTHESIZERS:
        raise SynthError(f"unknown synthesis method {name!r}; choose one of: {', '.join(SYNTHESIZERS)}")
    return SYNTHESIZERS[name]


def parameters(name: str, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`values` checked against the method's parameter model; returns only what was given (the class keeps its
    own defaults). SynthError names each bad parameter."""
    model = method(name).parameters
    try:
        return model.model_validate(dict(values or {})).model_dump(exclude_unset=True)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SynthError(f"parameters of {name!r}: {problems}") from None


def build(name: str, values: Mapping[str, Any] | None = None, **runtime: Any) -> Any:
    """A synthesizer: `values` are its tuning parameters (checked), `runtime` the objects a caller hands it
    (columns, multi_value, progress, rules)."""
    return method(name).load()(**parameters(name, values), **runtime)


def synthetic_rows(model: Any, rows: int | None = None, public_count: float | None = None) -> int:
    """How many rows a synthetic file gets: `rows` when given, else a public count (a release's DP noisy count, so
    the file agrees with the published number; at least one row), else the model's own noisy record count. Never
    the true count: that would not be private."""
    if rows is not None:
        return int(rows)
    if public_count is not None:
        return max(int(public_count), 1)
    for value in (getattr(model, "default_rows", None), getattr(model, "records", None),
                  model.privacy.get("noisy_records")):
        if isinstance(value, (int, float)) and value > 0:
            return int(value)
    raise SynthError("this model does not state a noisy record count; give --rows N")


def get_synthesizer(method_name: str = DEFAULT_METHOD, **params: Any) -> Any:
    """A synthesizer by name ("mst" default, "aggregate-seeded"), built with its own parameters (unchecked: the
    caller passes the class's own keyword arguments; `build` checks cthub.yaml's values first)."""
    return method(method_name).load()(**params)


def _model_class(name: str) -> type[Model]:
    """The Model subclass of a method; importing its module registers it (by its `method` class attribute)."""
    method(name).load()
    if name not in _MODELS:
        raise SynthError(f"module {method(name).module} defines no Model subclass with method = {name!r}")
    return _MODELS[name]


def load_model(path: str | Path) -> Model:
    """Load a model written by `Model.save` (never unpickles: `allow_pickle=False`)."""
    path = Path(path)
    if not path.exists():
        raise SynthError(f"no model file at {path}; write one with `cthub synth ... --save-model {path}`")
    try:
        with np.load(path, allow_pickle=False) as data:
            envelope = json.loads(str(data["__meta__"]))
            arrays = {k: data[k] for k in data.files if k != "__meta__"}
    except (ValueError, KeyError, OSError) as exc:
        raise SynthError(f"{path} is not a cthub synthesizer model ({exc})") from exc
    if envelope.get("format") != MODEL_FORMAT:
        raise SynthError(f"{path} has model format {envelope.get('format')!r}; this cthub reads {MODEL_FORMAT}")
    cls = _model_class(envelope["method"])
    model = cls._from_state(envelope["meta"], arrays)
    model.columns = list(envelope["columns"])
    model._privacy = envelope["privacy"]
    return model
