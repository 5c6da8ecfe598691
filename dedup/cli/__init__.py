"""The ``dedup`` command line: the click group and one module per command."""

from .main import main

__all__ = ["main"]
