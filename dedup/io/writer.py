"""Writing files safely: atomic replacement, only when the content changes, and never
over a file that changed since it was read.

A file is replaced by writing a temporary file beside it (``.dedup-PID-XXXXXXXX.tmp``),
fsyncing it and renaming it over the original, so a reader or a crash sees either the
whole old file or the whole new one. The new file keeps the old one's mode, owner and
group; a symbolic link is written through (the link stays, its target is replaced);
a new file gets the mode the umask gives. Temporary files left by a killed run are
removed by a later run that writes in the same folder.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, BinaryIO

from ..errors import WriteRefused

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
from .reader import Source, bom_bytes

_CHUNK = 1 << 16
# A temporary file of ours is stale when older than this, or when the process that
# made it is gone and it has not been written to for STALE_ORPHAN seconds.
STALE_AFTER = 3600.0
STALE_ORPHAN = 60.0
_TEMP = re.compile(r"\.dedup-(?:(\d+)-)?[A-Za-z0-9_]{6,}\.tmp\Z")
_swept: set[str] = set()

Payload = bytes | Callable[[IO[bytes]], None]


def encode_text(text: str, bom: bool, encoding: str = "utf-8") -> bytes:
    """The bytes of an article's text in its encoding, with its byte-order mark if it had one."""
    return (bom_bytes(encoding) if bom else b"") + text.encode(encoding)


def atomic_write(path: str, data: Payload, *, expect: Source | None = None,
                 compress: bool = False) -> bool:
    """Replace ``path`` with ``data`` atomically; ``False`` (and untouched) when equal.

    ``data`` is the new content, or a function writing it to a binary stream (for
    contents too large to hold); ``compress`` gzips it. With ``expect`` (what was read
    from the file), the file is replaced only if it is still that file: same size,
    modification time and inode, and the same bytes; else :class:`WriteRefused`.
    Files that cannot be replaced without harm are refused too: read-only files,
    and files with several hard links (in place only, as renaming would split them).
    """
    real = os.path.realpath(path)
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
        if expect is not None:
            raise WriteRefused("removed since it was read; not written") from None
    if st is not None:
        _check_replaceable(real, st, expect)
    folder = os.path.dirname(real)
    os.makedirs(folder, exist_ok=True)
    remove_stale_temps(folder)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".dedup-{os.getpid()}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_payload(handle, data, compress)
            handle.flush()
            os.fsync(handle.fileno())
        if st is not None and st.st_size == os.path.getsize(temp) and _same_content(temp, real):
            os.unlink(temp)
            return False
        if st is not None:
            _keep_owner_and_mode(temp, st)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        if expect is None:
            os.replace(temp, real)
        else:
            _replace_if_unchanged(temp, real, expect)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)
    return True


def _write_payload(handle: BinaryIO, data: Payload, compress: bool) -> None:
    if compress:
        # No name and no time in the header: the same content gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0) as packed:
            _write_payload(packed, data, False)  # type: ignore[arg-type]
        return
    if isinstance(data, bytes):
        handle.write(data)
    else:
        data(handle)


def _check_replaceable(real: str, st: os.stat_result, expect: Source | None) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused("not a regular file; not written")
    if not st.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise WriteRefused("read-only file; left as it is (make it writable to clean it)")
    if expect is None:
        return
    if st.st_nlink > 1:
        raise WriteRefused(f"has {st.st_nlink} hard links and replacing it would split "
                           "them; left as it is")
    if not expect.complete or not expect.same_stat(st):
        raise WriteRefused(CHANGED)


def _replace_if_unchanged(temp: str, real: str, expect: Source) -> None:
    """Put ``temp`` at ``real`` if ``real`` is still the file that was read: same
    identity and, where those agree, same bytes (a change within the clock's
    resolution keeps the size and the time).

    Where the system can swap two names atomically, the files are swapped first and
    the one taken out is checked: a file saved over ``real`` at any moment before the
    swap is seen, and swapped back.
    """
    if not expect.same_stat(os.stat(real)):
        raise WriteRefused(CHANGED)
    if _exchange(temp, real):
        try:
            # Saved in place by a writer that opened it before the swap, the old file
            # would take the write after this check, and be deleted with it.
            unchanged = (not _open_elsewhere(temp) and expect.same_stat(os.stat(temp))
                         and file_digest(temp) == expect.digest)
        except OSError:
            unchanged = False
        if not unchanged:
            if not _exchange(temp, real):  # pragma: no cover - it worked a moment ago
                raise OSError(f"could not put back {real}, now at {temp}")
            raise WriteRefused(CHANGED)
        os.unlink(temp)  # the old file, swapped out
        return
    if file_digest(real) != expect.digest:
        raise WriteRefused(CHANGED)
    os.replace(temp, real)


CHANGED = "changed since it was read; left as it is (run again)"
_RENAME_EXCHANGE = 2
_renameat2: Any = None


