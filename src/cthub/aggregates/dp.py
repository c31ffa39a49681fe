"""Differentially private aggregates: the Synthetic Data Showcase's DP marginals over a table, as selections.

The mechanism itself (levels, percentiles, thresholds, consistency) is `cthub.privacy.marginals.dp_marginals`,
shared with the aggregate-seeded synthesizer; this module reads the table (or its chunks) into counting codes,
runs it and writes the result in the aggregate format, with the stage's error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cthub.aggregates.errors import AggregatesError, stage_errors
from cthub.privacy.marginals import DpParameters, dp_marginals
from cthub.tables.codes import StreamingEncoder, check_columns, encode_frame, prepare_multi

__all__ = ["dp_aggregates"]


def dp_aggregates(
    df: pd.DataFrame | Iterable[pd.DataFrame],
    length: int,
    epsilon: float,
    delta: float | None = None,
    domain: dict[str, list[str]] | None = None,
    columns: Sequence[str] | None = None,
    max_rows_per_person: int = 1,
    multi_value: dict[str, str] | None = None,
    max_records: int | None = None,
    **params: Any,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """DP counts of every combination of up to `length` values, consistent, with the privacy dict (per person).

    `df` may be one table or an iterable of chunks (read once into 2-byte codes per cell), holding at most
    `max_rows_per_person` rows per person (`cthub.privacy.bound_contributions`). Multi-valued columns are the
    domain's `multi` (the standard's `multi` variables, from `domain_from_standard`) and `multi_value` (column ->
    separator); their cells count as sets ("Female;Male"). No column is multi-valued because a cell holds ";".
    `delta=None` needs `max_records`, a public bound N on the records (delta = 1/(N ln N)).

    `domain` maps a column to its public values (from the standard or the user); other columns get their values
    selected privately. Remaining keyword arguments are `DpParameters` fields (percentile_percentage, accuracy_mode,
    fabrication_mode, ...). The fabrication default is pac-synth's, "uncontrolled" (eta 1): because level-k
    candidates need every (k-1)-sub-combination released and consistency caps children by parents, it still
    fabricates only about 0.1% of released 3-way combinations on the benchmark table (pac-synth: 17%).
    """
    params.setdefault("fabrication_mode", "uncontrolled")
    try:
        p = DpParameters(reporting_length=length, **params)
    except TypeError as exc:
        raise AggregatesError(f"unknown DP parameter: {exc}") from exc
    with stage_errors():
        if isinstance(df, pd.DataFrame):
            frame, dom, multi = prepare_multi(df, check_columns(df, columns), domain, multi_value)
            enc = encode_frame(frame, None, dom)
        else:  # chunks: held as 2-byte codes, since the algorithm passes over the records several times
            encoder: StreamingEncoder | None = None
            parts = []
            dom, multi = {}, {}
            for chunk in df:
                frame, dom, multi = prepare_multi(chunk, check_columns(chunk, columns), domain, multi_value)
                encoder = encoder or StreamingEncoder(list(frame.columns), dom)
                parts.append(encoder.encode(frame))
            if encoder is None:
                raise AggregatesError("the input has no chunks; nothing to aggregate")
            enc = encoder.encoded(np.concatenate(parts))
        cols = enc.columns
        public = [c in dom for c in cols]
        result = dp_marginals(enc, epsilon, delta, public, p, max_rows_per_person=max_rows_per_person,
                              max_records=max_records)
        result.privacy["parameters"]["multi_value"] = multi
        return result.frame(), result.privacy
