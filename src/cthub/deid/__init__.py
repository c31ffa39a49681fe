"""De-identification: k-anonymized microdata with the least information lost.

`anonymize` is the engine behind both `cthub kanon` (any CSV) and the release pipeline's `deid` stage.
"""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "HierarchyError": "hierarchy",
        "HierarchyLike": "hierarchy",
        "ValueHierarchy": "hierarchy",
        "load_hierarchy_files": "hierarchy",
        "KAnonResult": "kanon",
        "KAnonymityError": "kanon",
        "anonymize": "kanon",
        "parse_l_diversity": "kanon",
        "suppression_failures": "kanon",
        "k_achieved": "metrics",
        "l_achieved": "metrics",
        "violations": "metrics",
    },
)
