"""Payment instructions, batches and reconciliation."""
