"""Every write for privacy (one transaction each)."""
