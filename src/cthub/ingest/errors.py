"""Why an import stopped. Each message names the file or mapping and what to do next; none quotes a record's value."""

from __future__ import annotations


class IngestError(Exception):
    """A file or mapping that cannot be imported at all (rows that are merely bad are reported, not raised)."""


class MappingError(IngestError):
    """A mapping file that is missing, not valid YAML, or does not fit the standard."""


class FileFormatError(IngestError):
    """A file that is not a readable CSV or workbook (or is a disguised archive)."""


class EmptyFileError(IngestError):
    """A file with no data rows."""


class MissingColumnsError(IngestError):
    """The file lacks columns the mapping requires."""


class AlreadyImported(IngestError):
    """The same file (same SHA-256) is already imported for this contributor: nothing to do."""

    def __init__(self, message: str, batch_id: str) -> None:
        super().__init__(message)
        self.batch_id = batch_id
