"""Scan and clean reports: rich, JSON and diffs."""
