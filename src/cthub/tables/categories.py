"""Model codes: each column's public categories as codes 0..m-1 and missing as code m, for the synthesizers.

Every DP synthesizer counts over a finite, public list of categories per column (from the standard, from the user,
or chosen privately beforehand), with missing kept as its own category (`missing_last`: a model learns how often a
value is missing and samples it like any other). A group is normally one value; after rare values are merged by
their *noisy* counts, a group holds several and decoding picks one of them at random (a public choice: which values
were merged was decided from noisy counts), in proportion to their noisy counts clipped at zero (uniformly if all
are zero). Values outside the public domain are encoded as missing, because no output may reveal a value the
budget has not paid for, except in a column whose values were chosen privately: there a value that failed the
selection is encoded as the column's `other` group (`OTHER`, decoded as "(other)"), so a rare country stays "some
other country" instead of becoming a spurious missing value (the group is always in the list, whatever the data, so
its presence reveals nothing). Multi-valued cells are one category over subsets (`cthub.tables.values`).

Choosing the categories privately spends budget, so it is the synthesizers' step (`cthub.synth.encoding`,
`cthub.privacy.selection`), not the codec's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cthub.privacy.domain import warn_out_of_domain
from cthub.tables.missing import as_strings, missing_last
from cthub.tables.values import normalize_multi

__all__ = ["OTHER", "ColumnCodec", "Encoder"]

OTHER = "(other)"  # the value of a privately selected column's group for the values that failed the selection


@dataclass
class ColumnCodec:
    """One column's public categories. `groups[i]` are the values code i decodes to; code len(groups) is missing."""

    name: str
    groups: list[list[str]]
    source: str = "public"  # public | selected
    multi_separator: str | None = None
    merged: list[str] = field(default_factory=list)  # values merged into groups because their noisy counts were low
    weights: list[list[float]] | None = None  # per group, how decoding picks among its values (None: uniformly)
    other: str | None = None  # a value of the group that takes every value outside the list (None: they are missing)

    @property
    def size(self) -> int:
        """Number of codes: the groups and missing."""
        return missing_last(len(self.groups)) + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "groups": self.groups,
            "source": self.source,
            "multi_separator": self.multi_separator,
            "merged": self.merged,
            "weights": self.weights,
            "other": self.other,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ColumnCodec:
        return cls(
            d["name"], [list(g) for g in d["groups"]], d["source"], d.get("multi_separator"), d.get("merged", []),
            d.get("weights"), d.get("other"),
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
            s = as_strings(df[codec.name], blank=True)
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
            missing = missing_last(len(codec.groups))
            lookup = {v: i for i, g in enumerate(codec.groups) for v in g}
            outside = lookup[codec.other] if codec.other is not None else missing
            raw = df[codec.name].astype(object).to_numpy(na_value=None)
            idx, uniques = pd.factorize(raw, use_na_sentinel=True)
            canon = as_strings(pd.Series(pd.array([str(u) for u in uniques], dtype="string")), blank=True)
            if codec.multi_separator:
                canon = normalize_multi(canon, codec.multi_separator)
            per_unique = np.array([lookup.get(v, outside) if v is not pd.NA else missing for v in canon], dtype=np.int32)
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
        mapping[missing_last(m)] = missing_last(len(keep) + 1)
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
    def from_json(cls, data: list[dict[str, Any]]) -> Encoder:
        return cls([ColumnCodec.from_json(d) for d in data])
