"""Data rights: download, corrections, consent and retention: data and simple invariants."""
