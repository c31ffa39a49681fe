"""The evaluate stage: utility and privacy of a release's outputs, as `report.html` and `metrics.json`."""

from cthub.evaluate.core import Membership, TableEvaluation, evaluate, evaluate_table, evaluate_tables

__all__ = ["Membership", "TableEvaluation", "evaluate", "evaluate_table", "evaluate_tables"]
