"""Access log, holds and who has seen a person's data: data and simple invariants."""
