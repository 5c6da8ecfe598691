"""Reading articles from files, directories, JSON lines and stdin.

Everything here yields either an :class:`Article` or an :class:`InputError`, so one
bad input never stops the others. Each bad input gives one error naming the file
(``path:LINE`` for a JSON lines record). Text is decoded as UTF-8 (or the encoding
asked for) without touching line endings, and a leading BOM is remembered in
:attr:`Article.bom`, so the bytes of whatever is kept can be written back exactly.

Only regular files are read (a FIFO or a device named as a path would block or
never end), and no input is read beyond ``ReadOptions.max_input_size`` bytes,
counted after decompression. What was read from each file (its identity and a
digest of its bytes) can be collected in :class:`Source` records, so that a writer
can tell whether the file changed since.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import IO, Any, BinaryIO

from ..config import format_size as format_size  # re-exported: sizes as settings spell them
from ..config import parse_size as parse_size
from ..document import Article as Article  # re-exported: what the reader yields
from ..errors import InputError as InputError
from ..errors import UsageError

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
MARKDOWN_SUFFIXES = (".md", ".markdown")
DEFAULT_INCLUDE = ("*.txt", "*.md", "*.markdown", "*.jsonl", "*.jsonl.gz", "*.ndjson",
                   "*.ndjson.gz")
# A line longer than this is not prose: minified data, a base64 blob, a broken export.
MAX_LINE_CHARS = 4_000_000
# After this many bad records in one JSON lines file, the rest are counted, not listed.
MAX_RECORD_ERRORS = 20
# What one decompressed input, text file or stdin may amount to: a gzip bomb or an
# endless stream stops here (a plain JSON lines file is bounded by its own size). A JSON lines record counts as at least RECORD_COST bytes, since memory goes
# with the number of records more than with their size.
DEFAULT_MAX_INPUT_SIZE = 128 * 2**20
RECORD_COST = 2048
AUTO = "auto"
STDIN = "-"
_BOM = codecs.BOM_UTF8
# UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_WIDE = ("utf-16", "utf-32")
_SNIFF = 8192
_CHUNK = 1 << 16


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
    # Text and Markdown files: a codec name, or "auto" to detect it (JSON lines are UTF-8).
    encoding: str = "utf-8"
    max_input_size: int = DEFAULT_MAX_INPUT_SIZE

    def __post_init__(self) -> None:
        if self.encoding != AUTO:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise UsageError(f"unknown encoding {self.encoding!r} (a Python codec name "
                                 "such as latin-1 or cp1252, or auto)") from None
        if self.max_input_size < 1:
            raise UsageError("max_input_size must be at least 1 byte")


@dataclass(frozen=True)
class Source:
    """One regular file as it was read: its identity when opened and the SHA-256 of
    every byte read from it (``complete`` once the whole file was read)."""

    path: str
    size: int
    mtime_ns: int
    ino: int
    dev: int
    digest: str = ""
    complete: bool = False

    def same_stat(self, st: os.stat_result) -> bool:
        return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev) == (
            self.size, self.mtime_ns, self.ino, self.dev)

    @classmethod
    def of(cls, path: str, st: os.stat_result) -> Source:
        return cls(path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


Sources = dict[str, Source]


Item = Article | InputError


def is_jsonl(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


def is_markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def display_name(name: str) -> str:
    """``name`` as it can be printed: bytes of a file name that are not UTF-8 (kept by
    Python as surrogate escapes) shown as ``\\xNN``.

    Example:
        >>> display_name(b"caf\\xe9.txt".decode("utf-8", "surrogateescape"))
        'caf\\\\xe9.txt'
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape") if _escapable(name) else None
        if raw is None:
            return name.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        return raw.decode("utf-8", "backslashreplace")


def _escapable(name: str) -> bool:
    try:
        name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


