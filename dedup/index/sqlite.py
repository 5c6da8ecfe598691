"""The embedded back-end: one SQLite file.

Layout: ``articles`` (key), ``entries`` (article, paragraph, shingle set as bytes) and
``bands`` (band, band key, entry) clustered on ``(band, key)``, so a query reads a few
index pages and opening reads only the ``meta`` table, whatever the size. WAL mode,
``BEGIN IMMEDIATE`` write transactions and a busy timeout let several processes add
and query at once. Everything stored is plain data: integers, text and bytes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import numpy as np

from .model import (
    FORMAT,
    SCHEMA_VERSION,
    Batch,
    DamagedIndexError,
    IndexBusyError,
    IndexStoreError,
    IndexVersionError,
    MissingIndexError,
    NotAnIndexError,
    Stored,
    pack,
    split_key,
    unpack,
)
from .store import Rekey

_HEADER = b"SQLite format 3\x00"
_TABLES = ("schema_version", "meta", "articles", "entries", "bands")
_SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE articles (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)",
    "CREATE TABLE entries (id INTEGER PRIMARY KEY, article INTEGER NOT NULL,"
    " paragraph INTEGER, shingles BLOB NOT NULL)",
    "CREATE INDEX entries_article ON entries (article, paragraph)",
    "CREATE TABLE bands (band INTEGER NOT NULL, key INTEGER NOT NULL, entry INTEGER NOT NULL,"
    " PRIMARY KEY (band, key, entry)) WITHOUT ROWID",
)
_T = TypeVar("_T")
MMAP_BYTES = 1 << 31
_CHUNK = 300  # rows per statement: 3 variables each stays under SQLite's oldest limit (999)


class SqliteStore:
    """An index in one SQLite file (created with its folder when missing)."""

    backend = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 busy_timeout: float = 30.0, cache_mb: int = 64) -> None:
        self.path = Path(path)
        self.location = str(path)
        self._check_file(create)
        self._depth = 0
        try:
            self._db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise IndexStoreError(f"{self.location}: cannot open index: {exc}") from None
        with self._guard():
            self._db.execute(f"PRAGMA cache_size = {-1024 * cache_mb}")
            # Reads through a memory map: a lookup in a large file costs no system calls.
            self._db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._db.execute("PRAGMA synchronous = NORMAL")

    def _check_file(self, create: bool) -> None:
        if self.path.is_dir():
            raise NotAnIndexError(f"{self.location}: is a directory, not an index file")
        if not self.path.exists():
            if not create:
                raise MissingIndexError(f"{self.location}: no index here (create one with `dedup index add`)")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(len(_HEADER))
        except OSError as exc:
            raise IndexStoreError(f"{self.location}: cannot read index: {exc.strerror or exc}") from None
        if header and header != _HEADER[: len(header)] or 0 < len(header) < len(_HEADER):
            raise NotAnIndexError(f"{self.location}: not a dedup index (not an SQLite file)")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite errors as index errors naming the file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise IndexBusyError(f"{self.location}: index is busy (locked by another process)") from None
            raise DamagedIndexError(f"{self.location}: damaged index: {text}") from None
        except sqlite3.DatabaseError as exc:
            raise DamagedIndexError(f"{self.location}: damaged index: {exc}") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: the write lock is taken at once, so no deadlock on upgrade.

        Nested uses join the outer transaction (see :meth:`transaction`).
        """
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._depth = 0
                self._db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold one write transaction across several adds and removes."""
        with self._write():
            yield

    # -- metadata -------------------------------------------------------------------

    def _tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}

    def read_meta(self) -> dict[str, str] | None:
        with self._guard():
            tables = self._tables()
            if not tables:
                return None
            if "meta" not in tables or "schema_version" not in tables:
                raise NotAnIndexError(f"{self.location}: not a dedup index (an SQLite file with other tables)")
            row = self._db.execute("SELECT max(version) FROM schema_version").fetchone()
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        if meta.get("format") != FORMAT:
            raise NotAnIndexError(f"{self.location}: not a dedup index (format {meta.get('format')!r})")
        version = row[0] if row else None
        if not isinstance(version, int):
            raise DamagedIndexError(f"{self.location}: damaged index: no schema version")
        if version > SCHEMA_VERSION:
            raise IndexVersionError(f"{self.location}: index schema {version} is newer than this "
                                    f"dedup supports ({SCHEMA_VERSION}); upgrade dedup")
        missing = [t for t in _TABLES if t not in tables]
        if missing:
            raise DamagedIndexError(f"{self.location}: damaged index: missing table {missing[0]}")
        return meta

    def create(self, meta: dict[str, str]) -> dict[str, str]:
        with self._guard():
            self._db.execute("PRAGMA journal_mode = WAL")
        with self._write() as db:
            if not self._tables():
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        found = self.read_meta()
        assert found is not None
        return found

    # -- writes ---------------------------------------------------------------------

    def _drop(self, db: sqlite3.Connection, entry_ids: list[int], rekey: Rekey) -> None:
        """Delete entries and their band rows (band keys recomputed from the stored sets)."""
        rows: list[tuple[int, bytes]] = []
        for chunk in _chunks(entry_ids):
            marks = ",".join("?" * len(chunk))
            rows.extend(db.execute(f"SELECT id, shingles FROM entries WHERE id IN ({marks})", chunk))
        if not rows:
            return
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        keys = rekey([unpack(r[1]) for r in rows])
        db.executemany("DELETE FROM bands WHERE band = ? AND key = ? AND entry = ?",
                       _band_rows(ids, keys))
        db.executemany("DELETE FROM entries WHERE id = ?", [(int(i),) for i in ids])

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        with self._write() as db:
            old: list[int] = []
            for chunk in _chunks(batch.articles):
                marks = ",".join("?" * len(chunk))
                found = db.execute(f"SELECT id FROM articles WHERE key IN ({marks})", chunk).fetchall()
                for (article_id,) in found:
                    old.extend(i for (i,) in db.execute("SELECT id FROM entries WHERE article = ?",
                                                        (article_id,)))
                db.execute(f"DELETE FROM articles WHERE key IN ({marks})", chunk)
            if old:
                self._drop(db, old, rekey)
            # The write lock is held, so the next free ids are ours.
            first_article = db.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]
            first_entry = db.execute("SELECT coalesce(max(id), 0) + 1 FROM entries").fetchone()[0]
            db.executemany("INSERT INTO articles (id, key) VALUES (?, ?)",
                           [(first_article + i, key) for i, key in enumerate(batch.articles)])
            db.executemany(
                "INSERT INTO entries (id, article, paragraph, shingles) VALUES (?, ?, ?, ?)",
                [(first_entry + i, first_article + owner, paragraph, pack(shingles))
                 for i, (owner, paragraph, shingles)
                 in enumerate(zip(batch.owner, batch.paragraph, batch.sets))])
            ids = np.arange(first_entry, first_entry + len(batch), dtype=np.int64)
            db.executemany("INSERT INTO bands (band, key, entry) VALUES (?, ?, ?)",
                           _band_rows(ids, batch.keys))

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        removed = 0
        with self._write() as db:
            for key in keys:
                found = db.execute("SELECT id FROM articles WHERE key = ?", (key,)).fetchone()
                if found is not None:
                    ids = [i for (i,) in db.execute("SELECT id FROM entries WHERE article = ?", found)]
                    db.execute("DELETE FROM articles WHERE id = ?", found)
                else:
                    ids = self._paragraph_ids(db, key)
                self._drop(db, ids, rekey)
                removed += len(ids)
        return removed

    @staticmethod
    def _paragraph_ids(db: sqlite3.Connection, key: str) -> list[int]:
        parts = split_key(key)
        if parts is None:
            return []
        rows = db.execute("SELECT e.id FROM entries e JOIN articles a ON a.id = e.article"
                          " WHERE a.key = ? AND e.paragraph = ?", parts)
        return [i for (i,) in rows]

    # -- reads ----------------------------------------------------------------------

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        rows = keys.shape[0]
        out: list[list[Stored]] = [[] for _ in range(rows)]
        if rows == 0:
            return out
        stored = stored_keys(keys).tolist()
        triples = [(q, band, key) for q, row in enumerate(stored) for band, key in enumerate(row)]
        pairs: set[tuple[int, int]] = set()
        own = not self._db.in_transaction  # else: inside transaction(), see its writes
        with self._guard():
            if own:
                self._db.execute("BEGIN")  # one snapshot for the lookups and the fetch
            try:
                for chunk in _chunks(triples):
                    values = ",".join("(?,?,?)" for _ in chunk)
                    flat = [v for triple in chunk for v in triple]
                    pairs.update(self._db.execute(
                        f"WITH q(qi, band, key) AS (VALUES {values}) SELECT q.qi, b.entry"
                        " FROM q JOIN bands b ON b.band = q.band AND b.key = q.key", flat))
                entries = self._fetch(sorted({entry for _, entry in pairs}))
            finally:
                if own:
                    self._db.execute("COMMIT")
        for qi, entry in sorted(pairs):
            stored = entries.get(entry)
            if stored is not None:
                out[qi].append(stored)
        return out

    def _fetch(self, ids: list[int]) -> dict[int, Stored]:
        found: dict[int, Stored] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for entry, article, paragraph, data in self._db.execute(
                    "SELECT e.id, a.key, e.paragraph, e.shingles FROM entries e"
                    f" JOIN articles a ON a.id = e.article WHERE e.id IN ({marks})", chunk):
                found[entry] = Stored(article, paragraph, unpack(data))
        return found

    def contains(self, key: str) -> bool:
        with self._guard():
            if self._db.execute("SELECT 1 FROM articles WHERE key = ?", (key,)).fetchone():
                return True
            return bool(self._paragraph_ids(self._db, key))

    def articles(self) -> Iterator[str]:
        with self._guard():
            keys = [key for (key,) in self._db.execute("SELECT key FROM articles ORDER BY key")]
        yield from keys

    def count(self) -> tuple[int, int]:
        with self._guard():
            articles = self._db.execute("SELECT count(*) FROM articles").fetchone()[0]
            entries = self._db.execute("SELECT count(*) FROM entries").fetchone()[0]
        return int(articles), int(entries)

    def size_bytes(self) -> int | None:
        total = 0
        for suffix in ("", "-wal"):
            with suppress(OSError):
                total += os.path.getsize(f"{self.path}{suffix}")
        return total

    def close(self) -> None:
        self._db.close()


def _chunks(items: Sequence[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start: start + _CHUNK])


def stored_keys(keys: np.ndarray) -> np.ndarray:
    """Band keys as stored: the top 31 bits, which SQLite keeps in 4 bytes instead of 8.

    Two different buckets then share a row key with odds of one in two billion per
    lookup; that only adds a candidate, which verification rejects.
    """
    rows: np.ndarray = (np.ascontiguousarray(keys, dtype=np.uint64) >> np.uint64(33)).astype(np.int64)
    return rows


def _band_rows(ids: np.ndarray, keys: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """``(band, key, entry)`` rows sorted by band and key, which keeps B-tree inserts local."""
    n, bands = keys.shape if keys.size else (len(ids), 0)
    if n == 0 or bands == 0:
        return iter(())
    band_col = np.tile(np.arange(bands, dtype=np.int64), n)
    key_col = stored_keys(keys).ravel()
    entry_col = np.repeat(ids, bands)
    order = np.argsort((band_col << 31) | key_col, kind="stable")
    return zip(band_col[order].tolist(), key_col[order].tolist(), entry_col[order].tolist())
