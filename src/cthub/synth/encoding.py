"""Turning a string table into small integer codes without leaking anything the budget has not paid for.

Every DP synthesizer needs the same things before it can count: a finite list of categories per column that is
public (from the standard, from the user, or chosen privately), missing kept as its own category, multi-valued cells
("Female;Male") made into one category, numbers put into public bands, and rare categories merged by *noisy* counts.
These helpers do that once for every method.

Neighbouring tables differ by adding or removing one person (unbounded DP), that is up to c rows when the
mechanism is told `max_rows_per_person = c`; with c = 1, one record, as in the Synthetic Data Showcase.

Encoding of a column with m public groups: codes 0..m-1 are the groups, code m is missing. A group is normally one
value; after rare values are merged, a group holds several and decoding picks one of them at random (a
public choice: which values were merged was decided from noisy counts), in proportion to their noisy counts clipped
at zero (uniformly if all are zero). Values outside the public domain (or the
privately selected one) are encoded as missing, because no output may reveal a value the budget has not paid for.

Multi-valued columns come from the schema (`Domain.multi`, set by `domain_from_standard` for the standard's `multi`
variables) or an argument (`multi_value=`, CLI `--multi COL[:SEP]`), never from a separator found in a cell: one
record could otherwise turn a column into sets and create a category. A cell is a *set* of atoms and is encoded as
one category over subsets. With a public atom list the categories are the subsets of up to `max_subset_size` atoms (all subsets when
there are at most 6 atoms), sorted in the atoms' order and joined with the separator; without one, whole normalized
sets are selected privately like any other value. Set-as-category keeps co-occurrence inside a cell exact, which
per-atom flags would lose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy import Budget, discrete_gaussian, normal_upper_quantile, warn_out_of_domain
from cthub.synth.base import SynthError

__all__ = [
    "ColumnCodec",
    "Encoder",
    "bin_numeric",
    "normalize_multi",
    "parse_multi_value",
    "private_domain",
    "selection_threshold",
    "subset_domain",
]

DEFAULT_SEPARATOR = ";"


# ---------------------------------------------------------------- multi-valued cells and numeric bands


def parse_multi_value(specs: list[str] | None) -> dict[str, str]:
    """`["IP_Gender", "IP_Relation:|"]` -> {"IP_Gender": ";", "IP_Relation": "|"} (separator defaults to ";")."""
    out: dict[str, str] = {}
    for spec in specs or []:
        name, _, sep = spec.partition(":")
        if not name:
            raise SynthError(f"--multi-value {spec!r}: give a column name, e.g. IP_Gender or IP_Gender:;")
        out[name] = sep or DEFAULT_SEPARATOR
    return out


def normalize_multi(series: pd.Series, sep: str, atoms: list[str] | None = None) -> pd.Series:
    """Each cell as a canonical set: atoms stripped, duplicates dropped, sorted (as the contract joins them); atoms
    outside a given public list make the cell missing (and the operator is warned, by column name only)."""
    order = {a: i for i, a in enumerate(atoms)} if atoms else None
    outside = False

    def canon(cell: Any) -> Any:
        if cell is pd.NA or cell is None or (isinstance(cell, float) and math.isnan(cell)):
            return pd.NA
        parts = {p.strip() for p in str(cell).split(sep) if p.strip()}
        if not parts:
            return pd.NA
        if order is not None:
            if any(p not in order for p in parts):
                nonlocal outside
                outside = True
                return pd.NA  # an atom outside the public list: not publishable, so treated as missing
        return sep.join(sorted(parts))

    out = series.map(canon).astype("string")
    if outside:
        warn_out_of_domain(str(series.name))
    return out


def subset_domain(atoms: list[str], sep: str = DEFAULT_SEPARATOR, max_subset_size: int | None = None) -> list[str]:
    """Categories for a multi-valued column: non-empty subsets of the public atoms, in atom order."""
    if max_subset_size is None:
        max_subset_size = len(atoms) if len(atoms) <= 6 else 2
    out: list[str] = []
    for size in range(1, min(max_subset_size, len(atoms)) + 1):
        out.extend(sep.join(sorted(c)) for c in combinations(atoms, size))  # cells join sorted values
    return out


def bin_numeric(series: pd.Series, edges: list[float], labels: list[str] | None = None) -> pd.Series:
    """Numbers into public bands [edges[i], edges[i+1]) with a last open band; labels default to "a--b" / "a+".

    The bands must be public (the standard's, e.g. CTDC age bands), never derived from the data.
    """
    edges = sorted(float(e) for e in edges)
    if labels is None:
        labels = [f"{_num(a)}--{_num(b - 1)}" for a, b in zip(edges, edges[1:])] + [f"{_num(edges[-1])}+"]
    if len(labels) != len(edges):
        raise SynthError(f"{len(edges)} band edges need {len(edges)} labels, got {len(labels)}")
    values = pd.to_numeric(series, errors="coerce")
    idx = np.searchsorted(np.asarray(edges), values.to_numpy(dtype=float, na_value=np.nan), side="right") - 1
    out = pd.Series(pd.NA, index=series.index, dtype="string")
    ok = values.notna().to_numpy() & (idx >= 0)
    out[ok] = np.asarray(labels, dtype=object)[idx[ok]]
    return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# ---------------------------------------------------------------- budget helpers


def selection_threshold(sigma: float, delta: float, max_rows_per_person: int = 1) -> float:
    """Noisy-count threshold for choosing values privately, so a value held by one person shows with prob <= delta.

    A person with at most c rows holds at most c values no one else holds, each with a true count of at most c; the
    discrete Gaussian's tail beyond t is at most the continuous one's beyond t - 1, hence c + 1, and a union bound
    over the c values, hence delta / c. With c = 1 this is the one-record rule 2 + sigma z(delta).
    """
    c = int(max_rows_per_person)
    return c + 1.0 + sigma * normal_upper_quantile(delta / c)


def private_domain(
    columns: dict[str, pd.Series],
    budget: Budget,
    rho: float,
    delta: float,
    max_rows_per_person: int = 1,
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Choose each column's values privately: noisy counts of the values present, kept if over a threshold.

    One row adds 1 to one count per column, so the row-level L2 sensitivity over all d columns is sqrt(d) and the
    discrete Gaussian sigma is sqrt(d / (2 rho)) for a row-level `rho` (the budget's unit). A value only one person
    holds could still pass the threshold: that is the `delta` this step adds (split over the columns), booked with
    the spend. Returns the domains and a parameter dict for the report (no count of the values present).
    """
    if not columns:
        return {}, {}
    budget.spend(f"private value selection ({', '.join(columns)})", rho, delta)
    sigma = math.sqrt(len(columns) / (2.0 * rho))
    threshold = selection_threshold(sigma, delta / len(columns), max_rows_per_person)
    domains: dict[str, list[str]] = {}
    for name, series in columns.items():
        counts = series.dropna().value_counts()
        if counts.empty:
            domains[name] = []
            continue
        noisy = discrete_gaussian(counts.to_numpy(dtype=np.int64), sigma)
        keep = [str(v) for v, c in zip(counts.index, noisy) if c >= threshold]
        domains[name] = sorted(keep)
    return domains, {"sigma": sigma, "threshold": threshold, "delta": delta, "columns": list(columns)}


# ---------------------------------------------------------------- the encoder


@dataclass
class ColumnCodec:
    """One column's public categories. `groups[i]` are the values code i decodes to; code len(groups) is missing."""

    name: str
    groups: list[list[str]]
    source: str = "public"  # public | selected
    multi_separator: str | None = None
    merged: list[str] = field(default_factory=list)  # values merged into groups because their noisy counts were low
    weights: list[list[float]] | None = None  # per group, how decoding picks among its values (None: uniformly)

    @property
    def size(self) -> int:
        return len(self.groups) + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "groups": self.groups,
            "source": self.source,
            "multi_separator": self.multi_separator,
            "merged": self.merged,
            "weights": self.weights,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ColumnCodec":
        return cls(
            d["name"], [list(g) for g in d["groups"]], d["source"], d.get("multi_separator"), d.get("merged", []),
            d.get("weights"),
        )


class Encoder:
    """Public categories for every column; encodes a string table to int codes and decodes codes back."""

    def __init__(self, codecs: list[ColumnCodec]) -> None:
        self.codecs = codecs

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.codecs]

    @property
    def sizes(self) -> list[int]:
        return [c.size for c in self.codecs]

    def prepare(self, df: pd.DataFrame) -> pd.DataFrame:
        """The table as canonical strings: multi-valued cells normalized, empty strings as missing."""
        out = {}
        for codec in self.codecs:
            s = df[codec.name].astype("string")
            s = s.mask(s.str.strip() == "", pd.NA)
            if codec.multi_separator:
                s = normalize_multi(s, codec.multi_separator)
            out[codec.name] = s
        return pd.DataFrame(out, index=df.index)

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        """(n, d) int codes; values outside the public domain become missing (see the module docstring), and the
        operator is warned for a public list (column name only).

        Works on each column's distinct values (factorized), so the cost is one pass over the rows per column.
        """
        codes = np.empty((len(df), len(self.codecs)), dtype=np.int32)
        for j, codec in enumerate(self.codecs):
            missing = len(codec.groups)
            lookup = {v: i for i, g in enumerate(codec.groups) for v in g}
            raw = df[codec.name].astype(object).to_numpy(na_value=None)
            idx, uniques = pd.factorize(raw, use_na_sentinel=True)
            canon = pd.Series(pd.array([str(u) for u in uniques], dtype="string"))
            canon = canon.mask(canon.str.strip() == "", pd.NA)
            if codec.multi_separator:
                canon = normalize_multi(canon, codec.multi_separator)
            per_unique = np.array([lookup.get(v, missing) if v is not pd.NA else missing for v in canon], dtype=np.int32)
            if codec.source == "public" and bool(((per_unique == missing) & canon.notna().to_numpy()).any()):
                warn_out_of_domain(codec.name)
            table = np.append(per_unique, np.int32(missing))  # index -1 (missing) maps to the last entry
            codes[:, j] = table[idx]
        return codes

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        """String table from codes; a merged group decodes to one of its values by their weights (seeded by `rng`)."""
        out = {}
        for j, codec in enumerate(self.codecs):
            col = codes[:, j]
            values = np.full(len(col), None, dtype=object)
            for i, group in enumerate(codec.groups):
                hit = np.flatnonzero(col == i)
                if hit.size == 0:
                    continue
                if len(group) == 1:
                    values[hit] = group[0]
                    continue
                w = np.asarray(codec.weights[i], dtype=float) if codec.weights else np.ones(len(group))
                w = np.ones(len(group)) if w.sum() <= 0 else w
                values[hit] = np.asarray(group, dtype=object)[rng.choice(len(group), size=hit.size, p=w / w.sum())]
            out[codec.name] = pd.array(values, dtype="string")
        return pd.DataFrame(out)

    def merge_rare(self, j: int, noisy_counts: np.ndarray, min_count: float) -> np.ndarray:
        """Merge column j's groups whose noisy count is below `min_count` into one group; return old->new code map.

        Uses noisy counts only (post-processing). Missing is never merged. Nothing happens unless at least two groups
        are rare (merging one group into itself gains nothing).
        """
        codec = self.codecs[j]
        m = len(codec.groups)
        rare = [i for i in range(m) if noisy_counts[i] < min_count]
        mapping = np.arange(m + 1)
        if len(rare) < 2:
            return mapping
        keep = [i for i in range(m) if i not in rare]
        new_groups = [codec.groups[i] for i in keep] + [[v for i in rare for v in codec.groups[i]]]
        for new, old in enumerate(keep):
            mapping[old] = new
        mapping[rare] = len(keep)
        mapping[m] = len(keep) + 1
        old_weights = codec.weights or [[1.0] * len(g) for g in codec.groups]
        # Within the merged group, decode in proportion to the members' noisy counts (clipped at zero): values the
        # noise puts at or below zero are most likely absent and are not fabricated; post-processing only.
        merged_weights = [
            max(float(noisy_counts[i]), 0.0) * w / max(sum(old_weights[i]), 1e-12)
            for i in rare
            for w in old_weights[i]
        ]
        codec.weights = [[1.0] * len(codec.groups[i]) for i in keep] + [merged_weights]
        codec.merged = [v for i in rare for v in codec.groups[i]]
        codec.groups = new_groups
        return mapping

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.codecs]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> "Encoder":
        return cls([ColumnCodec.from_json(d) for d in data])