def iter_inputs(paths: Iterable[str], options: ReadOptions = ReadOptions(),
                stdin: BinaryIO | None = None, sources: Sources | None = None) -> Iterator[Item]:
    """Yield every article (or error) found under ``paths``, in a stable order.

    Files are read once even when named twice (directly or through a directory).
    With ``sources``, what was read from each file is recorded there by path.

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
                    yield from read_path(item, options, sources)
            if not found:
                globs = ", ".join(options.include)
                yield InputError(display_name(path),
                                 f"no matching files in directory (include: {globs})")
        elif os.path.lexists(path) and not os.path.exists(path):
            yield InputError(display_name(path), "broken symbolic link")
        elif os.path.exists(path):
            if first_time(path):
                yield from read_path(path, options, sources)
        else:
            yield InputError(display_name(path), "no such file or directory")


def walk(root: str, options: ReadOptions) -> Iterator[str | InputError]:
    """Files under ``root`` matching an include glob and no exclude glob, sorted.

    Hidden folders are skipped, and so are folders matching an exclude glob. A
    folder that cannot be listed is reported as an :class:`InputError`.
    """
    problems: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=problems.append):
        while problems:
            exc = problems.pop(0)
            yield InputError(display_name(str(exc.filename or dirpath)), _os_message(exc))
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
        yield InputError(display_name(str(exc.filename or root)), _os_message(exc))


def _matches(rel: str, name: str, patterns: Iterable[str]) -> bool:
    rel = rel.replace(os.sep, "/")
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def read_path(path: str, options: ReadOptions = ReadOptions(),
              sources: Sources | None = None) -> Iterator[Item]:
    """Articles of one file: one for ``.txt``/``.md``, one per record for JSON lines."""
    if is_jsonl(path):
        yield from _read_jsonl_file(path, options, sources)
        return
    name = display_name(path)
    opened = _open_regular(path)
    if isinstance(opened, InputError):
        yield opened
        return
    handle, st = opened
    limit = options.max_input_size
    try:
        with handle:
            if st.st_size > limit:
                yield _too_large(name, limit)
                return
            data = handle.read(limit + 1)
    except OSError as exc:
        yield InputError(name, _os_message(exc))
        return
    if len(data) > limit:  # it grew while being read
        yield _too_large(name, limit)
        return
    if sources is not None:
        sources[path] = replace(Source.of(path, st), digest=hashlib.sha256(data).hexdigest(),
                                complete=True)
    yield from _from_bytes(path, data, options, markdown=is_markdown(path))


def read_stdin(stream: BinaryIO | IO[bytes], options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    """Standard input: JSON lines when every line is an object, else one article."""
    limit = options.max_input_size
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        yield InputError(STDIN, _os_message(exc))
        return
    if len(data) > limit:
        yield _too_large(STDIN, limit)
        return
    if _looks_like_jsonl(data):
        yield from _parse_jsonl(STDIN, io.BytesIO(data), options)
        return
    yield from _from_bytes(STDIN, data, options, markdown=False)


def _too_large(name: str, limit: int) -> InputError:
    return InputError(name, f"more than {format_size(limit)} (the --max-input-size limit); "
                      "not read")


def _open_regular(path: str) -> tuple[io.BufferedReader, os.stat_result] | InputError:
    """A buffered handle on ``path`` when it is a regular file, else the reason why not.

    Opened without blocking, so that a FIFO without a writer is refused at once.
    """
    name = display_name(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return InputError(name, _os_message(exc))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return InputError(name, f"not a regular file ({_file_kind(st.st_mode)}); "
                              "only files, folders and - (stdin) are read")
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return io.BufferedReader(_Hashing(fd), _CHUNK), st
    except OSError as exc:
        os.close(fd)
        return InputError(name, _os_message(exc))


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


class _Hashing(io.RawIOBase):
    """A raw file that hashes every byte read through it."""

    def __init__(self, fd: int) -> None:
        self._file = io.FileIO(fd, "rb", closefd=True)
        self.sha256 = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer)
        if n:
            self.sha256.update(memoryview(buffer)[:n])
            self.count += n
        return n or 0

    def close(self) -> None:
        self._file.close()
        super().close()


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _from_bytes(path: str, data: bytes, options: ReadOptions, *, markdown: bool) -> Iterator[Item]:
    name = display_name(path)
    result = decode_article(name, data, options.encoding)
    if isinstance(result, InputError):
        yield result
        return
    yield Article(id=name, text=result.text, source=path, bom=result.bom, markdown=markdown,
                  encoding=result.encoding)


@dataclass(frozen=True)
class Decoded:
    """One article's text, whether it began with a byte-order mark, and its encoding."""

    text: str
    bom: bool
    encoding: str


