"""A persistent MinHash index: SQLite by default, Redis for a shared index.

Example:
    >>> from dedup import MinHashIndex
    >>> with MinHashIndex(".dedup/index.sqlite") as index:  # doctest: +SKIP
    ...     index.add("a1", text)
    ...     matches = index.query(other_text)
"""

from __future__ import annotations

from .core import DEFAULT_LOCATION, InsertionSession, MinHashIndex, open_store
from .model import (
    DamagedIndexError,
    DuplicateKeyError,
    IncompatibleSettingsError,
    IndexBusyError,
    IndexStoreError,
    IndexVersionError,
    Match,
    MissingIndexError,
    NotAnIndexError,
    Stats,
)

__all__ = [
    "DEFAULT_LOCATION",
    "DamagedIndexError",
    "DuplicateKeyError",
    "IncompatibleSettingsError",
    "IndexBusyError",
    "IndexStoreError",
    "IndexVersionError",
    "InsertionSession",
    "Match",
    "MinHashIndex",
    "MissingIndexError",
    "NotAnIndexError",
    "Stats",
    "open_store",
]
