"""cthub.aggregates (being built)."""
