"""cthub.standard (being built)."""
