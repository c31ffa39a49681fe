"""The synthesizer interface every DP synthetic-data method in cthub follows, and the registry that finds them.

A *synthesizer* holds parameters only; `fit` spends privacy budget on a table and returns a *model*, which holds
nothing but the noisy, fitted statistics. Everything a model does afterwards (`sample`, `save`, reloading it) is
post-processing, so drawing more rows or reloading a saved model costs no more privacy.

Models are saved as a NumPy `.npz` file whose arrays are plain numbers/strings and whose metadata is one JSON string
(`__meta__`): they load with `allow_pickle=False`, so a model file can never carry code.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from cthub.privacy.domain import Domain
from cthub.synth.rules import rules_json
from cthub.tables.values import subset_domain

__all__ = [
    "Model",
    "SynthError",
    "Synthesizer",
    "domain_from_standard",
]

MODEL_FORMAT = 1
_MODELS: dict[str, type[Model]] = {}


class SynthError(Exception):
    """A synthesizer cannot run as asked; the message says what to change."""


class Model(ABC):
    """A fitted DP model. Subclasses set `method`, implement `sample`, `_state` and `_from_state`.

    `columns` is the fitted column order; `privacy` is the dict written beside every output: it must hold at least
    `method`, `epsilon`, `delta` (the total: conversion plus every selection step), `rho`, `rho_spent` (per person),
    `spends` (list of {what, rho, delta?}, per person), `unit` ("person"), `max_rows_per_person` and `parameters`
    (every parameter the method used, so a run can be repeated).
    """

    method: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.method:  # a concrete model registers itself so `load_model` can find it by the saved method name
            _MODELS[cls.method] = cls

    def __init__(self, columns: list[str], privacy: dict[str, Any]) -> None:
        self.columns = list(columns)
        self._privacy = dict(privacy)

    @property
    def privacy(self) -> dict[str, Any]:
        """What the fit spent and every parameter it used (a copy: editing it changes nothing)."""
        return json.loads(json.dumps(self._privacy))

    @abstractmethod
    def sample(self, n: int, seed: int | None = None) -> pd.DataFrame:
        """Exactly `n` rows with `columns`, string dtype, pd.NA for missing. A seed makes it reproducible."""

    @abstractmethod
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and numeric/string arrays that `_from_state` rebuilds the model from."""

    @classmethod
    @abstractmethod
    def _from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Model:
        """Inverse of `_state`."""

    def save(self, path: str | Path) -> Path:
        """Write the model to `path` (`.npz`). The file holds noisy statistics only, never records."""
        path = Path(path)
        meta, arrays = self._state()
        envelope = {
            "format": MODEL_FORMAT,
            "method": self.method,
            "columns": self.columns,
            "privacy": self._privacy,
            "meta": meta,
        }
        for key in arrays:
            if key.startswith("__"):
                raise SynthError(f"array name {key!r} is reserved")
            if arrays[key].dtype == object:
                raise SynthError(f"array {key!r} has dtype object; store strings as a fixed-width str array")
        payload: dict[str, Any] = {"__meta__": np.array(json.dumps(envelope)), **arrays}
        with path.open("wb") as fh:
            np.savez_compressed(fh, **payload)
        return path


@runtime_checkable
class Synthesizer(Protocol):
    """Parameters of a method; `fit` is the only step that reads records or spends privacy.

    `epsilon`/`delta` are the total (epsilon, delta)-DP guarantee of the whole fit, per person: `df` holds at most
    `max_rows_per_person` rows per person (`cthub.privacy.bound_contributions`), and the fit runs at row-level
    rho / c^2. `delta=None` needs `max_records`, a public bound N on the records (delta = 1 / (N ln N)); it is never
    derived from the data. `domain` maps a column to its public list of values (from the standard or the user); a
    column absent from it gets its values selected privately, never read off the data as it is. Multi-valued
    columns are the domain's `multi` (the standard's `multi` variables) and the synthesizer's `multi_value`.
    """

    method: str

    def fit(
        self,
        df: pd.DataFrame,
        epsilon: float,
        delta: float | None = None,
        domain: dict[str, list[str]] | None = None,
        max_rows_per_person: int = 1,
        max_records: int | None = None,
    ) -> Model: ...


# Types whose values the standard lists; "multi" lists the atoms a multi-valued cell is a set of.
_LISTED_TYPES = {"categorical", "boolean", "country", "year", "multi"}


def domain_from_standard(table: Any, columns: list[str] | None = None, max_year: int | None = None) -> Domain:
    """Public value lists for `columns` of a `cthub.standard.Table` (all its columns if None), as a `Domain`.

    `max_year` (the release's reference date's year, public) cuts every `year` variable's list there, so no
    synthetic or published year lies after the reference date (records with a later year are treated as missing,
    with the usual out-of-domain warning). `domain.rules` carries the table's structural rules over `columns`:
    every synthesizer gives the cells they forbid zero mass.

    Booleans are always ["0", "1"]. A column whose variable lists no values (e.g. open-ended years) is left out, so
    the synthesizer selects its values privately instead of reading them off the data. For a `multi` variable the
    list is every subset of its atoms (up to pairs beyond 6 atoms), each joined sorted with the variable's separator
    as cells are ("Female;Male"), and `domain.multi[name]` is that separator: which columns are sets comes from the
    schema, never from the cells. Missing is not listed: every method keeps it as its own category.
    """
    names = list(table.columns) if columns is None else list(columns)
    domain = Domain()
    domain.rules = rules_json(getattr(table, "rules", None) or [], names)  # type: ignore[attr-defined]
    for name in names:
        try:
            var = table.variable(name)
        except (KeyError, LookupError) as exc:
            raise SynthError(f"column {name!r} is not in the standard's table {getattr(table, 'name', '?')!r}") from exc
        if var.type == "boolean":
            domain[name] = ["0", "1"]
            continue
        codes = [str(c) for c in (var.codes or [])]
        if var.type == "multi":
            sep = getattr(var, "separator", None) or ";"
            domain.multi[name] = sep
            if codes:
                domain[name] = subset_domain(codes, sep)
        elif var.type == "year" and codes and max_year is not None:
            domain[name] = [c for c in dict.fromkeys(codes) if not c.isdigit() or int(c) <= int(max_year)]
        elif var.type in _LISTED_TYPES and codes:
            domain[name] = list(dict.fromkeys(codes))
    return domain
