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
from collections.abc import Callable, Mapping
from typing import IO, Any, BinaryIO

from ..errors import WriteRefused
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
            unchanged = (expect.same_stat(os.stat(temp))
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
