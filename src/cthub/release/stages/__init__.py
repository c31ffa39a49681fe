"""The release stages, one module each, and which run in each profile (in order: later stages read earlier ones)."""

from __future__ import annotations

from cthub.config import ReleaseConfig
from cthub.release.stages.base import Guarantee, Output, Spend, Stage, TableContext


def stages_for(rc: ReleaseConfig) -> list[Stage]:
    """The table stages of a profile. dp: count, synthetic, aggregates. classic: k-anonymized file, its aggregates."""
    from cthub.release.stages.aggregates_dp import DpAggregates
    from cthub.release.stages.aggregates_model import ModelAggregates
    from cthub.release.stages.aggregates_threshold import ThresholdAggregates
    from cthub.release.stages.count import NoisyCount
    from cthub.release.stages.kanon import KAnonymized
    from cthub.release.stages.synthetic import Synthetic

    if rc.profile == "classic":
        return [KAnonymized(), ThresholdAggregates()]
    aggregates: Stage = DpAggregates() if rc.aggregates_protection == "dp" else ModelAggregates()
    return [NoisyCount(), Synthetic(), aggregates]


__all__ = ["Guarantee", "Output", "Spend", "Stage", "TableContext", "stages_for"]
