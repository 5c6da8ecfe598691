"""Reading articles from files, directories, JSON lines and stdin.

Everything here yields either an :class:`Article` or an :class:`InputError`, so one
bad input never stops the others.
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.jsonl", "*.jsonl.gz", "*.ndjson")
MAX_LINE_CHARS = 4_000_000
_BOM = b"\xef\xbb\xbf"


@dataclass
class Article:
    """One article: its id, its decoded text (line endings kept) and where it came from."""

    id: str
    text: str
    source: str
    line: int | None = None
    date: str | None = None
    bom: bool = False
    markdown: bool = False
    record: dict[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class InputError:
    """A bad input: ``input`` names the file (and ``path:line`` for a record)."""

    input: str
    message: str

    def __str__(self) -> str:
        return f"{self.input}: {self.message}"


@dataclass(frozen=True)
class ReadOptions:
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    text_field: str = "text"
    id_field: str = "id"
    date_field: str = "date"


Item = Article | InputError


def is_jsonl(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


def iter_inputs(paths: Iterable[str], options: ReadOptions = ReadOptions(),
                stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Yield every article (or error) found under ``paths``, in a stable order."""
    for path in paths:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read()
            yield from _from_bytes("-", "-", data, options)
        elif os.path.isdir(path):
            found = False
            for file_path in walk(path, options):
                found = True
                yield from read_path(file_path, options)
            if not found:
                yield InputError(path, "no matching files in directory")
        elif os.path.exists(path):
            yield from read_path(path, options)
        else:
            yield InputError(path, "no such file or directory")


def walk(root: str, options: ReadOptions) -> Iterator[str]:
    """Files under ``root`` matching the include globs and none of the exclude globs."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if _matches(rel, name, options.include) and not _matches(rel, name, options.exclude):
                yield full


def _matches(rel: str, name: str, patterns: Iterable[str]) -> bool:
    rel = rel.replace(os.sep, "/")
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def read_path(path: str, options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    try:
        if is_jsonl(path):
            yield from _read_jsonl_file(path, options)
            return
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield InputError(path, _os_message(exc))
        return
    yield from _from_bytes(path, path, data, options)


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


def _from_bytes(path: str, article_id: str, data: bytes, options: ReadOptions) -> Iterator[Item]:
    if path == "-" and _looks_like_jsonl(data):
        yield from _parse_jsonl("-", io.BytesIO(data), options)
        return
    result = decode_text(path, data)
    if isinstance(result, InputError):
        yield result
        return
    text, bom = result
    yield Article(id=article_id, text=text, source=path, bom=bom,
                  markdown=path.lower().endswith((".md", ".markdown")))


def decode_text(name: str, data: bytes) -> tuple[str, bool] | InputError:
    """Decode one article's bytes, or say why they are not an article."""
    if b"\x00" in data[:8192]:
        return InputError(name, "binary file (contains NUL bytes), not an article")
    bom = data.startswith(_BOM)
    try:
        text = data[len(_BOM):].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return InputError(f"{name}:{line}", f"invalid UTF-8 at byte {exc.start}")
    if not text.strip():
        return InputError(name, "empty file")
    long_line = _long_line(text)
    if long_line:
        return InputError(f"{name}:{long_line}", f"line longer than {MAX_LINE_CHARS:,} characters")
    return text, bom


def _long_line(text: str) -> int | None:
    if len(text) <= MAX_LINE_CHARS:
        return None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            return number
        start += len(line)
    return None


def _looks_like_jsonl(data: bytes) -> bool:
    lines = [line for line in data.splitlines() if line.strip()]
    return bool(lines) and all(line.lstrip().startswith(b"{") for line in lines)


def _read_jsonl_file(path: str, options: ReadOptions) -> Iterator[Item]:
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from _parse_jsonl(path, handle, options)


def _parse_jsonl(path: str, handle: BinaryIO | Any, options: ReadOptions) -> Iterator[Item]:
    """Yield one article per record; a bad record is an error naming ``path:line``."""
    seen_any = False
    for number, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        seen_any = True
        where = f"{path}:{number}"
        if len(raw) > MAX_LINE_CHARS * 4:
            yield InputError(where, f"line longer than {MAX_LINE_CHARS:,} characters")
            continue
        record = _parse_record(where, raw)
        if isinstance(record, InputError):
            yield record
            continue
        text = record.get(options.text_field)
        if not isinstance(text, str):
            yield InputError(where, f"record has no string field {options.text_field!r}")
            continue
        raw_id = record.get(options.id_field)
        article_id = str(raw_id) if raw_id is not None and raw_id != "" else where
        date = record.get(options.date_field)
        yield Article(id=article_id, text=text, source=path, line=number,
                      date=str(date) if date is not None else None, record=record)
    if not seen_any:
        yield InputError(path, "empty file")


def _parse_record(where: str, raw: bytes) -> dict[str, Any] | InputError:
    if b"\x00" in raw:
        return InputError(where, "binary data (contains NUL bytes), not a JSON record")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return InputError(where, f"invalid UTF-8 at byte {exc.start} of the line")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return InputError(where, f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(record, dict):
        return InputError(where, "JSON line is not an object")
    return record
