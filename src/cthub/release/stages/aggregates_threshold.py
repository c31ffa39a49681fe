"""Threshold aggregates (`classic` profile), computed FROM the k-anonymized file.

Counting the published microdata means no aggregate cell can be computed more precisely from the microdata than
it is published, and the aggregates add nothing an attacker could not already count from the file; small counts
are still withheld and the rest rounded down, so the published tables stay coarse.
"""

from __future__ import annotations

from pathlib import Path

from cthub.release.stages.base import Guarantee, Output, Spend, TableContext, write_frame
from cthub.release.stages.columns import aggregate_columns, mask_no


class ThresholdAggregates:
    name = "aggregates"

    def label(self, ctx: TableContext) -> str:
        a = ctx.config.release.aggregates
        return f"{ctx.name}: threshold aggregates from the k-anonymized file (K={a.threshold}, R={a.resolution})"

    def plan(self, ctx: TableContext) -> list[Spend]:
        return []

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        from cthub.aggregates.threshold import classic_aggregates, effective_threshold

        rc = ctx.config.release
        kanon = ctx.results.get("kanon")
        if kanon is None:
            ctx.notes.append("threshold aggregates not released: they are computed from the k-anonymized file, "
                             "which this table does not have")
            return []
        cols, yes_only = aggregate_columns(ctx, available=list(kanon.columns))
        a = rc.aggregates
        aggregates = classic_aggregates(mask_no(kanon[cols], yes_only), a.length, threshold=a.threshold,
                                        resolution=a.resolution, columns=cols)
        ctx.results["aggregates"] = aggregates
        ctx.results["aggregate_columns"] = cols
        names = [f"data/{ctx.name}_kanon.csv", f"data/{ctx.name}_kanon.parquet"]
        guarantee = Guarantee("threshold", {
            "threshold": a.threshold, "resolution": a.resolution,
            "effective_threshold": effective_threshold(a.threshold, a.resolution), "length": a.length,
            "computed_from": names,
        })
        title = f"{ctx.std_table.title}: threshold aggregate counts"
        return [Output(p, "aggregates", guarantee, ctx.name, title)
                for p in write_frame(folder, ctx.name, "aggregates", aggregates)]
