"""Benchmarks for dedup: ``python -m benchmarks`` runs them all (see run.py)."""
