"""Reading articles from files, directories, JSON lines and stdin.

Everything here yields either an :class:`Article` or an :class:`InputError`, so one
bad input never stops the others. Each bad input gives one error naming the file
(``path:LINE`` for a JSON lines record). Text is decoded as UTF-8 without touching
line endings, and a leading BOM is remembered in :attr:`Article.bom`, so the bytes
of whatever is kept can be written back exactly.
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from ..document import Article as Article  # re-exported: what the reader yields
from ..errors import InputError as InputError

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
MARKDOWN_SUFFIXES = (".md", ".markdown")
DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.jsonl", "*.jsonl.gz", "*.ndjson",
                   "*.ndjson.gz")
# A line longer than this is not prose: minified data, a base64 blob, a broken export.
MAX_LINE_CHARS = 4_000_000
# After this many bad records in one JSON lines file, the rest are counted, not listed.
MAX_RECORD_ERRORS = 20
STDIN = "-"
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SNIFF = 8192


# A record's language (ISO 639), as news feeds and datasets name it.
LANGUAGE_FIELD = "language"


@dataclass(frozen=True)
class ReadOptions:
    """Which files a directory contributes and which JSON fields hold what."""

    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    text_field: str = "text"
    id_field: str = "id"
    date_field: str = "date"


Item = Article | InputError


def is_jsonl(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


def is_markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def iter_inputs(paths: Iterable[str], options: ReadOptions = ReadOptions(),
                stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Yield every article (or error) found under ``paths``, in a stable order.

    Files are read once even when named twice (directly or through a directory).

    Example:
        >>> [a.id for a in iter_inputs(["fixtures/repeated-intro.txt"])]
        ['fixtures/repeated-intro.txt']
    """
    seen: set[str] = set()

    def first_time(path: str) -> bool:
        key = os.path.realpath(path)
        if key in seen:
            return False
        seen.add(key)
        return True

    for path in paths:
        if path == STDIN:
            if first_time(STDIN):
                yield from read_stdin(stdin or sys.stdin.buffer, options)
        elif os.path.isdir(path):
            found = False
            for item in walk(path, options):
                if isinstance(item, InputError):
                    yield item
                    continue
                found = True
                if first_time(item):
                    yield from read_path(item, options)
            if not found:
                globs = ", ".join(options.include)
                yield InputError(path, f"no matching files in directory (include: {globs})")
        elif os.path.lexists(path) and not os.path.exists(path):
            yield InputError(path, "broken symbolic link")
        elif os.path.exists(path):
            if first_time(path):
                yield from read_path(path, options)
        else:
            yield InputError(path, "no such file or directory")


def walk(root: str, options: ReadOptions) -> Iterator[str | InputError]:
    """Files under ``root`` matching an include glob and no exclude glob, sorted.

    Hidden folders are skipped, and so are folders matching an exclude glob. A
    folder that cannot be listed is reported as an :class:`InputError`.
    """
    problems: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=problems.append):
        while problems:
            exc = problems.pop(0)
            yield InputError(str(exc.filename or dirpath), _os_message(exc))
        kept = []
        for name in sorted(dirnames):
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            if not name.startswith(".") and not _matches(rel, name, options.exclude):
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if _matches(rel, name, options.include) and not _matches(rel, name, options.exclude):
                yield full
    for exc in problems:
        yield InputError(str(exc.filename or root), _os_message(exc))


