"""cthub.web (being built)."""
