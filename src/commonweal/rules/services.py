"""Every write for rules (one transaction each)."""
