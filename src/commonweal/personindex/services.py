"""Every write for personindex (one transaction each)."""
