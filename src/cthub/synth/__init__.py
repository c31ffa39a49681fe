"""cthub.synth (being built)."""