def decode_text(name: str, data: bytes) -> tuple[str, bool] | InputError:
    """Decode one article's UTF-8 bytes to ``(text, had_bom)``, or say why they are not
    an article (see :func:`decode_article` for other encodings).

    Line endings are kept as they are; only a leading UTF-8 BOM is taken off.

    Example:
        >>> decode_text("a.txt", b"\\xef\\xbb\\xbfOne.\\r\\nTwo.")
        ('One.\\r\\nTwo.', True)
    """
    result = decode_article(name, data)
    return result if isinstance(result, InputError) else (result.text, result.bom)


def bom_bytes(encoding: str) -> bytes:
    """The byte-order mark of ``encoding`` (a codec name as :func:`decode_article` gives)."""
    return next((mark for mark, name in _BOMS if name == encoding), b"")


def decode_article(name: str, data: bytes, encoding: str = "utf-8") -> Decoded | InputError:
    """Decode one article's bytes, or say why they are not an article.

    ``encoding`` is a codec name or ``"auto"`` (detection with charset-normalizer,
    UTF-8 first). A byte-order mark decides, except that UTF-16 and UTF-32 are
    refused under the default UTF-8 with a hint. The text must encode back to the
    same bytes, so that what is kept is written back exactly.

    Example:
        >>> decode_article("a.txt", "Caf\\u00e9.".encode("latin-1"), "latin-1")
        Decoded(text='Café.', bom=False, encoding='iso8859-1')
    """
    marked = next(((mark, enc) for mark, enc in _BOMS if data.startswith(mark)), None)
    if encoding == AUTO:
        detected = _detect(name, data, marked)
        if isinstance(detected, InputError):
            return detected
        codec = detected
    else:
        codec = codecs.lookup(encoding).name
        if marked is not None and marked[1] != "utf-8" and codec == "utf-8":
            family = marked[1][:6].upper()
            return InputError(name, f"{family} text; only UTF-8 is read unless asked: use "
                              f"--encoding {marked[1][:6]} (or --encoding auto)")
        if marked is not None and codec != marked[1]:
            codec = marked[1]  # the mark is proof
        elif codec in _WIDE:
            codec += "-le"  # no mark: little-endian, as most files without one are
    bom = marked is not None and marked[1] == codec
    body = data[len(marked[0]):] if bom and marked is not None else data
    wide = codec.startswith(_WIDE)
    if not wide and b"\x00" in data[:_SNIFF]:
        return InputError(name, "binary file (contains NUL bytes), not an article")
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(data) - len(body))
        line = data.count(b"\n", 0, offset) + 1
        where = name if wide else f"{name}:{line}"
        byte = data[offset:offset + 1].hex()
        if codec == "utf-8":
            return InputError(where, f"invalid UTF-8 at byte {offset} ({byte}); only UTF-8 is "
                              "read unless asked: try --encoding auto (or --encoding cp1252)")
        return InputError(where, f"invalid {codec} at byte {offset} ({byte})")
    if codec != "utf-8" and text.encode(codec) != body:
        return InputError(name, f"{codec} text that would not be written back byte for byte; "
                          "give another --encoding")
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
    return Decoded(text, bom, codec)


def _detect(name: str, data: bytes, marked: tuple[bytes, str] | None) -> str | InputError:
    """The encoding of ``data``: its byte-order mark, UTF-8 when it decodes, else the
    charset-normalizer match that reads most like language (coherence less chaos)."""
    if marked is not None:
        return marked[1]
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:_SNIFF]:
        return InputError(name, "binary file (contains NUL bytes), not an article")
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return InputError(name, "cannot tell the encoding; give it with --encoding NAME")
    best = max(matches, key=lambda m: m.coherence - m.chaos)
    return codecs.lookup(best.encoding).name


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