def _exchange(a: str, b: str) -> bool:
    """Swap the files named ``a`` and ``b`` atomically (Linux ``renameat2``);
    ``False`` where that is not available."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                function = ctypes.CDLL(None, use_errno=True).renameat2
                function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.c_char_p, ctypes.c_uint]
                function.restype = ctypes.c_int
                _renameat2 = function
            except (OSError, AttributeError):
                pass
    if not _renameat2:
        return False
    import ctypes

    at_fdcwd = -100
    if _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False  # not on this system or file system: plain rename instead
    raise OSError(error, os.strerror(error), b)


def _open_elsewhere(path: str) -> bool:
    """Whether a file open for writing holds ``path`` (Linux: a read lease is refused
    while one does; readers do not count); ``False`` where leases are not available
    (then no one can tell)."""
    if fcntl is None or not hasattr(fcntl, "F_SETLEASE"):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as error:
        return error.errno in (errno.EAGAIN, errno.EBUSY)
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _same_content(a: str, b: str) -> bool:
    with open(a, "rb") as x, open(b, "rb") as y:
        while True:
            chunk = x.read(_CHUNK)
            if chunk != y.read(_CHUNK):
                return False
            if not chunk:
                return True


def _keep_owner_and_mode(temp: str, st: os.stat_result) -> None:
    os.chmod(temp, stat.S_IMODE(st.st_mode))
    mine = os.stat(temp)
    if (mine.st_uid, mine.st_gid) == (st.st_uid, st.st_gid):
        return
    with contextlib.suppress(PermissionError):
        os.chown(temp, st.st_uid, st.st_gid)
    mine = os.stat(temp)
    if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
        raise WriteRefused("owned by another user or group, which a new copy would not "
                           "keep; left as it is")
    os.chmod(temp, stat.S_IMODE(st.st_mode))  # chown may clear set-id bits


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temps(folder: str, now: float | None = None) -> list[str]:
    """Remove the temporary files a killed run left in ``folder`` (once per folder and
    process); returns their paths. Only names this module makes are touched, and only
    when stale (see :data:`STALE_AFTER`)."""
    key = os.path.abspath(folder)
    if now is None and key in _swept:
        return []
    _swept.add(key)
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = _TEMP.match(entry.name)
        if not match:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        pid = int(match.group(1)) if match.group(1) else None
        age = now - info.st_mtime
        orphan = pid is not None and pid != os.getpid() and not _alive(pid)
        if age > STALE_AFTER or (orphan and age > STALE_ORPHAN):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
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


# --- JSON lines -------------------------------------------------------------------------

_WS = " \t\n\r"


def value_span(line: str, field: str) -> tuple[int, int] | None:
    """``(start, end)`` of the value of the top-level key ``field`` in the JSON object
    ``line`` (its last occurrence, the one a JSON parser keeps), or ``None``.

    Example:
        >>> line = '{"id": 1, "text": "a \\\\"b\\\\"", "n": 1.10}'
        >>> start, end = value_span(line, "text")
        >>> line[start:end]
        '"a \\\\"b\\\\""'
    """
    decoder = json.JSONDecoder()
    i = _skip(line, 0)
    if line[i:i + 1] != "{":
        return None
    i = _skip(line, i + 1)
    found = None
    if line[i:i + 1] == "}":
        return None
    while True:
        if line[i:i + 1] != '"':
            return None
        key, i = json.decoder.scanstring(line, i + 1)  # type: ignore[attr-defined]
        i = _skip(line, i)
        if line[i:i + 1] != ":":
            return None
        start = _skip(line, i + 1)
        _, end = decoder.raw_decode(line, start)
        if key == field:
            found = (start, end)
        i = _skip(line, end)
        if line[i:i + 1] == ",":
            i = _skip(line, i + 1)
            continue
        return found if line[i:i + 1] == "}" else None


def _skip(line: str, i: int) -> int:
    while i < len(line) and line[i] in _WS:
        i += 1
    return i


def replace_value(raw: bytes, field: str, value: str) -> bytes:
    """The JSON lines record ``raw`` with only the value of ``field`` replaced by the
    string ``value``: every other byte (BOM, spaces, numbers as written, duplicate
    keys, the line ending) stays. Escapes follow the original: ``\\uXXXX`` when the
    old value was written in ASCII although it held other characters.

    Example:
        >>> replace_value(b' {"n": 1e400, "text": "old", "m": 1.10}\\r\\n', "text", "new")
        b' {"n": 1e400, "text": "new", "m": 1.10}\\r\\n'
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    line = raw[3:].decode("utf-8") if bom else raw.decode("utf-8")
    span = value_span(line, field)
    if span is None:
        raise ValueError(f"no {field!r} value in the record")
    start, end = span
    old = line[start:end]
    ascii_escaped = old.isascii() and not json.loads(old).isascii()
    new = json.dumps(value, ensure_ascii=ascii_escaped)
    return (b"\xef\xbb\xbf" if bom else b"") + (line[:start] + new + line[end:]).encode("utf-8")


def iter_lines(handle: Any) -> Iterator[bytes]:
    """The lines of a binary stream as the reader numbers them (split after ``\\n``),
    with memory bounded: an overlong line comes in pieces, the last ending in ``\\n``."""
    while True:
        piece = handle.readline(_CHUNK)
        if not piece:
            return
        yield piece


def rewrite_jsonl(source: IO[bytes], out: IO[bytes], changed: Mapping[int, str | None],
                  field: str) -> None:
    """Copy the JSON lines of ``source`` to ``out``, record by record: line ``n``
    (1-based) mapped to ``None`` is dropped, mapped to a string gets that text as its
    ``field`` value (see :func:`replace_value`); every other line keeps its bytes.
    A changed line that is no longer a record with that field (the file changed since
    it was read) raises :class:`WriteRefused`."""
    number = 0
    partial = False  # inside an overlong line, copied piece by piece
    for piece in iter_lines(source):
        if not partial:
            number += 1
        complete = piece.endswith(b"\n")
        if number in changed:
            if partial or not complete:
                # A changed record was read whole, so it is shorter than the reader's
                # limit: gather it (bounded by that limit).
                pieces = [piece]
                while not pieces[-1].endswith(b"\n"):
                    more = source.readline(_CHUNK)
                    if not more:
                        break
                    pieces.append(more)
                piece, complete = b"".join(pieces), True
            text = changed[number]
            if text is not None:
                try:
                    out.write(replace_value(piece, field, text))
                except ValueError:  # not the record that was read: the file changed
                    raise WriteRefused(CHANGED) from None
            partial = False
            continue
        out.write(piece)
        partial = not complete


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
