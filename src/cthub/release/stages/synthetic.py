"""DP synthetic microdata (`dp` profile): fit a synthesizer on the person-bounded records and sample it."""

from __future__ import annotations

from pathlib import Path

from cthub.release.stages.base import Guarantee, Output, Spend, TableContext, seed_for, write_frame
from cthub.release.stages.columns import synth_columns


class Synthetic:
    name = "synthetic"

    def label(self, ctx: TableContext) -> str:
        s = ctx.config.release.synth
        return f"{ctx.name}: DP synthetic data ({s.method}, epsilon={s.epsilon:g})"

    def plan(self, ctx: TableContext) -> list[Spend]:
        rc = ctx.config.release
        _check_method(rc.synth.method)
        return [Spend.planned(ctx.name, f"synth:{rc.synth.method}", rc.synth.epsilon, rc.synth_delta)]

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        from cthub.synth import domain_from_standard
        from cthub.synth.registry import build, synthetic_rows

        rc = ctx.config.release
        cols = synth_columns(ctx)
        model = build(rc.synth.method).fit(
            ctx.records[cols], epsilon=rc.synth.epsilon, delta=rc.synth_delta,
            domain=domain_from_standard(ctx.std_table, cols, max_year=ctx.reference_year),
            max_rows_per_person=ctx.max_rows_per_person,
        )
        # The row count is public: the configured one, else the table's DP noisy count (never len(records)).
        n_rows = synthetic_rows(model, rc.synth.rows or None, public_count=ctx.results["records"]["value"])
        synthetic = model.sample(max(n_rows, 1), seed=seed_for(ctx.seed, 1))
        ctx.results["model"] = model
        ctx.results["synthetic"] = synthetic
        privacy = dict(model.privacy)
        ctx.mechanisms["synthetic"] = privacy
        spend = Spend.made(ctx.name, f"synth:{rc.synth.method}", privacy, rc.synth_delta)
        ctx.spends.append(spend)
        rho = spend.rho
        guarantee = Guarantee("dp", {
            "mechanism": rc.synth.method, "epsilon": privacy.get("epsilon"), "delta": privacy.get("delta"),
            "rho": rho, "unit": "person", "max_rows_per_person": ctx.max_rows_per_person,
            "rows": "the table's DP record count" if not rc.synth.rows else "configured (synth.rows)",
        })
        title = f"{ctx.std_table.title}: DP synthetic microdata"
        return [Output(p, "synthetic", guarantee, ctx.name, title) for p in write_frame(folder, ctx.name, "synthetic",
                                                                                          synthetic)]


def _check_method(name: str) -> None:
    """`release.synth.method` must name a registered synthesizer; refused at planning, before any budget is spent.
    (cthub.config is below `synth`, so it cannot check the name itself.)"""
    from cthub.config import ConfigError
    from cthub.synth.base import SynthError
    from cthub.synth.registry import method

    try:
        method(name)
    except SynthError as exc:
        raise ConfigError(f"cthub.yaml: release.synth.method: {exc}") from None
