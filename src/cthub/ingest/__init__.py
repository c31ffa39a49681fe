"""Ingest: bring each contributor's export into the standard, keeping what is valid and nothing that identifies.

    from cthub.ingest import ingest_file
    result = ingest_file(Store.open(), "hotline", "calls.csv", "builtin:hotline")
    result.cases                         # {"new": ..., "updated": ..., "unchanged": ..., "without_case_id": ...}
    withdraw_case(store, "hotline", "HL-0000042")   # one person out of every table (data-subject request)

Mapping files (`mapping`), value parsers (`parsers`), file readers (`readers`), the column-wise transform
(`transform`), reports (`report`), case keys (`keys`, `cases`) and the import service (`service`) are separate
modules; this package exports the few names callers need.
"""

from cthub._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "AlreadyImported": "errors",
        "EmptyFileError": "errors",
        "FileFormatError": "errors",
        "IngestError": "errors",
        "MappingError": "errors",
        "MissingColumnsError": "errors",
        "Mapping": "mapping",
        "Rule": "mapping",
        "builtin_names": "mapping",
        "load_mapping": "mapping",
        "parse_mapping": "mapping",
        "BatchResult": "service",
        "ingest_file": "service",
        "HubKeyError": "keys",
        "case_key": "keys",
        "create_hub_key": "keys",
        "withdraw_case": "cases",
    },
)
