"""Orchestration without a terminal: scan and clean over many inputs, in parallel."""
