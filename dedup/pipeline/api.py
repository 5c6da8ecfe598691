"""Convenience entry points for Python users."""

from __future__ import annotations

from collections.abc import Iterable

from ..io.reader import ReadOptions, iter_inputs
from ..settings import Settings
from .scan import ScanResult, scan


def scan_paths(paths: Iterable[str], settings: Settings | None = None, scope: str = "all",
               options: ReadOptions | None = None, jobs: int = 1) -> ScanResult:
    """Scan files, directories or JSON lines for near-duplicates.

    Example:
        >>> from dedup import scan_paths
        >>> result = scan_paths(["fixtures/repeated-intro.txt"], scope="within")
        >>> [(f.a.paragraph, f.b.paragraph) for f in result.duplicates]
        [(0, 2), (1, 3)]
    """
    return scan(iter_inputs(list(paths), options or ReadOptions()), settings or Settings(),
                scope=scope, jobs=jobs, keep_docs=True)
