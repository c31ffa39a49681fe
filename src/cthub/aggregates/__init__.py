"""Protected aggregate tables: counts of every combination of up to L attribute values.

Three flavours, in the Synthetic Data Showcase's format (`selections`, `length`, `count`):
`exact_aggregates` (for evaluation only), `threshold_aggregates` (small counts suppressed, the rest rounded down:
what CTDC publishes) and `dp_aggregates` (differential privacy by the Showcase's DP-marginals algorithm, which
lives in `cthub.privacy.marginals`). The codes they count over are `cthub.tables.codes`.
"""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "dp_aggregates": "dp",
        "AggregatesError": "errors",
        "write_aggregates": "selections",
        "exact_aggregates": "threshold",
        "threshold_aggregates": "threshold",
    },
)
