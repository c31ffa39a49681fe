"""The synthesizers' encoder: public categories where a domain gives them, privately chosen ones elsewhere.

Neighbouring tables differ by adding or removing one person (unbounded DP), that is up to c rows when the
mechanism is told `max_rows_per_person = c`; with c = 1, one record, as in the Synthetic Data Showcase. The codes
are `cthub.tables.categories` (missing is code m of a column with m groups); choosing values for a column without
a public domain spends budget (`cthub.privacy.selection.private_domain`), so that step is booked on the fit's
`Budget` and the values chosen are the only ones any output can hold.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cthub.privacy import Budget
from cthub.privacy.selection import private_domain
from cthub.synth.base import SynthError
from cthub.tables.categories import OTHER, ColumnCodec, Encoder
from cthub.tables.missing import as_strings
from cthub.tables.values import canonical_sets, normalize_multi, subset_domain

__all__ = ["build_encoder"]


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
    """An encoder for `columns`: public domains as given, the rest chosen privately with `private_domain` (plus
    an `OTHER` group for the values that failed the selection).

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
                values = canonical_sets(values, sep)
            groups[c] = list(dict.fromkeys(values))
            sources[c] = "public"
        else:
            s = as_strings(df[c], blank=True)
            to_select[c] = normalize_multi(s, sep) if sep else s
            sources[c] = "selected"
    report: dict[str, Any] = {}
    if to_select:
        chosen, report = private_domain(to_select, budget, selection_rho, selection_delta, max_rows_per_person)
        groups.update(chosen)
    codecs = []
    for c in columns:
        codec = ColumnCodec(c, [[v] for v in groups[c]], sources[c], multi_value.get(c))
        if sources[c] == "selected" and OTHER not in groups[c]:
            # values that failed the selection keep their meaning, "some other value", instead of becoming missing
            codec.groups.append([OTHER])
            codec.other = OTHER
        codecs.append(codec)
    return Encoder(codecs), report