def _matches(rel: str, name: str, patterns: Iterable[str]) -> bool:
    rel = rel.replace(os.sep, "/")
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def read_path(path: str, options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    """Articles of one file: one for ``.txt``/``.md``, one per record for JSON lines."""
    if is_jsonl(path):
        yield from _read_jsonl_file(path, options)
        return
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        yield InputError(path, _os_message(exc))
        return
    yield from _from_bytes(path, data, options, markdown=is_markdown(path))


def read_stdin(stream: BinaryIO | IO[bytes], options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    """Standard input: JSON lines when every line is an object, else one article."""
    try:
        data = stream.read()
    except OSError as exc:
        yield InputError(STDIN, _os_message(exc))
        return
    if _looks_like_jsonl(data):
        yield from _parse_jsonl(STDIN, io.BytesIO(data), options)
        return
    yield from _from_bytes(STDIN, data, options, markdown=False)


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _from_bytes(path: str, data: bytes, options: ReadOptions, *, markdown: bool) -> Iterator[Item]:
    result = decode_text(path, data)
    if isinstance(result, InputError):
        yield result
        return
    text, bom = result
    yield Article(id=path, text=text, source=path, bom=bom, markdown=markdown)


def decode_text(name: str, data: bytes) -> tuple[str, bool] | InputError:
    """Decode one article's bytes to ``(text, had_bom)``, or say why they are not an article.

    Line endings are kept as they are; only a leading UTF-8 BOM is taken off.

    Example:
        >>> decode_text("a.txt", b"\\xef\\xbb\\xbfOne.\\r\\nTwo.")
        ('One.\\r\\nTwo.', True)
    """
    if data.startswith(_UTF16_BOMS):
        return InputError(name, "UTF-16 text; only UTF-8 is read (convert it with iconv)")
    if b"\x00" in data[:_SNIFF]:
        return InputError(name, "binary file (contains NUL bytes), not an article")
    bom = data.startswith(_BOM)
    body = data[len(_BOM):] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(_BOM) if bom else 0)
        line = data[:offset].count(b"\n") + 1
        return InputError(f"{name}:{line}", f"invalid UTF-8 at byte {offset} "
                          f"({data[offset:offset + 1].hex()}); only UTF-8 is read")
    if "\x00" in text:
        return InputError(name, "binary file (contains NUL bytes), not an article")
    if not text:
        return InputError(name, "empty file")
    if not text.strip():
        return InputError(name, "file contains only whitespace")
    long_line = _long_line(text)
    if long_line:
        return InputError(f"{name}:{long_line}",
                          f"line longer than {MAX_LINE_CHARS:,} characters; not an article")
    return text, bom


def _long_line(text: str) -> int | None:
    if len(text) <= MAX_LINE_CHARS:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            return number
    return None


def _looks_like_jsonl(data: bytes) -> bool:
    lines = [line for line in data.splitlines() if line.strip()]
    return bool(lines) and all(
        line.lstrip().lstrip(_BOM).startswith(b"{") for line in lines)


def _read_jsonl_file(path: str, options: ReadOptions) -> Iterator[Item]:
    """Records of a JSON lines file; a corrupt or unreadable file is one error."""
    gz = path.lower().endswith(".gz")
    try:
        with gzip.open(path, "rb") if gz else open(path, "rb") as handle:
            head = handle.peek(_SNIFF)[:_SNIFF]
            if b"\x00" in head and not head.lstrip().lstrip(_BOM).startswith(b"{"):
                yield InputError(path, "binary data (contains NUL bytes), not JSON lines")
                return
            yield from _parse_jsonl(path, handle, options)
    except (OSError, EOFError, zlib.error) as exc:
        # Raised on opening, or while reading: a truncated or corrupt .gz, an I/O error.
        plain = isinstance(exc, OSError) and exc.strerror
        yield InputError(path, _gzip_message(exc) if gz and not plain else _os_message(exc))


def _gzip_message(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "corrupt gzip file (truncated)"
    return f"corrupt gzip file ({exc})"


def _lines(handle: Any, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(number, line)`` with memory bounded by ``limit``: an overlong line is
    skipped to its end and reported as ``None``."""
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(1 << 20)
            yield number, None
            continue
        yield number, raw


def _parse_jsonl(path: str, handle: Any, options: ReadOptions) -> Iterator[Item]:
    """Yield one article per record; a bad record is an error naming ``path:line``."""
    seen_any = False
    errors = 0
    hidden = 0
    for number, raw in _lines(handle, MAX_LINE_CHARS * 4):
        if raw is not None and not raw.strip():
            continue
        seen_any = True
        where = f"{path}:{number}"
        item: Item
        if raw is None:
            item = InputError(where, f"line longer than {MAX_LINE_CHARS:,} characters")
        else:
            item = _record_article(path, number, raw, options)
        if isinstance(item, InputError):
            errors += 1
            if errors > MAX_RECORD_ERRORS:
                hidden += 1
                continue
        yield item
    if hidden:
        yield InputError(path, f"{hidden} more bad records not listed")
    if not seen_any:
        yield InputError(path, "empty file")


def _record_article(path: str, number: int, raw: bytes, options: ReadOptions) -> Item:
    where = f"{path}:{number}"
    record = _parse_record(where, raw)
    if isinstance(record, InputError):
        return record
    if options.text_field not in record:
        return InputError(where, f'missing "{options.text_field}" field')
    text = record[options.text_field]
    if not isinstance(text, str):
        return InputError(where, f'"{options.text_field}" field is '
                          f"{_json_type(text)}, not a string")
    if not text.strip():
        return InputError(where, f'"{options.text_field}" field is empty')
    if not _encodable(text):
        return InputError(where, f'"{options.text_field}" field is not valid Unicode '
                          "(lone surrogate escape)")
    raw_id = record.get(options.id_field)
    article_id = str(raw_id) if raw_id is not None and raw_id != "" else where
    if not _encodable(article_id):
        article_id = where
    date = record.get(options.date_field)
    language = record.get(LANGUAGE_FIELD)
    return Article(id=article_id, text=text, source=path, line=number,
                   date=str(date) if date is not None else None, record=record,
                   language=language if isinstance(language, str) and language.strip() else None)


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
    except RecursionError:
        return InputError(where, "malformed JSON: nested too deeply")
    if not isinstance(record, dict):
        return InputError(where, f"JSON line is {_json_type(record)}, not an object")
    return record


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
