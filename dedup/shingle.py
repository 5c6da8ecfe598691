"""Shingles as 32-bit hashes, built from cached token hashes with numpy.

Each distinct token is hashed once (BLAKE2b, cached); an n-gram's hash mixes its
tokens' 64-bit hashes position by position and keeps the top 32 bits. No joined
n-gram strings are ever built, which is what makes signatures fast.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

from .normalize import normalize, words

_MULT = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_EMPTY = np.zeros(0, dtype=np.uint32)


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    return h ^ (h >> _S33)


class Shingler:
    """Turns text into sorted, unique uint32 shingle hashes.

    Args:
        kind: ``"word"`` for word n-grams, ``"char"`` for character n-grams.
        n: the n-gram length.
    """

    def __init__(self, kind: str = "word", n: int = 5) -> None:
        self.kind = kind
        self.n = n
        self._cache: dict[str, int] = {}

    def token_hashes(self, tokens: list[str]) -> np.ndarray:
        cache = self._cache
        missing = [t for t in set(tokens) if t not in cache]
        for token in missing:
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            cache[token] = struct.unpack("<Q", digest)[0]
        if len(cache) > 2_000_000:
            self._cache = {}
        return np.fromiter((cache[t] for t in tokens), dtype=np.uint64, count=len(tokens))

    def units(self, normalized: str) -> np.ndarray:
        """The 64-bit hashes of the units (words or characters) n-grams are made of."""
        if self.kind == "char":
            return np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        return self.token_hashes(words(normalized))

    def from_units(self, units: np.ndarray) -> np.ndarray:
        """Sorted unique shingle hashes of a unit sequence (one shingle if it is shorter than n)."""
        count = len(units)
        if count == 0:
            return _EMPTY
        n = min(self.n, count)
        m = count - n + 1
        h = units[:m] * _MULT
        for j in range(1, n):
            h = (h ^ units[j: j + m]) * _MULT
        h = _fmix64(h ^ np.uint64(n))
        return np.unique((h >> _S32).astype(np.uint32))

    def shingles(self, text: str) -> np.ndarray:
        return self.from_units(self.units(normalize(text)))


def shingle_strings(text: str, kind: str = "word", n: int = 5) -> list[str]:
    """The shingles as strings (for interoperability with other MinHash tools)."""
    normalized = normalize(text)
    units: list[str] = words(normalized) if kind == "word" else list(normalized)
    sep = " " if kind == "word" else ""
    if not units:
        return []
    n = min(n, len(units))
    return [sep.join(units[i: i + n]) for i in range(len(units) - n + 1)]
