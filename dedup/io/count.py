"""How many articles the inputs hold, counted before a run so a progress bar has a total.

Files are cheap to list: a text file is one article. A JSON lines file is one
article a line, and its lines are counted by reading its bytes, up to a budget:
beyond it, the count is estimated from the bytes per line read so far (for a
``.gz``, per compressed byte). Only regular files are opened; anything else is
left to the reader, which reports it. The count is an estimate: blank lines and
bad records count, and a file that changes meanwhile is counted as it was.
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from .reader import STDIN, ReadOptions, is_jsonl, walk

FILE_BUDGET = 32 << 20  # bytes read from one JSON lines file before its count is estimated
TOTAL_BUDGET = 256 << 20  # bytes read in all, after which every count is estimated
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
        if budget <= 0:
            total += rate.estimate(info.st_size)
            continue
        lines, read = _count_lines(name, info.st_size, min(FILE_BUDGET, budget))
        budget -= read
        rate.lines += lines
        rate.bytes += info.st_size
        total += lines
    return total


def _count_lines(path: str, size: int, budget: int) -> tuple[int, int]:
    """``(lines, bytes read)`` of one JSON lines file, estimated past ``budget`` bytes."""
    gz = path.lower().endswith(".gz")
    lines = read = 0
    last = b"\n"
    try:
        with open(path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if gz else raw
            while read < budget:
                block = stream.read(min(_BLOCK, budget - read))
                if not block:
                    return lines + (last != b"\n"), read
                lines += block.count(b"\n")
                read += len(block)
                last = block[-1:]
            consumed = raw.tell() if gz else read  # compressed bytes behind what was read
    except (OSError, EOFError, zlib.error):
        return max(lines, 1), read
    if consumed <= 0 or lines == 0:
        return max(1, size // _DEFAULT_LINE), read
    return max(lines, round(lines * size / consumed)), read