def _read_jsonl_file(path: str, options: ReadOptions, sources: Sources | None) -> Iterator[Item]:
    """Records of a JSON lines file; a corrupt or unreadable file is one error.

    The file is streamed (a gzip file is decompressed as it is read); its
    :class:`Source` is complete only when every byte was read without an error.
    """
    gz = path.lower().endswith(".gz")
    name = display_name(path)
    opened = _open_regular(path)
    if isinstance(opened, InputError):
        yield opened
        return
    raw, st = opened
    if sources is not None:
        sources[path] = Source.of(path, st)
    # A plain file is bounded by its size on disk: a corpus of a million records is read
    # whole, in memory proportional to it. What a gzip file expands to is not known
    # until it is read: a bomb stops at the limit.
    budget = _Budget(options.max_input_size if gz else sys.maxsize)
    try:
        handle: io.BufferedReader | gzip.GzipFile
        with raw, gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw as handle:
            head = handle.peek(_SNIFF)[:_SNIFF]
            if b"\x00" in head and not head.lstrip().lstrip(_BOM).startswith(b"{"):
                yield InputError(name, "binary data (contains NUL bytes), not JSON lines")
                return
            yield from _parse_jsonl(path, handle, options, budget)
            if budget.exceeded:
                return
            while raw.read(_CHUNK):  # the digest covers every byte, trailing ones too
                pass
            hashing = raw.raw
            assert isinstance(hashing, _Hashing)
            if sources is not None and hashing.count == st.st_size:
                sources[path] = replace(sources[path], digest=hashing.sha256.hexdigest(),
                                        complete=True)
    except (OSError, EOFError, zlib.error) as exc:
        # Raised on opening, or while reading: a truncated or corrupt .gz, an I/O error.
        plain = isinstance(exc, OSError) and exc.strerror
        yield InputError(name, _gzip_message(exc) if gz and not plain else _os_message(exc))


def _gzip_message(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "corrupt gzip file (truncated)"
    return f"corrupt gzip file ({exc})"


class _TooLarge(Exception):
    pass


class _Budget:
    """Bytes one input may still amount to."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.exceeded = False

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            self.exceeded = True
            raise _TooLarge


def _lines(handle: Any, limit: int, budget: _Budget | None = None
           ) -> Iterator[tuple[int, bytes | None]]:
    """``(number, line)`` with memory bounded by ``limit``: an overlong line is
    skipped to its end and reported as ``None``. Every byte read is spent from
    ``budget`` (:class:`_TooLarge` when it runs out)."""
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if budget is not None:
            budget.spend(len(raw))
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(1 << 20)
                if budget is not None:
                    budget.spend(len(raw))
            yield number, None
            continue
        yield number, raw


def _parse_jsonl(path: str, handle: Any, options: ReadOptions,
                 budget: _Budget | None = None) -> Iterator[Item]:
    """Yield one article per record; a bad record is an error naming ``path:line``.

    Reading stops with an error for the whole input once it amounts to more than
    ``options.max_input_size`` (a record counting as at least :data:`RECORD_COST`).
    """
    name = display_name(path)
    seen_any = False
    errors = 0
    hidden = 0
    budget = budget or _Budget(options.max_input_size)
    lines = _lines(handle, MAX_LINE_CHARS * 4, budget)
    while True:
        try:
            number, raw = next(lines)
            if raw is not None and raw.strip():
                budget.spend(max(0, RECORD_COST - len(raw)))
        except StopIteration:
            break
        except _TooLarge:
            yield InputError(name, f"more than {format_size(options.max_input_size)} of records "
                             f"(the --max-input-size limit, a record counting as at least "
                             f"{format_size(RECORD_COST)}); the rest is not read")
            return
        if raw is not None and not raw.strip():
            continue
        seen_any = True
        where = f"{name}:{number}"
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
        yield InputError(name, f"{hidden} more bad records not listed")
    if not seen_any:
        yield InputError(name, "empty file")


def _record_article(path: str, number: int, raw: bytes, options: ReadOptions) -> Item:
    where = f"{display_name(path)}:{number}"
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
    if "\x00" in text:  # as for a file: text with NUL is not an article
        return InputError(where, f'"{options.text_field}" field contains NUL (\\u0000), '
                          "not an article")
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
