"""Writing files safely: atomic replacement, and only when the content changes."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any

_BOM = b"\xef\xbb\xbf"


def encode_text(text: str, bom: bool) -> bytes:
    return (_BOM if bom else b"") + text.encode("utf-8")


def atomic_write(path: str, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically; ``False`` (and untouched) when equal.

    The data goes to a temporary file in the same folder, is flushed and fsynced,
    keeps the original's permissions, and is renamed over the original, so a
    reader (or a crash) sees either the whole old file or the whole new one.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
        mode: int | None = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".dedup-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)
    return True


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def jsonl_lines(path: str) -> list[bytes]:
    """The raw lines (with their terminators) of a JSON lines file, gzip or not."""
    if path.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return handle.read().splitlines(keepends=True)
    with open(path, "rb") as handle:
        return handle.read().splitlines(keepends=True)


def rewrite_jsonl(lines: list[bytes], changed: Mapping[int, dict[str, Any] | None]) -> bytes:
    """The file with record ``line`` (1-based) replaced, or dropped when mapped to None.

    Untouched records keep their original bytes.
    """
    out = []
    for number, raw in enumerate(lines, 1):
        if number not in changed:
            out.append(raw)
            continue
        record = changed[number]
        if record is None:
            continue
        ending = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
        out.append(json.dumps(record, ensure_ascii=False).encode("utf-8") + ending)
    return b"".join(out)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
