"""De-identification: k-anonymized microdata with the least information lost.

`anonymize` is the engine behind both `cthub kanon` (any CSV) and the release pipeline's `deid` stage.
"""

from cthub.deid.hierarchy import HierarchyError, HierarchyLike, ValueHierarchy, load_hierarchy_files
from cthub.deid.kanon import KAnonResult, KAnonymityError, anonymize, parse_l_diversity
from cthub.deid.metrics import k_achieved, l_achieved, violations

__all__ = [
    "HierarchyError",
    "HierarchyLike",
    "KAnonResult",
    "KAnonymityError",
    "ValueHierarchy",
    "anonymize",
    "k_achieved",
    "l_achieved",
    "load_hierarchy_files",
    "parse_l_diversity",
    "violations",
]
