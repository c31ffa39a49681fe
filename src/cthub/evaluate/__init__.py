"""The evaluate stage, in two parts that never mix.

Internal (`evaluate`, `evaluate_table`, `evaluate_tables`): utility and privacy against the raw records, as
`report.html` + `metrics.json` in `<hub>/evaluations/<version>/`, for admins only. Public (`render_public_report`):
the release's protection and data-independent accuracy from public inputs only, in the release folder.
"""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "Membership": "core",
        "TableEvaluation": "core",
        "evaluate": "core",
        "evaluate_table": "core",
        "evaluate_tables": "core",
        "PublicReportError": "public",
        "render_public_report": "public",
    },
)
