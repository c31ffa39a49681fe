"""Which columns each public output covers: from the configuration and the standard, never from the data."""

from __future__ import annotations

import pandas as pd

from cthub.release.stages.base import TableContext


class ColumnsError(ValueError):
    """A configured column the standard table does not have."""


def _check(ctx: TableContext, cols: list[str]) -> list[str]:
    missing = [c for c in cols if c not in ctx.records.columns]
    if missing:
        raise ColumnsError(f"{ctx.name}: configured columns not in the standard table: {', '.join(missing)}")
    return list(cols)


def flag_columns(ctx: TableContext, beyond: list[str]) -> list[str]:
    """Every yes/no flag of the standard table not already in `beyond`."""
    return [v.name for v in ctx.std_table.variables if v.type == "boolean" and v.name not in beyond]


def synth_columns(ctx: TableContext) -> list[str]:
    """The configured columns, else the standard's explore columns plus every yes/no flag.

    The dashboards chart whole flag families (means of control, industries, ...); in the dp profile those charts
    come from the synthesizer (directly or through the aggregates counted from it), so it models every flag.
    """
    configured = (ctx.config.release.synth.columns or {}).get(ctx.name)
    if configured:
        return _check(ctx, configured)
    explore = list(ctx.std_table.explore_columns or ctx.records.columns)
    return _check(ctx, explore + flag_columns(ctx, explore))


def aggregate_columns(ctx: TableContext, available: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(columns, yes-only flags) of the aggregates: configured, else explore columns plus every yes/no flag.

    Flags added for the dashboards count their "yes" only (as the Synthetic Data Showcase treats "0" as absent): the
    charts need "how many had X", and the "0" combinations would multiply the file for nothing. `available` limits
    the default to the columns an upstream output has (e.g. the k-anonymized file's allow-list).
    """
    configured = (ctx.config.release.aggregates.columns or {}).get(ctx.name)
    if configured:
        cols = _check(ctx, configured)
        if available is not None:
            cols = [c for c in cols if c in available]
        return cols, []
    explore = [c for c in (ctx.std_table.explore_columns or ctx.records.columns)]
    cols = explore + flag_columns(ctx, explore)
    if available is not None:
        cols = [c for c in cols if c in available]
    return _check(ctx, cols), [c for c in cols if c not in explore]


def mask_no(frame: pd.DataFrame, yes_only: list[str]) -> pd.DataFrame:
    """Flags in `yes_only` keep their "1" and lose their "0" (counted as absent)."""
    if not yes_only:
        return frame
    out = frame.copy()
    out[yes_only] = out[yes_only].mask(out[yes_only] == "0")
    return out
