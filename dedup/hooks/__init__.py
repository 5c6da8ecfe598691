"""pre-commit hooks: ``dedup-check`` and ``dedup-clean``, each ``main(argv) -> int``."""

from .check import main as check_main
from .clean import main as clean_main

__all__ = ["check_main", "clean_main"]
