"""cthub.sample (being built)."""
