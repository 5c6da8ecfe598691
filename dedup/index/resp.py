"""Redis commands packed in the Redis protocol (RESP), in bulk.

A bulk add sends about 42 band keys per paragraph twice (read, then write). A client
library packs each argument in Python (about a microsecond each, more than the server
spends on it); here the band keys of a whole batch are packed with numpy, 14 bytes
per key, and the commands around them once each.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MULTI = b"*1\r\n$5\r\nMULTI\r\n"
EXEC = b"*1\r\n$4\r\nEXEC\r\n"


def command(*args: Any) -> bytes:
    """One command: bytes as they are, text as UTF-8, numbers in decimal."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def header(name: bytes, key: bytes, count: int, width: int = 1) -> bytes:
    """The start of command ``name key`` followed by ``count`` groups of ``width``
    arguments."""
    return b"*%d\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        2 + count * width, len(name), name, len(key), key)


def band_fields(column: np.ndarray) -> np.ndarray:
    """Band keys as arguments: ``$8``, CRLF, the key's 8 big-endian bytes, CRLF; a row
    of 14 bytes per key."""
    out = np.empty((len(column), 14), dtype=np.uint8)
    out[:, :4] = np.frombuffer(b"$8\r\n", dtype=np.uint8)
    out[:, 4:12] = np.ascontiguousarray(column, dtype=">u8").view(np.uint8).reshape(-1, 8)
    out[:, 12:] = np.frombuffer(b"\r\n", dtype=np.uint8)
    return out


@dataclass
class BucketWrites:
    """The arguments of ``HSET`` of band keys to buckets of one entry each, for rows of
    a batch: every entry's value (its key after its length in 2 bytes, the bucket
    field's format) is packed once, behind 14 bytes left for the band key."""

    template: np.ndarray  # per entry: 14 bytes for the field, then the value argument
    lengths: np.ndarray  # per entry: 14 + the value argument's length
    starts: np.ndarray  # per entry: where its part of the template starts

    @classmethod
    def of(cls, members: list[bytes]) -> BucketWrites:
        values = [b"$%d\r\n%s\r\n" % (2 + len(m), struct.pack(">H", len(m)) + m)
                  for m in members]
        template = np.frombuffer(b"".join(b"\0" * 14 + v for v in values), dtype=np.uint8)
        lengths = np.array([14 + len(v) for v in values], dtype=np.int64)
        return cls(template, lengths, np.cumsum(lengths) - lengths)

    def arguments(self, column: np.ndarray, rows: np.ndarray) -> tuple[bytes, np.ndarray]:
        """The field-value pairs of ``rows`` (band keys ``column[rows]``), and where each
        row's pair starts in them (with their total length last)."""
        sizes = self.lengths[rows]
        bounds = np.concatenate(([0], np.cumsum(sizes)))
        body = self.template[np.repeat(self.starts[rows] - bounds[:-1], sizes)
                             + np.arange(bounds[-1])]
        body[bounds[:-1, None] + np.arange(14)] = band_fields(column[rows])
        return body.tobytes(), bounds


def without(arguments: bytes, bounds: np.ndarray, skipped: np.ndarray) -> bytes:
    """``arguments`` less the pairs numbered ``skipped`` (ascending)."""
    pieces, at = [], 0
    for row in skipped.tolist():
        pieces.append(arguments[at: bounds[row]])
        at = int(bounds[row + 1])
    pieces.append(arguments[at:])
    return b"".join(pieces)
