"""Every write for rights (one transaction each)."""
