"""Shingles as 32-bit hashes, built from token hashes with numpy.

A token's 64-bit hash is a polynomial over its UTF-8 bytes, finished with the
MurmurHash3 64-bit finaliser, computed for all tokens of many texts at once with
numpy (no Python object per token for ASCII text); an n-gram's hash mixes its
tokens' hashes position by position and keeps the top 32 bits. No joined n-gram
strings are ever built, which is what makes signatures fast.

The ``*_many`` methods do the same for many texts at once: the units of all texts
go into one array with per-text offsets, every n-gram of the array is mixed in one
vectorised pass, the n-grams that cross a text boundary are dropped, and all sets
are sorted and made unique by one ``np.unique`` over ``(text, hash)`` keys. Their
results equal the one-text-at-a-time ones, value for value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ..text.normalize import _WORD, normalize, normalize_many, words
from .sets import unique

_MULT = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_EMPTY = np.zeros(0, dtype=np.uint32)
_LOW32 = np.uint64(0xFFFFFFFF)
# For ASCII text, \w is [A-Za-z0-9_]: with every other byte made a space, the runs of
# non-space bytes are exactly the words the regular expression finds.
_ASCII_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_NON_WORD_TO_SPACE = bytes(c if c in _ASCII_WORD else 0x20 for c in range(256))
_SPACE = 0x20
_TOKEN_MULT = 0xA0761D6478BD642F
_LENGTH_MULT = np.uint64(0xE7037ED1A0B428DB)
_powers_cache = np.ones(1, dtype=np.uint64)


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    out: np.ndarray = h ^ (h >> _S33)
    return out


def _powers(count: int) -> np.ndarray:
    """``_TOKEN_MULT ** i mod 2**64`` for ``i < count`` (grown on demand)."""
    global _powers_cache
    if len(_powers_cache) < count:
        size = max(count, 2 * len(_powers_cache))
        powers = np.full(size, _TOKEN_MULT, dtype=np.uint64)
        powers[0] = 1
        _powers_cache = np.cumprod(powers, dtype=np.uint64)  # wraps mod 2**64
    return _powers_cache[:count]


def hash_spans(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit hashes of the byte strings ``buffer[starts[i]:starts[i] + lengths[i]]``.

    The hash of bytes ``c_0 .. c_{L-1}`` is ``fmix64(sum((c_i + 1) * M**i) ^ L * K)``
    modulo ``2**64``: it depends on the bytes only, wherever they sit.
    """
    count = len(starts)
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    sums = np.zeros(count, dtype=np.uint64)
    nonempty = np.flatnonzero(lengths > 0)
    if total:
        # Position of every byte of every span inside its span, then one reduceat.
        firsts = np.cumsum(lengths[nonempty]) - lengths[nonempty]
        positions = np.arange(total, dtype=np.int64) - np.repeat(firsts, lengths[nonempty])
        index = positions + np.repeat(np.asarray(starts, dtype=np.int64)[nonempty], lengths[nonempty])
        values = buffer[index].astype(np.uint64)
        values += np.uint64(1)
        values *= _powers(int(lengths.max()))[positions]
        sums[nonempty] = np.add.reduceat(values, firsts)
    sums ^= lengths.astype(np.uint64) * _LENGTH_MULT
    return _fmix64(sums)


