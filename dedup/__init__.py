"""dedup: find near-duplicate text in news articles and write clean, canonical versions.

The public API is imported lazily so that ``import dedup`` (and the command line's
start-up) stays light::

    from dedup import Settings, scan_paths
    result = scan_paths(["articles/"])
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Settings": "dedup.settings",
    "Article": "dedup.reader",
    "InputError": "dedup.reader",
    "ReadOptions": "dedup.reader",
    "iter_inputs": "dedup.reader",
    "segment": "dedup.segment",
    "Paragraph": "dedup.segment",
    "detect_layout": "dedup.segment",
    "normalize": "dedup.normalize",
    "Shingler": "dedup.shingle",
    "signature": "dedup.minhash",
    "signatures": "dedup.minhash",
    "Finding": "dedup.findings",
    "Ref": "dedup.findings",
    "scan": "dedup.scan",
    "scan_paths": "dedup.api",
    "ScanResult": "dedup.scan",
    "fix_joins": "dedup.joins",
    "MinHashIndex": "dedup.index",
    "analyze": "dedup.document",
    "canonicalize": "dedup.clean",
    "Canonical": "dedup.clean",
    "Edit": "dedup.clean",
    "clean_inputs": "dedup.clean_files",
    "to_datasketch": "dedup.minhash",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    return getattr(import_module(module), name)
