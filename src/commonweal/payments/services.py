"""Every write for payments (one transaction each)."""
