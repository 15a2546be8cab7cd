"""Eligibility and entitlement rules, and automation policies: data and simple invariants."""
