"""How many articles the inputs hold, counted before a run so a progress bar has a total.

Files are cheap to list: a text file is one article. A JSON lines file is one
article a line, and its lines are counted by reading its bytes, up to a budget:
beyond it, the count is estimated from the bytes per line read so far (for a
``.gz``, per compressed byte). Only regular files are opened; anything else is
left to the reader, which reports it. The count is an estimate: blank lines and
bad records count, and a file that changes meanwhile is counted as it was.
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from .reader import STDIN, ReadOptions, is_jsonl, walk

FILE_BUDGET = 32 << 20  # bytes read from one JSON lines file before its count is estimated
TOTAL_BUDGET = 256 << 20  # bytes read in all, after which every count is estimated
SAMPLE = 1 << 20  # bytes read from a file whose kind has no count yet, past the budget
_BLOCK = 1 << 20
_DEFAULT_LINE = 2000  # bytes per line assumed before any line was read


@dataclass
class _Rate:
    """Lines seen per byte read, for plain and for compressed files."""

    lines: int = 0
    bytes: int = 0

    def estimate(self, size: int) -> int:
        if self.lines == 0 or self.bytes == 0:
            return max(1, size // _DEFAULT_LINE)
        return max(1, round(size * self.lines / self.bytes))


def count_articles(paths: Iterable[str], options: ReadOptions | None = None) -> int | None:
    """The number of articles under ``paths`` (exact for text files, counted or
    estimated for JSON lines), or ``None`` when it cannot be known (stdin).

    Example:
        >>> count_articles(["fixtures/repeated-intro.txt", "fixtures/corpus.jsonl"])
        6
    """
    options = options or ReadOptions()
    files: list[str] = []
    seen: set[str] = set()
    for path in paths:
        if path == STDIN:
            return None
        found = [f for f in walk(path, options) if isinstance(f, str)] if os.path.isdir(path) else [path]
        for name in found:
            key = os.path.realpath(name)
            if key not in seen:
                seen.add(key)
                files.append(name)
    budget = TOTAL_BUDGET
    plain, packed = _Rate(), _Rate()
    total = 0
    for name in files:
        try:
            info = os.stat(name)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if not is_jsonl(name):
            total += 1
            continue
        rate = packed if name.lower().endswith(".gz") else plain
        if budget <= 0 and rate.bytes:
            total += rate.estimate(info.st_size)
            continue
        # Past the budget, a first file of its kind is sampled to learn its bytes per line.
        lines, read = _count_lines(name, info.st_size, min(FILE_BUDGET, budget) if budget > 0 else SAMPLE)
        budget -= read
        rate.lines += lines
        rate.bytes += info.st_size
        total += lines
    return total


def _count_lines(path: str, size: int, budget: int) -> tuple[int, int]:
    """``(lines, bytes read)`` of one JSON lines file, estimated past ``budget`` bytes
    (decompressed bytes for a ``.gz``, whose estimate goes by the compressed bytes fed)."""
    lines = read = fed = 0
    last = b"\n"
    unzip = zlib.decompressobj(wbits=31) if path.lower().endswith(".gz") else None
    try:
        with open(path, "rb") as raw:
            while read < budget:
                block = raw.read(_BLOCK if unzip is not None else min(_BLOCK, budget - read))
                if not block:
                    return lines + (last != b"\n"), read
                fed += len(block)
                while unzip is not None and block and read < budget:
                    data = unzip.decompress(block, _BLOCK)
                    block = unzip.unconsumed_tail
                    if unzip.eof:  # another member may follow
                        block, unzip = unzip.unused_data + block, zlib.decompressobj(wbits=31)
                    lines, read, last = _tally(data, lines, read, last)
                if unzip is None:
                    lines, read, last = _tally(block, lines, read, last)
                else:
                    fed -= len(block)  # compressed bytes not decompressed yet
    except (OSError, zlib.error):
        return max(lines, 1), read
    if lines == 0:
        return max(1, size // _DEFAULT_LINE), read
    return max(lines, round(lines * size / fed)), read


def _tally(data: bytes, lines: int, read: int, last: bytes) -> tuple[int, int, bytes]:
    return lines + data.count(b"\n"), read + len(data), data[-1:] or last
