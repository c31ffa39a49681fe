"""Aggregates counted from the DP synthesizer (`dp` profile, `aggregates.protection: synthetic`, the default).

Counting the fitted model's samples is post-processing of a DP output: it costs no budget beyond the synthesizer's,
and the counts agree with the synthetic rows (up to sampling, which `sample_factor` shrinks by counting that many
times more rows and scaling back). No anchor tool offers aggregates consistent with its synthetic data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cthub.release.stages.base import Guarantee, Output, Spend, TableContext, seed_for, write_frame
from cthub.release.stages.columns import aggregate_columns, mask_no

CHUNK_ROWS = 200_000


def model_aggregates(model: Any, synthetic: pd.DataFrame, columns: list[str], yes_only: list[str], length: int,
                     factor: int, seed: int | None, min_count: int = 1) -> pd.DataFrame:
    """Counts of every combination up to `length` over `synthetic` plus (factor - 1) x as many further draws of
    the same fitted model, divided by `factor` and rounded; counts below `min_count` are dropped. Memory: one chunk
    of rows."""
    from cthub.aggregates import exact_aggregates

    n = len(synthetic)

    def chunks() -> Iterator[pd.DataFrame]:
        yield mask_no(synthetic[columns], yes_only)
        extra = n * (factor - 1)
        i = 0
        while extra > 0:
            take = min(extra, CHUNK_ROWS)
            yield mask_no(model.sample(take, seed=seed_for(seed, 1000 + i))[columns], yes_only)
            extra -= take
            i += 1

    counts = exact_aggregates(chunks(), length, columns=columns)
    counts["count"] = np.floor(counts["count"].to_numpy() / factor + 0.5).astype("int64")
    return counts[counts["count"] >= max(min_count, 1)].reset_index(drop=True)


class ModelAggregates:
    name = "aggregates"

    def label(self, ctx: TableContext) -> str:
        a = ctx.config.release.aggregates
        return f"{ctx.name}: aggregates counted from the synthesizer (length {a.length}, x{a.sample_factor})"

    def plan(self, ctx: TableContext) -> list[Spend]:
        return []  # post-processing of the synthesizer

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        rc = ctx.config.release
        synthetic: pd.DataFrame = ctx.results["synthetic"]
        cols, yes_only = aggregate_columns(ctx, available=list(synthetic.columns))
        factor = rc.aggregates.sample_factor
        aggregates = model_aggregates(ctx.results["model"], synthetic, cols, yes_only, rc.aggregates.length, factor,
                                      ctx.seed, min_count=rc.aggregates.min_count)
        ctx.results["aggregates"] = aggregates
        ctx.results["aggregate_columns"] = cols
        syn_names = [f"data/{ctx.name}_synthetic.csv", f"data/{ctx.name}_synthetic.parquet"]
        guarantee = Guarantee("post-processing", {
            "of": syn_names, "note": (f"counted from {factor}x the synthetic rows drawn from the same DP model, "
                                      "scaled back and rounded; no budget beyond the synthesizer's"),
            "length": rc.aggregates.length, "min_count": rc.aggregates.min_count,
        })
        title = f"{ctx.std_table.title}: aggregate counts from the DP synthesizer"
        return [Output(p, "aggregates", guarantee, ctx.name, title)
                for p in write_frame(folder, ctx.name, "aggregates", aggregates)]