def _word_spans(buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of the runs of non-space bytes."""
    word = buffer != _SPACE
    edges = np.flatnonzero(np.diff(np.concatenate(([False], word, [False])).view(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    return starts, ends - starts


class Shingler:
    """Turns text into sorted, unique uint32 shingle hashes.

    Args:
        kind: ``"word"`` for word n-grams, ``"char"`` for character n-grams.
        n: the n-gram length.
    """

    def __init__(self, kind: str = "word", n: int = 5) -> None:
        self.kind = kind
        self.n = n

    def token_hashes(self, tokens: Sequence[str | bytes]) -> np.ndarray:
        """64-bit hashes of tokens (``str``, or their UTF-8 ``bytes``: same hash)."""
        encoded = [t.encode("utf-8") if isinstance(t, str) else t for t in tokens]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return hash_spans(buffer, np.cumsum(lengths) - lengths, lengths)

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
        return unique(self._mix(units, n, count - n + 1))

    def shingles(self, text: str) -> np.ndarray:
        return self.from_units(self.units(normalize(text)))

    def units_many(self, normalized: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The units of many normalised texts as one array, and ``len + 1`` offsets:
        text ``i``'s units are ``units[offsets[i]:offsets[i + 1]]``."""
        if self.kind == "char":
            lengths = [len(t) for t in normalized]
            flat = np.frombuffer("".join(normalized).encode("utf-32-le"), dtype=np.uint32)
            return flat.astype(np.uint64), _offsets(lengths)
        findall = _WORD.findall
        table = _NON_WORD_TO_SPACE
        # Words become runs of non-space bytes (a UTF-8 word never holds a space byte),
        # texts are joined by a space, and all tokens are hashed in one numpy pass.
        pieces = [t.encode("ascii").translate(table) if t.isascii()
                  else " ".join(findall(t)).encode("utf-8") for t in normalized]
        buffer = np.frombuffer(b" ".join(pieces), dtype=np.uint8)
        starts, sizes = _word_spans(buffer)
        text_starts = _offsets([len(p) + 1 for p in pieces])
        return hash_spans(buffer, starts, sizes), np.searchsorted(starts, text_starts)

    def window_hashes(self, units: np.ndarray) -> np.ndarray:
        """The 32-bit hash of every full n-gram of ``units`` (``len(units) - n + 1`` values,
        boundaries ignored)."""
        m = len(units) - self.n + 1
        if m <= 0:
            return _EMPTY
        return self._mix(units, self.n, m)

    def _mix(self, units: np.ndarray, n: int, m: int) -> np.ndarray:
        h = units[:m] * _MULT
        for j in range(1, n):
            h ^= units[j: j + m]
            h *= _MULT
        h ^= np.uint64(n)
        out: np.ndarray = (_fmix64(h) >> _S32).astype(np.uint32)
        return out

    def sets_many(self, units: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                  windows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Sorted unique shingle hashes of the unit spans ``units[starts[i]:ends[i]]``.

        Returns one flat uint32 array and ``len + 1`` offsets; span ``i`` gets what
        ``from_units(units[starts[i]:ends[i]])`` gives. ``windows`` may pass
        ``window_hashes(units)`` when it is already computed.
        """
        count = len(starts)
        if count == 0:
            return _EMPTY, np.zeros(1, dtype=np.int64)
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        if windows is None:
            windows = self.window_hashes(units)
        sizes = ends - starts
        full = sizes >= self.n
        lengths = np.where(full, sizes - self.n + 1, 0)
        total = int(lengths.sum())
        ids = np.repeat(np.arange(count, dtype=np.uint64), lengths)
        positions = np.arange(total, dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths - starts, lengths)
        keys = (ids << _S32) | windows[positions].astype(np.uint64)
        short = ~full & (sizes > 0)
        if short.any():
            # A span shorter than n is one shingle of all its units.
            extra = [keys]
            for size in unique(sizes[short]).tolist():
                which = np.flatnonzero(short & (sizes == size))
                first = starts[which]
                h = units[first] * _MULT
                for j in range(1, size):
                    h ^= units[first + j]
                    h *= _MULT
                h ^= np.uint64(size)
                extra.append((which.astype(np.uint64) << _S32) | (_fmix64(h) >> _S32))
            keys = np.concatenate(extra)
        keys.sort()
        if len(keys) > 1:
            keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
        counts = np.bincount((keys >> _S32).astype(np.int64), minlength=count)
        return (keys & _LOW32).astype(np.uint32), _offsets(counts)

    def shingles_many(self, texts: Sequence[str]) -> list[np.ndarray]:
        """``[shingles(t) for t in texts]``, computed in one vectorised pass."""
        units, offsets = self.units_many(normalize_many(list(texts)))
        flat, out = self.sets_many(units, offsets[:-1], offsets[1:])
        return split(flat, out)


def _offsets(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def split(flat: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """``flat`` cut at ``offsets`` (``len + 1`` values) into a list of views."""
    bounds = offsets.tolist()
    return [flat[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


@lru_cache(maxsize=8)
def shared_shingler(kind: str = "word", n: int = 5) -> Shingler:
    """One Shingler per setting and process."""
    return Shingler(kind, n)


def shingle_strings(text: str, kind: str = "word", n: int = 5) -> list[str]:
    """The shingles as strings (for interoperability with other MinHash tools)."""
    normalized = normalize(text)
    units: list[str] = words(normalized) if kind == "word" else list(normalized)
    sep = " " if kind == "word" else ""
    if not units:
        return []
    n = min(n, len(units))
    return [sep.join(units[i: i + n]) for i in range(len(units) - n + 1)]
