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
    "Article": "dedup.io.reader",
    "InputError": "dedup.io.reader",
    "ReadOptions": "dedup.io.reader",
    "iter_inputs": "dedup.io.reader",
    "segment": "dedup.text.segment",
    "Paragraph": "dedup.text.segment",
    "detect_layout": "dedup.text.segment",
    "normalize": "dedup.text.normalize",
    "Shingler": "dedup.sketch.shingle",
    "signature": "dedup.sketch.minhash",
    "signatures": "dedup.sketch.minhash",
    "Finding": "dedup.detect.findings",
    "Ref": "dedup.detect.findings",
    "scan": "dedup.pipeline.scan",
    "scan_paths": "dedup.pipeline.api",
    "ScanResult": "dedup.pipeline.scan",
    "fix_joins": "dedup.text.joins",
    "MinHashIndex": "dedup.index",
    "analyze": "dedup.document",
    "canonicalize": "dedup.clean.engine",
    "Canonical": "dedup.clean.engine",
    "Edit": "dedup.clean.engine",
    "clean_inputs": "dedup.pipeline.clean",
    "to_datasketch": "dedup.sketch.minhash",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    return getattr(import_module(module), name)
