"""The LSH tables packed into chunks: pure numpy, no storage.

Each band key keeps its top 32 bits (``key32``). Its top ``bits`` bits (0 to 16, the
index's *prefix bits*) and the band name a *chunk*, the row holding every entry whose
key falls there; the chunk keeps, per entry, the rest of ``key32`` (``rem``) and the
entry id. A query reads one chunk per band of each of its sets, by id, and keeps the
records whose ``rem`` matches.

The prefix bits grow with the index (about 16 records per chunk): a million entries
use all 16, and their records are 6 bytes (a 16-bit ``rem``), so the table costs 42
bands x ~6.5 bytes per entry, against ~30 bytes for a row per band and entry. With 8
to 15 bits a ``rem`` is stored in 24 bits (7-byte records), below 8 in 32 (8 bytes):
prefix and ``rem`` always hold all of ``key32``, so the chunks can be regrouped with
more bits without recomputing any key. (Schema 2 kept 32-bit ``rem`` values below 16
bits: :func:`legacy_record`.) Chunk ids are ``band << 16 | slot``, the slot being the
prefix left-aligned in 16 bits, so a band's chunks keep their id range whatever the
prefix bits.

Two keys that differ only below the top 32 bits share a record (odds of one in four
billion per lookup): that only adds a candidate, which verification rejects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..sketch.sets import unique

MAX_BITS = 16
TARGET = 16  # records per chunk the prefix bits aim at
RECORD16 = np.dtype([("rem", "<u2"), ("id", "<u4")])
RECORD24 = np.dtype([("rem", "<u2"), ("high", "u1"), ("id", "<u4")])  # rem | high << 16
RECORD32 = np.dtype([("rem", "<u4"), ("id", "<u4")])
MAX_ENTRY_ID = (1 << 32) - 1
_SLOT = 0xFFFF


class BadChunk(ValueError):
    """A chunk's bytes are not whole records."""


def prefix_bits_for(entries: int) -> int:
    """The prefix bits for an index of ``entries`` entries: about ``TARGET`` per chunk."""
    if entries <= TARGET:
        return 0
    return min(MAX_BITS, int(np.ceil(np.log2(entries / TARGET))))


def record(bits: int) -> np.dtype:
    """The records of chunks with ``bits`` prefix bits: the narrowest that hold all of
    a ``rem`` (``32 - bits`` bits)."""
    return RECORD16 if bits >= MAX_BITS else RECORD24 if bits >= 8 else RECORD32


def legacy_record(bits: int) -> np.dtype:
    """The records of schema 2 files."""
    return RECORD16 if bits >= MAX_BITS else RECORD32


def rems(records: np.ndarray) -> np.ndarray:
    """The ``rem`` of each record, as uint32."""
    rem: np.ndarray = records["rem"].astype(np.uint32)
    if records.dtype == RECORD24:
        rem |= records["high"].astype(np.uint32) << np.uint32(16)
    return rem


def encode(rem: np.ndarray, ids: np.ndarray, bits: int) -> np.ndarray:
    """Records of ``(rem, entry id)`` pairs for chunks with ``bits`` prefix bits."""
    dtype = record(bits)
    records = np.empty(len(ids), dtype=dtype)
    if dtype == RECORD24:
        records["rem"] = (rem & np.uint32(0xFFFF)).astype(np.uint16)
        records["high"] = (rem >> np.uint32(16)).astype(np.uint8)
    else:
        records["rem"] = rem
    records["id"] = ids
    return records


