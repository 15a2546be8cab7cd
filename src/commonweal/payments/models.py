"""Payment instructions, batches and reconciliation: data and simple invariants."""
