"""The store tests borrow the ingest tests' hub (a contributor with a small mapping) to check what ingest stores."""

from __future__ import annotations

from ..ingest.conftest import hub, mapping_file  # noqa: F401 - fixtures
