"""Differentially private synthetic microdata: a common interface (`base`), shared encoding helpers (`encoding`),
the default marginal/graphical-model method (`mst`) and the Synthetic Data Showcase method (`aggregate_seeded`)."""

from cthub.synth.base import (
    Model,
    SynthError,
    Synthesizer,
    domain_from_standard,
    get_synthesizer,
    load_model,
    methods,
)

__all__ = [
    "Model",
    "SynthError",
    "Synthesizer",
    "domain_from_standard",
    "get_synthesizer",
    "load_model",
    "methods",
]
