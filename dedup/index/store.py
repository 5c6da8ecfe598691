"""What a storage back-end provides to :class:`~dedup.index.MinHashIndex`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np

from .model import Batch, Stored

# Band keys of stored entries (from their shingles, or their signature), computed by
# the index: a back-end never hashes.
Rekey = Callable[[Sequence[Stored]], np.ndarray]


class Store(Protocol):
    location: str
    backend: str
    num_perm: int | None  # set by the index once the settings are known: values are checked
    schema_version: int  # what the back-end writes; older indexes are upgraded when opened

    def read_meta(self) -> dict[str, str] | None:
        """The index's metadata (with ``schema_version``), ``None`` when the location is
        empty (a new index)."""

    def create(self, meta: dict[str, str]) -> dict[str, str]:
        """Create the index unless another process just did; return the stored metadata."""

    def upgrade(self, rekey: Rekey) -> None:
        """Bring an index of an older schema to the current one (in place, atomically)."""

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        """Atomically drop every entry of ``batch.articles`` and add the batch's entries."""

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        """Remove articles (with their paragraphs) or single paragraphs; the entries removed."""

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        """For each row of band keys, the entries sharing at least one band."""

    def settle(self) -> None:
        """Wait for writes sent in the background (raising their error); every other
        method waits for them itself."""

    def transaction(self, buffer_size: int | None = None) -> AbstractContextManager[None]:
        """Group writes into one transaction where the back-end has them, buffering up to
        ``buffer_size`` entries' band keys before writing them."""

    def contains(self, key: str) -> bool: ...

    def articles(self) -> Iterator[str]: ...

    def count(self) -> tuple[int, int]:
        """``(articles, entries)``."""

    def size_bytes(self) -> int | None: ...

    def close(self) -> None: ...
