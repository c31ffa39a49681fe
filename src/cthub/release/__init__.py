"""cthub.release (being built)."""
