"""Person index: one record per person across systems."""
