"""The LSH tables packed into chunks: pure numpy, no storage.

Each band key keeps its top 32 bits. The top ``PREFIX_BITS`` of those (with the band)
name a *chunk*, the row that holds every entry whose key falls there; the chunk keeps,
per entry, the next 16 bits (``rem``) and the entry id, 6 bytes in all. A query reads
one chunk per band of each of its sets and keeps the records whose ``rem`` matches.

With 16 prefix bits, an index of a million entries has about 16 records per chunk
(100 bytes), so the table costs 42 bands x ~6.5 bytes per entry, against ~30 bytes
for a row per band and entry. Two keys that differ only below the top 32 bits share
a record (odds of one in four billion per lookup): that only adds a candidate, which
verification rejects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

PREFIX_BITS = 16
RECORD = np.dtype([("rem", "<u2"), ("id", "<u4")])
MAX_ENTRY_ID = (1 << 32) - 1


class BadChunk(ValueError):
    """A chunk's bytes are not whole records."""


def key32(keys: np.ndarray) -> np.ndarray:
    """The top 32 bits of 64-bit band keys."""
    return (np.ascontiguousarray(keys, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)


def chunk_ids(keys32: np.ndarray, prefix_bits: int = PREFIX_BITS) -> np.ndarray:
    """The chunk of each key of an ``(n, bands)`` matrix: ``band << prefix_bits | prefix``."""
    n, bands = keys32.shape
    band = np.arange(bands, dtype=np.int64)[None, :] << prefix_bits
    return band | (keys32.astype(np.int64) >> (32 - prefix_bits))


def rems(keys32: np.ndarray, prefix_bits: int = PREFIX_BITS) -> np.ndarray:
    """The 16 bits below the prefix, the part of a key a record keeps."""
    shift = max(0, 16 - prefix_bits)
    return ((keys32 >> np.uint32(shift)) & np.uint32(0xFFFF)).astype(np.uint16)


def decode(data: object) -> np.ndarray:
    """A chunk's records; :class:`BadChunk` when the bytes are not whole records."""
    if not isinstance(data, bytes) or len(data) % RECORD.itemsize:
        raise BadChunk("a chunk that is not whole records")
    return np.frombuffer(data, dtype=RECORD)


def encode(records: np.ndarray) -> bytes:
    return np.ascontiguousarray(records, dtype=RECORD).tobytes()


@dataclass
class Postings:
    """Records to add, grouped later into chunks: entry ids with their band keys."""

    ids: list[np.ndarray] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)  # (n, bands) uint32 each
    count: int = 0

    def add(self, ids: np.ndarray, keys: np.ndarray) -> None:
        """Entry ids (``n``) and their 64-bit band keys (``(n, bands)``)."""
        if len(ids):
            self.ids.append(np.asarray(ids, dtype=np.uint32))
            self.keys.append(key32(keys))
            self.count += len(ids)

    def drop(self, dead: set[int]) -> None:
        """Forget buffered records of entries removed before they were written."""
        for i, ids in enumerate(self.ids):
            keep = ~np.isin(ids, np.fromiter(dead, dtype=np.int64, count=len(dead)))
            if not keep.all():
                self.count -= int((~keep).sum())
                self.ids[i], self.keys[i] = ids[keep], self.keys[i][keep]

    def clear(self) -> None:
        self.ids, self.keys, self.count = [], [], 0

    def __len__(self) -> int:
        return self.count

    def chunks(self, prefix_bits: int = PREFIX_BITS) -> Iterator[tuple[int, bytes]]:
        """``(chunk id, records)`` in chunk order, band after band (bounded memory:
        one band's records at a time)."""
        if not self.count:
            return
        ids = np.concatenate(self.ids)
        bands = self.keys[0].shape[1]
        for band in range(bands):
            column = np.concatenate([k[:, band] for k in self.keys])
            yield from group(band, column, ids, prefix_bits)


def group(band: int, keys32: np.ndarray, ids: np.ndarray,
          prefix_bits: int = PREFIX_BITS) -> Iterator[tuple[int, bytes]]:
    """The records of one band, grouped by chunk, in chunk order."""
    prefix = (keys32 >> np.uint32(32 - prefix_bits)).astype(np.int64)
    order = np.argsort(prefix, kind="stable")
    prefix = prefix[order]
    records = np.empty(len(order), dtype=RECORD)
    records["rem"] = rems(keys32[order], prefix_bits)
    records["id"] = ids[order]
    data = records.tobytes()
    starts = np.flatnonzero(np.r_[True, prefix[1:] != prefix[:-1]])
    ends = np.r_[starts[1:], len(prefix)]
    base = band << prefix_bits
    size = RECORD.itemsize
    for start, end, p in zip(starts.tolist(), ends.tolist(), prefix[starts].tolist()):
        yield base | p, data[start * size: end * size]


def removals(ids: np.ndarray, keys: np.ndarray,
             prefix_bits: int = PREFIX_BITS) -> dict[int, set[int]]:
    """For entries to remove, the chunks that hold them: chunk id -> entry ids."""
    out: dict[int, set[int]] = {}
    if not len(ids):
        return out
    chunks = chunk_ids(key32(keys), prefix_bits)
    for entry, row in zip(np.asarray(ids).tolist(), chunks.tolist()):
        for chunk in row:
            out.setdefault(chunk, set()).add(entry)
    return out


def without(data: bytes, dead: set[int]) -> bytes:
    """A chunk without the records of ``dead`` entries."""
    records = decode(data)
    keep = ~np.isin(records["id"], np.fromiter(dead, dtype=np.int64, count=len(dead)))
    return data if keep.all() else encode(records[keep])


def probe(keys: np.ndarray, found: Sequence[tuple[int, bytes]],
          prefix_bits: int = PREFIX_BITS) -> tuple[np.ndarray, np.ndarray]:
    """The records matching each key: ``(query row, entry id)`` pairs, unique.

    Args:
        keys: ``(n, bands)`` 64-bit band keys of the query sets.
        found: the chunks read for them, ``(chunk id, records)``.
    """
    n = keys.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    if not found or n == 0:
        return empty, empty
    order = sorted(range(len(found)), key=lambda i: found[i][0])
    chunk = np.array([found[i][0] for i in order], dtype=np.int64)
    parts = [decode(found[i][1]) for i in order]
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    records = np.concatenate(parts)
    # Sort the records by (chunk position, rem): each lookup is then a range.
    position = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
    combined = (position << 16) | records["rem"].astype(np.int64)
    by = np.argsort(combined, kind="stable")
    combined, entry = combined[by], records["id"][by].astype(np.int64)

    k32 = key32(keys)
    wanted = chunk_ids(k32, prefix_bits).ravel()
    at = np.minimum(np.searchsorted(chunk, wanted), len(chunk) - 1)
    present = chunk[at] == wanted
    target = (at << 16) | rems(k32, prefix_bits).astype(np.int64).ravel()
    lo = np.searchsorted(combined, target, "left")
    hi = np.where(present, np.searchsorted(combined, target, "right"), lo)
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return empty, empty
    query = np.repeat(np.repeat(np.arange(n, dtype=np.int64), keys.shape[1]), counts)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    ids = entry[np.repeat(lo, counts) + offsets]
    pairs = np.unique((query << 32) | ids)
    return pairs >> 32, pairs & MAX_ENTRY_ID