def build_encoder(
    df: pd.DataFrame,
    columns: list[str],
    domain: dict[str, list[str]] | None,
    multi_value: dict[str, str] | None,
    budget: Budget,
    selection_rho: float,
    selection_delta: float,
    max_rows_per_person: int = 1,
) -> tuple[Encoder, dict[str, Any]]:
    """An encoder for `columns`: public domains as given, the rest chosen privately with `private_domain`.

    For a multi-valued column a given domain is its atom list (expanded to subsets); without one, whole sets are
    selected. `selection_rho`/`selection_delta` are only spent if some column has no public domain.
    """
    domain = domain or {}
    multi_value = multi_value or {}
    missing_cols = [c for c in columns if c not in df.columns]
    if missing_cols:
        raise SynthError(f"columns not in the input: {', '.join(missing_cols)}; check --columns")
    groups: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    to_select: dict[str, pd.Series] = {}
    for c in columns:
        sep = multi_value.get(c)
        if c in domain:
            values = [str(v) for v in domain[c]]
            if sep and not any(sep in v for v in values):  # a list of atoms: categories are their subsets
                values = subset_domain(values, sep)
            elif sep:  # already subsets: put each in the canonical (sorted) form cells use
                values = [sep.join(sorted(p.strip() for p in v.split(sep))) for v in values]
            groups[c] = list(dict.fromkeys(values))
            sources[c] = "public"
        else:
            s = df[c].astype("string")
            s = s.mask(s.str.strip() == "", pd.NA)
            to_select[c] = normalize_multi(s, sep) if sep else s
            sources[c] = "selected"
    report: dict[str, Any] = {}
    if to_select:
        chosen, report = private_domain(to_select, budget, selection_rho, selection_delta, max_rows_per_person)
        groups.update(chosen)
    codecs = [ColumnCodec(c, [[v] for v in groups[c]], sources[c], multi_value.get(c)) for c in columns]
    return Encoder(codecs), report
