"""cthub.evaluate (being built)."""
