"""cthub.deid (being built)."""
