"""A persistent MinHash index: SQLite by default, Redis for a shared index.

Text in, verified matches out is the main path:

    >>> from dedup import MinHashIndex
    >>> with MinHashIndex(".dedup/index.sqlite") as index:  # doctest: +SKIP
    ...     index.add("a1", text)
    ...     matches = index.query(other_text)

A datasketch user keeps their code: ``insert(key, minhash)``, ``query(minhash)``,
``remove(key)``, ``key in index``, ``insertion_session()`` and ``query_topk(minhash,
k)`` (``MinHashLSHForest.query``) take ``datasketch.MinHash`` / ``LeanMinHash`` objects
with the index's ``num_perm`` (128) and seed (1), else
:class:`IncompatibleSettingsError`. Such entries have no shingles: their matches are
estimated from the signatures (``Match.estimated``), and ``query`` returns matches with
their similarity instead of bare keys:

    >>> lsh = MinHashIndex("sketches.sqlite")  # was: MinHashLSH(threshold=0.8, num_perm=128)  # doctest: +SKIP
    >>> with lsh.insertion_session() as session:  # doctest: +SKIP
    ...     for key, minhash in minhashes:
    ...         session.insert(key, minhash)
    >>> [m.key for m in lsh.query(minhash)]  # doctest: +SKIP
    ['doc-7']

The number of bands follows the settings (``threshold``, ``containment``): 42 bands of
3 rows by default, tuned for Jaccard 0.5 so that contained paragraphs are candidates.
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
