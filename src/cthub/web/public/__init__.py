"""Public pages, downloads and the JSON API (no login needed)."""
