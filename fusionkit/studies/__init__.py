"""Per-paper experiment code that the notebooks call (kept here so it is tested and reusable)."""
