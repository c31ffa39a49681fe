"""The evaluate stage: utility and privacy of a release's outputs, as `report.html` and `metrics.json`."""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "Membership": "core",
        "TableEvaluation": "core",
        "evaluate": "core",
        "evaluate_table": "core",
        "evaluate_tables": "core",
    },
)
