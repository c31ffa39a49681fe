"""The public record count of a table, as a DP noisy count (`dp` profile).

Two neighbouring datasets differ in n, so an exact n beside DP outputs would describe nothing: every public
number about how many records there are (release.json, the web's headline, the synthetic file's row count) is this
one noisy count or post-processing of it. With at most c rows per person, one person moves the count by c.
"""

from __future__ import annotations

from pathlib import Path

from cthub.privacy import epsilon_from_rho, noisy_count, rho_from_epsilon
from cthub.release.stages.base import Output, Spend, TableContext


class NoisyCount:
    name = "count"

    def _rho(self, ctx: TableContext) -> tuple[float, float]:
        rc = ctx.config.release
        return rho_from_epsilon(rc.counts.epsilon, rc.budget.delta), rc.budget.delta

    def label(self, ctx: TableContext) -> str:
        return f"{ctx.name}: DP record count (epsilon={ctx.config.release.counts.epsilon:g})"

    def plan(self, ctx: TableContext) -> list[Spend]:
        rho, delta = self._rho(ctx)
        return [Spend(ctx.name, "count:discrete-gaussian", ctx.config.release.counts.epsilon, delta, rho)]

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        rho, delta = self._rho(ctx)
        value, sigma = noisy_count(ctx.records, rho, max_rows_per_person=ctx.max_rows_per_person)
        sensitivity = float(ctx.max_rows_per_person)
        ctx.results["records"] = {
            "value": value, "guarantee": "dp", "epsilon": epsilon_from_rho(rho, delta), "delta": delta, "rho": rho,
            "sigma": sigma, "sensitivity": sensitivity, "unit": "person",
            "note": "noisy count of the table's rows (discrete Gaussian), clipped at 0",
        }
        ctx.spends.append(Spend(ctx.name, "count:discrete-gaussian", epsilon_from_rho(rho, delta), delta, rho))
        return []  # the count is published through release.json and privacy.json, not a file of its own
