"""Eligibility and entitlement rules, and automation policies."""
