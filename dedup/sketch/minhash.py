"""MinHash signatures and LSH banding as pure numpy functions.

Signatures use datasketch's default ``affine32`` scheme value for value: each
32-bit input hash is pre-mixed with the MurmurHash3 finalizer, then permuted by
``a * h + b mod 2**32`` with datasketch's own permutation parameters for the same
``num_perm`` and ``seed``. A ``datasketch.MinHash`` or ``LeanMinHash`` made from
our values compares with any other made by datasketch from the same shingle hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .sets import unique

MAX_HASH = np.uint32(0xFFFFFFFF)
_C1 = np.uint32(0x85EBCA6B)
_C2 = np.uint32(0xC2B2AE35)
_CHUNK = 1 << 13


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for ``num_perm`` and ``seed``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, element-wise."""
    h = h ^ (h >> np.uint32(16))
    h = h * _C1
    h = h ^ (h >> np.uint32(13))
    h = h * _C2
    out: np.ndarray = h ^ (h >> np.uint32(16))
    return out


def signature(hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The MinHash signature (``num_perm`` uint32 values) of one set of 32-bit hashes."""
    out: np.ndarray = signatures([hashes], num_perm, seed)[0]
    return out


def signatures(sets: Sequence[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """Signatures of many sets at once, as an ``(len(sets), num_perm)`` uint32 matrix.

    An empty set gets datasketch's empty signature (all ``2**32 - 1``).
    """
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    flat = np.concatenate(sets) if len(sets) else np.zeros(0, dtype=np.uint32)
    return signatures_flat(flat, offsets, num_perm, seed)


def signatures_flat(flat: np.ndarray, offsets: np.ndarray, num_perm: int = 128,
                    seed: int = 1) -> np.ndarray:
    """Signatures of the sets ``flat[offsets[i]:offsets[i + 1]]``.

    Hashes may repeat inside a set (the minimum does not change). All hashes are
    permuted in cache-sized blocks laid out permutation-major, so that
    ``np.minimum.reduceat`` runs along contiguous memory.
    """
    a, b = permutations(num_perm, seed)
    count = len(offsets) - 1
    out = np.full((count, num_perm), MAX_HASH, dtype=np.uint32)
    if count <= 0 or len(flat) == 0:
        return out
    starts = np.asarray(offsets[:-1], dtype=np.int64)
    ends = np.asarray(offsets[1:], dtype=np.int64)
    nonempty = np.flatnonzero(ends > starts)
    starts, ends = starts[nonempty], ends[nonempty]
    mixed = fmix32(np.asarray(flat, dtype=np.uint32))
    a_col, b_col = a[:, None], b[:, None]
    block_size = max(_CHUNK, 1)
    buf = np.empty((num_perm, block_size), dtype=np.uint32)
    first = 0
    while first < len(nonempty):
        # Whole sets per block; a set larger than a block gets a block of its own.
        last = int(np.searchsorted(ends, starts[first] + block_size, side="right"))
        last = max(last, first + 1)
        lo, hi = int(starts[first]), int(ends[last - 1])
        width = hi - lo
        block = buf[:, :width] if width <= block_size else np.empty((num_perm, width), np.uint32)
        np.multiply(a_col, mixed[None, lo:hi], out=block)
        block += b_col
        mins = np.minimum.reduceat(block, starts[first:last] - lo, axis=1)
        # reduceat's segments run to the next start: cut the last one at its end.
        tail_start = int(starts[last - 1]) - lo
        if hi - lo > tail_start:
            mins[:, -1] = block[:, tail_start:width].min(axis=1)
        out[nonempty[first:last]] = mins.T
        first = last
    return out


def sha1_hashes(shingles: Iterable[bytes]) -> np.ndarray:
    """datasketch's default input hash (``sha1_hash32``) of byte-string shingles."""
    from datasketch.hashfunc import sha1_hash32

    return unique(np.fromiter((sha1_hash32(s) for s in shingles), dtype=np.uint32))


def to_datasketch(sig: np.ndarray, seed: int = 1) -> Any:
    """A ``datasketch.LeanMinHash`` holding this signature."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=sig, scheme="affine32")


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that two sets with this Jaccard share at least one band."""
    return float(1.0 - (1.0 - jaccard ** rows) ** bands)


@lru_cache(maxsize=64)
def bands_for_recall(threshold: float, num_perm: int, recall: float = 0.995) -> tuple[int, int]:
    """``(bands, rows)``: the most selective banding that still finds a pair at ``threshold``
    with probability ``recall``. Candidates are verified exactly afterwards, so extra
    candidates cost time, never precision; missed ones cost recall."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            return bands, rows
    return num_perm, 1


_BAND_MULT = np.uint64(0x100000001B3)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band per signature, an ``(n, bands)`` uint64 matrix."""
    n = sigs.shape[0]
    wide = sigs[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    keys = np.empty((n, bands), dtype=np.uint64)
    keys[:] = np.uint64(0xCBF29CE484222325) + np.arange(bands, dtype=np.uint64)
    for row in range(rows):
        keys ^= wide[:, :, row]
        keys *= _BAND_MULT
    return keys
