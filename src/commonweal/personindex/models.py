"""Person index: one record per person across systems: data and simple invariants."""
