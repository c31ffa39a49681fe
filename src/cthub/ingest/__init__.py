"""Ingest: bring each contributor's export into the standard, keeping what is valid and nothing that identifies.

    from cthub.ingest import ingest_file
    result = ingest_file(Store.open(), "hotline", "calls.csv", "builtin:hotline")

Mapping files (`mapping`), value parsers (`parsers`), file readers (`readers`), the column-wise transform
(`transform`), reports (`report`) and the import service (`service`) are separate modules; this package exports the
few names callers need.
"""

from cthub.ingest.errors import (
    AlreadyImported,
    EmptyFileError,
    FileFormatError,
    IngestError,
    MappingError,
    MissingColumnsError,
)
from cthub.ingest.mapping import Mapping, Rule, builtin_names, load_mapping, parse_mapping
from cthub.ingest.service import BatchResult, ingest_file

__all__ = [
    "AlreadyImported",
    "BatchResult",
    "EmptyFileError",
    "FileFormatError",
    "IngestError",
    "Mapping",
    "MappingError",
    "MissingColumnsError",
    "Rule",
    "builtin_names",
    "ingest_file",
    "load_mapping",
    "parse_mapping",
]
