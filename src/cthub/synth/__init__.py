"""Differentially private synthetic microdata: a common interface (`base`), the encoder that picks each column's
categories (`encoding`, over the model codes of `cthub.tables.categories`), the default marginal/graphical-model
method (`mst`) and the Synthetic Data Showcase method (`aggregate_seeded`)."""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "Model": "base",
        "SynthError": "base",
        "Synthesizer": "base",
        "domain_from_standard": "base",
        "get_synthesizer": "registry",
        "load_model": "registry",
        "methods": "registry",
    },
)
