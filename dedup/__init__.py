"""dedup: find near-duplicate text in news articles and write clean, canonical versions.

The public API is imported lazily so that ``import dedup`` (and the command line's
start-up) stays light::

    from dedup import Settings, scan_paths
    result = scan_paths(["articles/"])
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # the real types for type checkers; nothing is imported at run time
    from .clean.engine import Canonical as Canonical
    from .clean.engine import Edit as Edit
    from .clean.engine import canonicalize as canonicalize
    from .detect.findings import Finding as Finding
    from .detect.findings import Ref as Ref
    from .document import Article as Article
    from .document import analyze as analyze
    from .errors import ConfigError as ConfigError
    from .errors import DedupError as DedupError
    from .errors import InputError as InputError
    from .errors import UsageError as UsageError
    from .index import MinHashIndex as MinHashIndex
    from .io.reader import ReadOptions as ReadOptions
    from .io.reader import iter_inputs as iter_inputs
    from .options import CleanOptions as CleanOptions
    from .pipeline.clean import clean_inputs as clean_inputs
    from .pipeline.scan import ScanResult as ScanResult
    from .pipeline.scan import scan as scan
    from .pipeline.scan import scan_paths as scan_paths
    from .rules import RULES as RULES
    from .rules import Rule as Rule
    from .settings import Settings as Settings
    from .sketch.minhash import signature as signature
    from .sketch.minhash import signatures as signatures
    from .sketch.minhash import to_datasketch as to_datasketch
    from .sketch.shingle import Shingler as Shingler
    from .text.joins import fix_joins as fix_joins
    from .text.normalize import normalize as normalize
    from .text.segment import Paragraph as Paragraph
    from .text.segment import detect_layout as detect_layout
    from .text.segment import segment as segment

_EXPORTS = {
    "Settings": "dedup.settings",
    "Article": "dedup.document",
    "InputError": "dedup.errors",
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
    "scan_paths": "dedup.pipeline.scan",
    "ScanResult": "dedup.pipeline.scan",
    "fix_joins": "dedup.text.joins",
    "MinHashIndex": "dedup.index",
    "analyze": "dedup.document",
    "canonicalize": "dedup.clean.engine",
    "Canonical": "dedup.clean.engine",
    "Edit": "dedup.clean.engine",
    "clean_inputs": "dedup.pipeline.clean",
    "to_datasketch": "dedup.sketch.minhash",
    "CleanOptions": "dedup.options",
    "RULES": "dedup.rules",
    "Rule": "dedup.rules",
    "DedupError": "dedup.errors",
    "ConfigError": "dedup.errors",
    "UsageError": "dedup.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    return getattr(import_module(module), name)
