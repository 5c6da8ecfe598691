"""What a storage back-end provides to :class:`~dedup.index.MinHashIndex`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np

from .model import Batch, Stored

# Band keys of shingle sets, computed by the index (a back-end never hashes).
Rekey = Callable[[list[np.ndarray]], np.ndarray]


class Store(Protocol):
    location: str
    backend: str

    def read_meta(self) -> dict[str, str] | None:
        """The index's metadata, ``None`` when the location is empty (a new index)."""

    def create(self, meta: dict[str, str]) -> dict[str, str]:
        """Create the index unless another process just did; return the stored metadata."""

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        """Atomically drop every entry of ``batch.articles`` and add the batch's entries."""

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        """Remove articles (with their paragraphs) or single paragraphs; the entries removed."""

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        """For each row of band keys, the entries sharing at least one band."""

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes into one transaction where the back-end has them."""

    def contains(self, key: str) -> bool: ...

    def articles(self) -> Iterator[str]: ...

    def count(self) -> tuple[int, int]:
        """``(articles, entries)``."""

    def size_bytes(self) -> int | None: ...

    def close(self) -> None: ...
