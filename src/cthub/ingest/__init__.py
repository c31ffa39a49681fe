"""cthub.ingest (being built)."""
