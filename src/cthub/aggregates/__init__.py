"""Protected aggregate tables: counts of every combination of up to L attribute values.

Three flavours, in the Synthetic Data Showcase's format (`selections`, `length`, `count`):
`exact_aggregates` (for evaluation only), `threshold_aggregates` (small counts suppressed, the rest rounded down:
what CTDC publishes) and `dp_aggregates` (differential privacy by the Showcase's DP-marginals algorithm).
"""

from cthub.aggregates.dp import DpMarginals, DpParameters, dp_aggregates, dp_marginals
from cthub.aggregates.encoding import AggregatesError, Encoded, encode_frame
from cthub.aggregates.selections import write_aggregates
from cthub.aggregates.threshold import exact_aggregates, threshold_aggregates

__all__ = [
    "AggregatesError",
    "DpMarginals",
    "DpParameters",
    "Encoded",
    "dp_aggregates",
    "dp_marginals",
    "encode_frame",
    "exact_aggregates",
    "threshold_aggregates",
    "write_aggregates",
]
