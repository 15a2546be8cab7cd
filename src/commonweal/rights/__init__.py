"""Data rights: download, corrections, consent and retention."""
