"""Direct DP aggregates (`dp` profile, `aggregates.protection: dp`): the Showcase's DP marginals, own epsilon."""

from __future__ import annotations

from pathlib import Path

from cthub.release.stages.base import Guarantee, Output, Spend, TableContext, write_frame
from cthub.release.stages.columns import aggregate_columns, mask_no


class DpAggregates:
    name = "aggregates"

    def label(self, ctx: TableContext) -> str:
        a = ctx.config.release.aggregates
        return f"{ctx.name}: DP aggregates (length {a.length}, epsilon={a.epsilon:g})"

    def plan(self, ctx: TableContext) -> list[Spend]:
        rc = ctx.config.release
        return [Spend.planned(ctx.name, "aggregates:dp-marginals", float(rc.aggregates.epsilon or 0),
                              rc.aggregates_delta)]

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        from cthub.aggregates import dp_aggregates
        from cthub.synth import domain_from_standard

        rc = ctx.config.release
        cols, yes_only = aggregate_columns(ctx)
        frame = mask_no(ctx.records[cols], yes_only)
        aggregates, privacy = dp_aggregates(
            frame, rc.aggregates.length, epsilon=float(rc.aggregates.epsilon or 0), delta=rc.aggregates_delta,
            domain=domain_from_standard(ctx.std_table, cols, max_year=ctx.reference_year), columns=cols,
            max_rows_per_person=ctx.max_rows_per_person,
        )
        ctx.results["aggregates"] = aggregates
        ctx.results["aggregate_columns"] = cols
        ctx.mechanisms["aggregates"] = dict(privacy)
        spend = Spend.made(ctx.name, "aggregates:dp-marginals", privacy, rc.aggregates_delta)
        ctx.spends.append(spend)
        rho = spend.rho
        guarantee = Guarantee("dp", {
            "mechanism": "dp-marginals", "epsilon": privacy.get("epsilon"), "delta": privacy.get("delta"), "rho": rho,
            "unit": "person", "max_rows_per_person": ctx.max_rows_per_person, "length": rc.aggregates.length,
        })
        title = f"{ctx.std_table.title}: DP aggregate counts"
        return [Output(p, "aggregates", guarantee, ctx.name, title)
                for p in write_frame(folder, ctx.name, "aggregates", aggregates)]