def key32(keys: np.ndarray) -> np.ndarray:
    """The top 32 bits of 64-bit band keys."""
    top: np.ndarray = (np.ascontiguousarray(keys, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)
    return top


def _slots(keys32: np.ndarray, bits: int) -> np.ndarray:
    mask = _SLOT ^ ((1 << (MAX_BITS - bits)) - 1)
    slots: np.ndarray = (keys32.astype(np.int64) >> 16) & mask
    return slots


def chunk_ids(keys32: np.ndarray, bits: int) -> np.ndarray:
    """The chunk of each key of an ``(n, bands)`` matrix."""
    band = np.arange(keys32.shape[1], dtype=np.int64)[None, :] << 16
    ids: np.ndarray = band | _slots(keys32, bits)
    return ids


def band_range(band: int) -> tuple[int, int]:
    """The chunk ids of a band: ``[low, high)``."""
    return band << 16, (band + 1) << 16


def _rems(keys32: np.ndarray, bits: int) -> np.ndarray:
    out: np.ndarray = (keys32 & np.uint32(0xFFFF)).astype(np.uint16) if bits >= MAX_BITS else \
        (keys32 & np.uint32((1 << (32 - bits)) - 1)).astype(np.uint32)
    return out


def decode(data: object, bits: int, dtype: np.dtype | None = None) -> np.ndarray:
    """A chunk's records; :class:`BadChunk` when the bytes are not whole records.
    ``dtype`` reads records of another layout (schema 2's)."""
    dtype = record(bits) if dtype is None else dtype
    if not isinstance(data, bytes) or len(data) % dtype.itemsize:
        raise BadChunk("a chunk that is not whole records")
    return np.frombuffer(data, dtype=dtype)


def unpack_chunk(chunk: int, data: object, bits: int,
                 dtype: np.dtype | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(key32, entry id)`` of a chunk's records (of layout ``dtype`` when given)."""
    records = decode(data, bits, dtype)
    rem = rems(records)
    if bits >= MAX_BITS:
        keys = np.uint32((chunk & _SLOT) << 16) | rem
    else:
        prefix = (chunk & _SLOT) >> (MAX_BITS - bits)
        keys = np.uint32((prefix << (32 - bits)) & 0xFFFFFFFF) | rem
    return keys.astype(np.uint32), records["id"].astype(np.uint32)


def group(band: int, keys32: np.ndarray, ids: np.ndarray, bits: int) -> Iterator[tuple[int, bytes]]:
    """The records of one band grouped into chunks: ``(chunk id, records)`` in id order."""
    if not len(ids):
        return iter(())
    slots = _slots(keys32, bits).astype(np.uint16)  # 16-bit: numpy sorts it by radix
    order = np.argsort(slots, kind="stable")
    slots = slots[order]
    records = encode(_rems(keys32[order], bits), ids[order], bits)
    data = records.tobytes()
    starts = np.flatnonzero(np.r_[True, slots[1:] != slots[:-1]])
    ends = np.r_[starts[1:], len(slots)]
    size = records.dtype.itemsize
    chunks = ((band << 16) | slots[starts].astype(np.int64)).tolist()
    # Built as lists in one go: a band has up to 65,536 chunks.
    return zip(chunks, [data[start:end] for start, end in
                        zip((starts * size).tolist(), (ends * size).tolist())])


def removals(ids: np.ndarray, keys: np.ndarray, bits: int) -> dict[int, set[int]]:
    """For entries to remove, the chunks that hold them: chunk id -> entry ids."""
    out: dict[int, set[int]] = {}
    if not len(ids):
        return out
    chunks = chunk_ids(key32(keys), bits)
    for entry, row in zip(np.asarray(ids).tolist(), chunks.tolist()):
        for chunk in row:
            out.setdefault(chunk, set()).add(entry)
    return out


def without(data: bytes, dead: set[int], bits: int) -> bytes:
    """A chunk without the records of ``dead`` entries."""
    records = decode(data, bits)
    keep = ~np.isin(records["id"], np.fromiter(dead, dtype=np.int64, count=len(dead)))
    return data if keep.all() else records[keep].tobytes()


def probe(keys: np.ndarray, found: Sequence[tuple[int, bytes]],
          bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The records matching each key: ``(query row, entry id)`` pairs, unique.

    Args:
        keys: ``(n, bands)`` 64-bit band keys of the query sets.
        found: the chunks read for them, ``(chunk id, records)``.
        bits: the index's prefix bits.
    """
    n = keys.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    if not found or n == 0:
        return empty, empty
    rows = sorted(found)
    chunk = np.array([c for c, _ in rows], dtype=np.int64)
    dtype = record(bits)
    blobs = [data for _, data in rows]
    try:
        joined = b"".join(blobs)
    except TypeError:  # text where bytes belong
        raise BadChunk("a chunk that is not whole records") from None
    sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    if (sizes % dtype.itemsize).any() or not all(type(data) is bytes for data in blobs):
        raise BadChunk("a chunk that is not whole records")
    lengths = sizes // dtype.itemsize
    records = np.frombuffer(joined, dtype=dtype)
    # Sort the records by (chunk position, rem): each lookup is then a range.
    position = np.repeat(np.arange(len(blobs), dtype=np.int64), lengths)
    combined = (position << 32) | rems(records).astype(np.int64)
    by = np.argsort(combined, kind="stable")
    combined, entry = combined[by], records["id"][by].astype(np.int64)

    k32 = key32(keys)
    wanted = chunk_ids(k32, bits).ravel()
    at = np.minimum(np.searchsorted(chunk, wanted), len(chunk) - 1)
    present = chunk[at] == wanted
    target = (at << 32) | _rems(k32, bits).astype(np.int64).ravel()
    lo = np.searchsorted(combined, target, "left")
    hi = np.where(present, np.searchsorted(combined, target, "right"), lo)
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return empty, empty
    query = np.repeat(np.repeat(np.arange(n, dtype=np.int64), keys.shape[1]), counts)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    ids = entry[np.repeat(lo, counts) + offsets]
    pairs = unique((query << 32) | ids)
    return pairs >> 32, pairs & MAX_ENTRY_ID
