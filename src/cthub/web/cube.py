"""Answers about one table of one release, drawn only from what the release publishes.

Protected counts come from `data/<table>_aggregates` and nothing else: a combination that is not in the published
aggregates is *suppressed*, never computed. Beside each protected count the explorer shows the estimate from the
release's DP synthetic data (which is public), the way the Synthetic Data Showcase's "Navigate" does.

A *filter* is a set of (attribute, value) selections; its canonical key is the Synthetic Data Showcase string
(`gender:Female;ageBroad:9--17`) in the table's column order. A *slice* is everything the pages need for one filter:
for each other attribute, every value with its protected count and synthetic estimate.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cthub.release.reader import Release, ReleaseNotFound
from cthub.web import dashboards, geo
from cthub.web.declared import aggregates_guarantee, public_names
from cthub.web.labels import MULTI_JOINER, VariableInfo, table_variables
from cthub.web.protection import records_of, records_text, suppression_rule

Selection = tuple[str, str]
Filter = frozenset[Selection]

_SLUG_SAFE = re.compile(r"[A-Za-z0-9\-.]")


class FilterError(ValueError):
    """A filter string that cannot be read, or that names an attribute the table does not have."""


def parse_selections(text: str | None) -> list[Selection]:
    """`"a:x;b:y"` -> [("a","x"), ("b","y")]. A `;` not followed by `name:` belongs to a multi-valued value."""
    out: list[list[str]] = []
    for piece in (text or "").split(";"):
        if not piece:
            continue
        name, sep, value = piece.partition(":")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            out.append([name, value])
        elif out:
            out[-1][1] += ";" + piece
        else:
            raise FilterError(f"cannot read selection {piece!r}: write attribute:value, e.g. gender:Female")
    return [(n, v) for n, v in out]


def slug(key: str) -> str:
    """A file-name-safe, reversible form of a filter key (static hosts need a file per slice). Empty -> `_all`."""
    if not key:
        return "_all"
    return "".join(ch if _SLUG_SAFE.fullmatch(ch) else "_" + format(ord(ch), "x") + "_" for ch in key)


def unslug(text: str) -> str:
    if text == "_all":
        return ""
    return re.sub(r"_([0-9a-f]{1,6})_", lambda m: chr(int(m.group(1), 16)), text)


def combination_counts(df: pd.DataFrame, columns: list[str], length: int) -> dict[Filter, int]:
    """Counts of every combination of up to `length` non-missing values (numpy bincount per column set).

    Kept here rather than importing `cthub.aggregates` so the web process does not load scipy/OpenDP."""
    codes: dict[str, tuple[np.ndarray, list[str]]] = {}
    pairs: dict[str, np.ndarray] = {}  # per column, the (column, value) selection of each code, as objects
    for c in columns:
        k, uniques = pd.factorize(df[c], use_na_sentinel=True)
        codes[c] = (k.astype(np.int64), [str(u) for u in uniques])
        arr = np.empty(len(uniques), dtype=object)
        arr[:] = [(c, str(u)) for u in uniques]
        pairs[c] = arr
    out: dict[Filter, int] = {}
    n_rows = len(df)
    for r in range(1, length + 1):
        for combo in itertools.combinations(columns, r):
            key = np.zeros(n_rows, dtype=np.int64)
            valid = np.ones(n_rows, dtype=bool)
            radix = 1
            for c in combo:
                k, uniques = codes[c]
                valid &= k >= 0
                key += np.where(k >= 0, k, 0) * radix
                radix *= max(len(uniques), 1)
            if radix > 50_000_000:  # too many cells for bincount; fall back to unique
                vals, counts = np.unique(key[valid], return_counts=True)
            else:
                counts_all = np.bincount(key[valid], minlength=0)
                vals = np.nonzero(counts_all)[0]
                counts = counts_all[vals]
            # decode every cell's key at once (numpy), then one frozenset per cell
            rest = np.asarray(vals, dtype=np.int64)
            columns_of_cells = []
            for c in combo:
                size = max(len(codes[c][1]), 1)
                columns_of_cells.append(pairs[c][rest % size])
                rest = rest // size
            for sel, n in zip(zip(*columns_of_cells), np.asarray(counts).tolist()):
                out[frozenset(sel)] = int(n)
    return out


def _read_counts(selections: list[Any], counts: list[Any], order: dict[str, int]) -> dict[Filter, int]:
    """{filter: count} of an aggregates file; fills `order` with attribute names in order of first appearance.

    A wide table's file has hundreds of thousands of rows, so the common case (every ";" starts a `name:value`, as
    the aggregates write it, with a multi-valued set joined by "|") takes a split instead of parse_selections."""
    out: dict[Filter, int] = {}
    valid = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").fullmatch
    known: set[str] = set()
    for sel, count in zip(selections, counts):
        pieces = [p.partition(":") for p in str(sel).split(";")]
        if all(sep and (name in known or valid(name)) for name, sep, _ in pieces):
            pairs = [(name, value) for name, _, value in pieces]
        else:  # an older file with ";" inside a value
            pairs = parse_selections(str(sel))
        for name, _ in pairs:
            if name not in known:
                known.add(name)
                order.setdefault(name, len(order))
        out[frozenset(pairs)] = int(count)
    return out


def _created_year(meta: dict[str, Any]) -> int | None:
    created = str(meta.get("created") or "")
    return int(created[:4]) if created[:4].isdigit() else None


class TableCube:
    """Published aggregates + synthetic data of one table, indexed for filter look-ups."""

    def __init__(self, release: Release, table: str) -> None:
        self.release = release
        self.table = table
        public = public_names(release)
        if release.data_name(table, "aggregates") not in public:
            raise ReleaseNotFound(f"release {release.version} declares no public aggregates for table {table!r}")
        agg = release.aggregates(table)
        self.counts: dict[Filter, int] = {}
        order: dict[str, int] = {}
        self.counts = _read_counts(agg["selections"].tolist(), agg["count"].tolist(), order)
        self.length = int(agg["length"].max()) if len(agg) else 0
        self.synthetic: pd.DataFrame | None = None
        if release.data_name(table, "synthetic") in public:  # an undeclared file is never read
            try:
                self.synthetic = release.synthetic(table)
            except ReleaseNotFound:
                self.synthetic = None
        cols = list(order)
        if self.synthetic is not None:
            cols += [c for c in self.synthetic.columns if c not in order]
        self.variables: dict[str, VariableInfo] = table_variables(table, cols)
        # column order: the standard's where it knows the columns, else first appearance
        self.columns = [c for c in cols if c in order]  # only published attributes can be charted
        #: every value some published aggregate names (what a query may ask for) ...
        self._value_sets: dict[str, set[str]] = {c: set() for c in self.columns}
        for f in self.counts:
            for name, value in f:
                if name in self._value_sets:
                    self._value_sets[name].add(value)
        #: ... and what filters, axes and regions show: that support, without impossible (future) years
        self.values = self._values()
        #: what a missing count means, from the aggregates' declared guarantee (the EFFECTIVE threshold, if any)
        self.rule = suppression_rule(aggregates_guarantee(release, table))
        self.threshold = self.rule["threshold"]
        kanon = release.guarantee(release.data_name(table, "kanon", "csv")) or {}
        self.k = kanon.get("k")
        #: the declared record count {"value", "guarantee"}, None for an old release's exact count
        self.records: dict[str, Any] | None = records_of(release.meta, table)
        self.records_text = records_text(self.records)
        self._cache: OrderedDict[Filter, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._syn_codes: dict[str, tuple[np.ndarray, dict[str, int], list[str]]] = {}
        self._json_cache: dict[Filter, bytes] = {}

    # ---- vocabulary -------------------------------------------------------------------------------------------
    def _values(self) -> dict[str, list[str]]:
        """Each attribute's published support: the values some published aggregate names.

        Values that occur only in the synthetic data (years the synthesizer's domain allows but no record has, a
        country no published count names) are artificial; they never reach a filter, an axis or a region list."""
        last_year = _created_year(self.release.meta)
        out: dict[str, list[str]] = {}
        for c, vals in self._value_sets.items():
            if self.variables[c].type == "year" and last_year is not None:
                # a registration cannot postdate the release: such a year is noise or synthesis, never a record
                vals = {v for v in vals if not (v[:4].isdigit() and int(v[:4]) > last_year)}
            codes = self.variables[c].codes
            rank = {code: i for i, code in enumerate(codes)}
            out[c] = sorted(vals, key=lambda v: (rank.get(v, len(rank)), v))
        return out

    def key(self, selections: Iterable[Selection]) -> str:
        """Canonical filter key: selections in column order."""
        pos = {c: i for i, c in enumerate(self.columns)}
        ordered = sorted(selections, key=lambda s: (pos.get(s[0], len(pos)), s[0], s[1]))
        return ";".join(f"{n}:{v}" for n, v in ordered)

    def parse_filter(self, text: str | None) -> Filter:
        """A filter from its key; unknown attributes or two values of one attribute are errors that say why."""
        pairs = parse_selections(text)
        names = [n for n, _ in pairs]
        for n in names:
            if n not in self.columns:
                raise FilterError(
                    f"table {self.table!r} has no published attribute {n!r}; attributes: {', '.join(self.columns)}"
                )
        if len(set(names)) != len(names):
            raise FilterError("a filter can select only one value per attribute")
        for n, v in pairs:
            if v not in self._value_sets[n] and not self._standard_value(n, v):
                vals = self.values[n] or sorted(self._value_sets[n])
                shown = ", ".join(vals[:12]) + (", ..." if len(vals) > 12 else "")
                raise FilterError(f"attribute {n!r} of table {self.table!r} has no published value {v!r}; "
                                  f"values: {shown}")
        return frozenset(pairs)

    def _standard_value(self, name: str, value: str) -> bool:
        """A value the standard defines for this column (each element of a set, for a multi-valued one).

        Such a value is a fair question even when the release publishes no count for it: the answer is
        "suppressed", exactly as for a published value's small cells, so whether a rare value is in the data is never
        told apart from whether it is merely unpublished. Values outside the standard are 400.
        """
        codes = set(self.variables[name].codes)
        if not codes:
            return True  # no list to check against (e.g. open-ended years): the release decides
        parts = [p for p in value.replace("|", ";").split(";") if p]
        return bool(parts) and all(p in codes for p in parts)

    @property
    def max_filters(self) -> int:
        """How many selections a filter may hold so that charts (one more attribute) stay within the reporting length."""
        return max(self.length - 1, 0)

    # ---- protected counts ---------------------------------------------------------------------------------------
    def protected(self, selections: Filter) -> int | None:
        """The published count of a combination, or None when it is suppressed (not published)."""
        if not selections:
            return self.records["value"] if self.records is not None else None
        return self.counts.get(selections)

    def published_filters(self, max_len: int | None = None) -> list[Filter]:
        """Every filter the explorer can reach by clicking published bars (the empty filter first)."""
        limit = self.max_filters if max_len is None else max_len
        out: list[Filter] = [frozenset()]
        out += [f for f in self.counts if 0 < len(f) <= limit]
        return out

    # ---- slices -----------------------------------------------------------------------------------------------
    def slice(self, selections: Filter) -> dict[str, Any]:
        """Counts of every value of every other attribute under `selections`; cached (slices are small)."""
        with self._lock:
            hit = self._cache.get(selections)
            if hit is not None:
                self._cache.move_to_end(selections)
                return hit
        result = self._compute_slice(selections)
        with self._lock:
            self._cache[selections] = result
            if len(self._cache) > 2048:
                self._cache.popitem(last=False)
        return result

    def slice_json(self, selections: Filter) -> bytes:
        """The slice serialized once (the API hands the same bytes to every client)."""
        with self._lock:
            hit = self._json_cache.get(selections)
        if hit is None:
            hit = json.dumps(self.slice(selections), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            with self._lock:
                self._json_cache[selections] = hit
                if len(self._json_cache) > 4096:
                    self._json_cache.pop(next(iter(self._json_cache)))
        return hit

    def _codes(self, column: str) -> tuple[np.ndarray, dict[str, int], list[str]] | None:
        """One synthetic column as integer codes (-1 = missing), factorized on first use.

        Only the columns a request touches are coded, so the first request does not pay for a combination index over
        every column of a wide (56-column) table."""
        df = self.synthetic
        if df is None or column not in df.columns:
            return None
        hit = self._syn_codes.get(column)
        if hit is None:
            k, uniques = pd.factorize(df[column], use_na_sentinel=True)
            names = [str(u) for u in uniques]
            if column in self.variables and self.variables[column].type == "multi":
                # the aggregates write a multi-valued set "A;B" as "A|B" (";" separates attributes in a selection)
                names = [n.replace(self.variables[column].separator, MULTI_JOINER) for n in names]
            hit = (k.astype(np.int64), {u: i for i, u in enumerate(names)}, names)
            self._syn_codes[column] = hit
        return hit

    def _synthetic_mask(self, selections: Filter) -> np.ndarray | None:
        """Which synthetic rows match every selection (None: no synthetic data)."""
        if self.synthetic is None:
            return None
        mask = np.ones(len(self.synthetic), dtype=bool)
        for name, value in selections:
            coded = self._codes(name)
            code = coded[1].get(value) if coded is not None else None
            if coded is None or code is None:
                return np.zeros(len(self.synthetic), dtype=bool)
            mask &= coded[0] == code
        return mask

    def synthetic_index(self) -> None:
        """Code the columns every page charts first (the published ones), so the first slice is a few bincounts."""
        for c in self.columns:
            self._codes(c)

    def _synthetic_counts(self, selections: Filter, col: str, mask: np.ndarray | None = None) -> dict[str, int] | None:
        if self.synthetic is None:
            return None
        mask = self._synthetic_mask(selections) if mask is None else mask
        coded = self._codes(col)
        if coded is None or mask is None:
            return {}
        k = coded[0][mask]
        counts = np.bincount(k[k >= 0], minlength=len(coded[2]))
        return {coded[2][i]: int(n) for i, n in enumerate(counts.tolist()) if n}

    def _synthetic_total(self, selections: Filter, mask: np.ndarray | None = None) -> int | None:
        if self.synthetic is None:
            return None
        mask = self._synthetic_mask(selections) if mask is None else mask
        return None if mask is None else int(mask.sum())

    def _compute_slice(self, selections: Filter) -> dict[str, Any]:
        too_deep = len(selections) > self.max_filters
        attributes: dict[str, list[list[Any]]] = {}
        mask = self._synthetic_mask(selections)
        for col in self.columns:
            if any(n == col for n, _ in selections):
                continue
            syn_counts = self._synthetic_counts(selections, col, mask)
            entries = []
            for value in self.values[col]:
                prot = None if too_deep else self.counts.get(selections | {(col, value)})
                syn = syn_counts.get(value, 0) if syn_counts is not None else None
                if prot is None and not syn:
                    continue
                entries.append([value, prot, syn])
            attributes[col] = entries
        return {
            "table": self.table,
            "filter": self.key(selections),
            "selections": [[n, v] for n, v in sorted(selections)],
            "depth": len(selections),
            "max_filters": self.max_filters,
            "too_deep": too_deep,
            "total": {
                "protected": self.protected(selections),
                "synthetic": self._synthetic_total(selections, mask),
            },
            "attributes": attributes,
        }

    def chart(self, attribute: str, selections: Filter) -> list[dict[str, Any]]:
        """One chart's data as records (for the CSV/JSON chart API)."""
        if attribute not in self.columns:
            raise FilterError(
                f"table {self.table!r} has no published attribute {attribute!r}; attributes: {', '.join(self.columns)}"
            )
        if any(n == attribute for n, _ in selections):
            raise FilterError(f"{attribute!r} is already in the filter; chart another attribute")
        data = self.slice(selections)
        var = self.variables[attribute]
        return [
            {
                "attribute": attribute,
                "value": v,
                "label": var.label_of(v),
                "protected_count": p,
                "status": "published" if p is not None else ("too deep" if data["too_deep"] else "suppressed"),
                "synthetic_estimate": s,
            }
            for v, p, s in data["attributes"][attribute]
        ]

    def flows(self, origin: str, destination: str, top: int = 25) -> list[dict[str, Any]]:
        """Top origin -> destination corridors from the published two-way aggregates."""
        out: list[dict[str, Any]] = []
        for f, count in self.counts.items():
            if len(f) != 2:
                continue
            d = dict(f)
            if origin in d and destination in d:
                out.append({"origin": d[origin], "destination": d[destination], "count": count})
        out.sort(key=lambda r: (-r["count"], r["origin"], r["destination"]))
        return out[:top]

    def meta_json(self) -> bytes:
        if getattr(self, "_meta_json", None) is None:
            self._meta_json = json.dumps(self.meta(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self._meta_json

    def meta(self) -> dict[str, Any]:
        """Columns, labels and limits, for the page scripts."""
        origin, destination = geo.country_columns(self)
        return {
            "dashboards": dashboards.resolve(self),
            "countries": {"origin": origin, "destination": destination},
            # the map's region of every published country, also those the 1:110m atlas does not draw
            "regions": {v: geo.region_of(v) for col in (origin, destination) if col for v in self.values[col]},
            "table": self.table,
            "version": self.release.version,
            "hub": self.release.meta.get("hub"),
            "length": self.length,
            "max_filters": self.max_filters,
            "threshold": self.threshold,
            "rule": self.rule,
            "k": self.k,
            "records": self.records,
            "records_text": self.records_text,
            "has_synthetic": self.synthetic is not None,
            "columns": self.columns,
            "variables": {
                c: {
                    **self.variables[c].as_dict(),
                    "values": self.values[c],
                    "value_labels": {v: self.variables[c].label_of(v) for v in self.values[c]},
                }
                for c in self.columns
            },
        }
