"""The embedded back-end: one SQLite file.

Layout (schema 3):

* ``articles`` (id, key) and ``entries`` (id, article, paragraph, shingle set as
  little-endian uint32 bytes, and the signature of an entry inserted as a MinHash);
* ``chunks`` (id, records): the LSH tables packed as :mod:`.postings` describes, one
  row per band and key prefix (``prefix_bits`` in ``meta``, up to 16, grown with the
  index), so an entry costs 42 records of 6 bytes there (7 with 8 to 15 prefix bits,
  8 below) instead of 42 rows. A query reads one chunk per band of each of its sets,
  by rowid.

Writes are buffered per transaction: band keys wait in memory (spilled to a
temporary table past ``buffer_size`` entries) and are written chunk by chunk, in
order, when the transaction commits, which makes a bulk load one sequential pass.
A re-added entry whose shingles did not change keeps its id and its chunk records.
Opening reads only the ``meta`` table. WAL mode, ``BEGIN IMMEDIATE`` write
transactions and a busy timeout let several processes add and query at once; a new
index is made in a temporary file and linked into place, so no process ever sees a
half-made one. Everything stored is plain data: integers, text and bytes.

Older files are upgraded in place when opened: schema 1 (a ``bands`` row per band
and entry) and schema 2 (8-byte records below 16 prefix bits). The SQLite schema is
versioned apart from Redis's (:data:`~dedup.index.model.SCHEMA_VERSION`).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import numpy as np

from ..sketch.sets import unique
from . import postings
from .model import (
    COMPOSED,
    FORMAT,
    BadData,
    Batch,
    DamagedIndexError,
    IndexBusyError,
    IndexStoreError,
    IndexVersionError,
    MissingIndexError,
    NotAnIndexError,
    Stored,
    composed_extras,
    pack,
    pack_many,
    split_key,
    unpack,
    unpack_signature,
)
from .store import Rekey

# 1: a row per band and entry.  2: packed chunks, MinHash entries.  3: 7-byte chunk
# records with 8 to 15 prefix bits (8 bytes in schema 2).
SCHEMA_VERSION = 3
_HEADER = b"SQLite format 3\x00"
_TABLES = {1: ("schema_version", "meta", "articles", "entries", "bands"),
           2: ("schema_version", "meta", "articles", "entries", "chunks"),
           3: ("schema_version", "meta", "articles", "entries", "chunks")}
_SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE articles (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)",
    "CREATE TABLE entries (id INTEGER PRIMARY KEY, article INTEGER NOT NULL,"
    " paragraph INTEGER, shingles BLOB NOT NULL, signature BLOB)",
    "CREATE INDEX entries_article ON entries (article, paragraph)",
    # A rowid table: a lookup by integer key is the cheapest B-tree descent SQLite has.
    "CREATE TABLE chunks (id INTEGER PRIMARY KEY, records BLOB NOT NULL)",
)
# `||` concatenates as text, byte for byte in a UTF-8 database: cast back to a blob.
_UPSERT = ("INSERT INTO chunks (id, records) VALUES (?, ?) ON CONFLICT (id)"
           " DO UPDATE SET records = CAST(records || excluded.records AS BLOB)")
_T = TypeVar("_T")
MMAP_BYTES = 1 << 31
_CHUNK = 900  # values per statement: under SQLite's oldest variable limit (999)
DEFAULT_BUFFER = 100_000  # entries whose band keys wait in memory before a spill


class SqliteStore:
    """An index in one SQLite file (created with its folder when missing)."""

    backend = "sqlite"
    schema_version = SCHEMA_VERSION

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 busy_timeout: float = 30.0, cache_mb: int = 64) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.num_perm: int | None = None
        self._timeout = busy_timeout
        self._cache_mb = cache_mb
        self._depth = 0
        self._db: sqlite3.Connection | None = None
        self._pending = _Pending(DEFAULT_BUFFER)
        if self._check_file(create):
            self._connect()

    # -- the file -------------------------------------------------------------------

    def _check_file(self, create: bool) -> bool:
        """Whether an index file is there; errors for what cannot be one."""
        if self.path.is_dir():
            raise NotAnIndexError(f"{self.location}: is a directory, not an index file")
        if not self.path.exists():
            if not create:
                raise MissingIndexError(f"{self.location}: no index here (create one with `dedup index add`)")
            return False
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(len(_HEADER))
        except OSError as exc:
            raise IndexStoreError(f"{self.location}: cannot read index: {exc.strerror or exc}") from None
        if not header:
            # dedup never leaves an empty file (a new index is linked into place whole).
            raise DamagedIndexError(f"{self.location}: damaged index: empty file "
                                    "(remove it to start a new index)")
        # A few bytes off, or cut inside the magic: an SQLite file that was damaged.
        differ = sum(a != b for a, b in zip(header, _HEADER))
        if differ > 2 or len(header) < 4:
            raise NotAnIndexError(f"{self.location}: not a dedup index (not an SQLite file)")
        if differ or len(header) < len(_HEADER):
            raise DamagedIndexError(f"{self.location}: damaged index: bad SQLite header")
        return True

    def _connect(self) -> None:
        uri = self.path.absolute().as_uri() + "?mode=rw"
        try:
            self._db = sqlite3.connect(uri, uri=True, timeout=self._timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise IndexStoreError(f"{self.location}: cannot open index: {exc}") from None
        with self._guard():
            self._db.execute(f"PRAGMA cache_size = {-1024 * self._cache_mb}")
            # Reads through a memory map: a lookup in a large file costs no system calls.
            self._db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._db.execute("PRAGMA synchronous = NORMAL")

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "the index file is not open"
        return self._db

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite errors and values the index cannot have written as index errors."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise IndexBusyError(f"{self.location}: index is busy (locked by another process)") from None
            if "readonly" in text:
                raise IndexStoreError(f"{self.location}: cannot write the index: {text}") from None
            raise DamagedIndexError(f"{self.location}: damaged index: {text}") from None
        except sqlite3.DatabaseError as exc:
            raise DamagedIndexError(f"{self.location}: damaged index: {exc}") from None
        except (BadData, postings.BadChunk) as exc:
            raise DamagedIndexError(f"{self.location}: damaged index: {exc}") from None

    @contextmanager
    def _write(self, buffer_size: int | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction: the write lock is taken at once, so no deadlock on upgrade.

        Nested uses join the outer transaction (see :meth:`transaction`). The band keys
        written are buffered and go into the chunks just before the commit.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        with self._guard():
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            self._pending = _Pending(buffer_size or DEFAULT_BUFFER)
            try:
                yield self.db
                self._flush()
            except BaseException:
                self._depth = 0
                self._pending = _Pending(DEFAULT_BUFFER)
                with suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise
            self._depth = 0
            self.db.execute("COMMIT")

    @contextmanager
    def transaction(self, buffer_size: int | None = None) -> Iterator[None]:
        """Hold one write transaction across several adds and removes."""
        with self._write(buffer_size):
            yield

    # -- metadata -------------------------------------------------------------------

    def _tables(self) -> set[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}

    def read_meta(self) -> dict[str, str] | None:
        if self._db is None:
            if not self._check_file(create=True):
                return None
            self._connect()  # another process made it since
        with self._guard():
            tables = self._tables()
            if not tables:
                raise DamagedIndexError(f"{self.location}: damaged index: no tables")
            if "meta" not in tables or "schema_version" not in tables:
                raise NotAnIndexError(f"{self.location}: not a dedup index (an SQLite file with other tables)")
            row = self.db.execute("SELECT max(version) FROM schema_version").fetchone()
            meta = dict(self.db.execute("SELECT name, value FROM meta").fetchall())
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
            raise DamagedIndexError(f"{self.location}: damaged index: bad metadata")
        if meta.get("format") != FORMAT:
            raise NotAnIndexError(f"{self.location}: not a dedup index (format {meta.get('format')!r})")
        version = row[0] if row else None
        if not isinstance(version, int) or version < 1:
            raise DamagedIndexError(f"{self.location}: damaged index: no schema version")
        if version > SCHEMA_VERSION:
            raise IndexVersionError(f"{self.location}: index schema {version} is newer than this "
                                    f"dedup supports ({SCHEMA_VERSION}); upgrade dedup")
        missing = [t for t in _TABLES[version] if t not in tables]
        if missing:
            raise DamagedIndexError(f"{self.location}: damaged index: missing table {missing[0]}")
        return dict(meta, schema_version=str(version))

    def create(self, meta: dict[str, str]) -> dict[str, str]:
        """Make the index in a temporary file beside the target, then link it into place:
        the first of several processes wins and the others open its index."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            db = sqlite3.connect(temp, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("BEGIN")
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                db.executemany("INSERT INTO meta VALUES (?, ?)",
                               sorted(dict(meta, prefix_bits="0").items()))
                db.execute("COMMIT")
            finally:
                db.close()
            try:
                os.link(temp, self.path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            except OSError:  # no hard links here: a rename, unless one appeared
                if not self.path.exists():
                    os.replace(temp, self.path)
        except sqlite3.Error as exc:
            raise IndexStoreError(f"{self.location}: cannot create index: {exc}") from None
        except OSError as exc:
            raise IndexStoreError(f"{self.location}: cannot create index: {exc.strerror or exc}") from None
        finally:
            for suffix in ("", "-wal", "-shm"):
                with suppress(OSError):
                    os.unlink(f"{temp}{suffix}")
        found = self.read_meta()
        if found is None:
            raise IndexStoreError(f"{self.location}: cannot create index (it vanished)")
        return found

    def upgrade(self, rekey: Rekey) -> None:
        """Schema 1 -> 3: band keys recomputed from the stored shingle sets into chunks
        (schema 1 kept 31 bits of each key, one short of what chunks need), the
        ``bands`` table dropped. Schema 2 -> 3: chunks of 8 to 15 prefix bits rewritten
        with 7-byte records (other schema 2 files only change their version, and are
        read as they are where they cannot be written). The file is vacuumed after a
        rewrite."""
        version = self._version()
        with self._guard():
            same = version == 2 and not _reencoded(self._bits())
        writable = os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
        if same and not writable:
            return
        if not writable:
            raise IndexVersionError(
                f"{self.location}: index schema {version} must be upgraded to "
                f"{SCHEMA_VERSION}, which needs write access: open it once where it can be "
                "written (any `dedup index` command does it)")
        with self._write() as db:
            version = self._version()
            if version == 2:
                bits = self._bits()
                same = not _reencoded(bits)
                if not same:
                    self._regroup(bits, bits, postings.legacy_record(bits))
            elif version == 1:
                self._upgrade_1(rekey)
            else:
                return  # another process upgraded it meanwhile
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
        if not same:
            with suppress(IndexStoreError), self._guard():
                self.db.execute("VACUUM")  # give back the pages of the old tables

    def _version(self) -> int:
        with self._guard():
            version = self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        return int(version)

    def _upgrade_1(self, rekey: Rekey) -> None:
        """Schema 1's band rows into chunks (the key bits recomputed)."""
        db = self.db
        db.execute("ALTER TABLE entries ADD COLUMN signature BLOB")
        db.execute(_SCHEMA[-1])
        self._set_bits(0)  # the first flush picks them for the size
        last = 0
        while True:
            rows = db.execute("SELECT id, shingles FROM entries WHERE id > ? ORDER BY id"
                              " LIMIT 20000", (last,)).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            items = [Stored("", None, unpack(r[1])) for r in rows]
            self._pending.post(ids, rekey(items))
            self._spill_if_full()
        db.execute("DROP TABLE bands")

    # -- writes ---------------------------------------------------------------------

    def _spill_if_full(self) -> None:
        if self._pending.count >= self._pending.buffer_size:
            self._pending.spill(self.db)

    def _bits(self) -> int:
        """The prefix bits of the chunks (read in the current transaction: a writer in
        another process may have regrouped them)."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'prefix_bits'").fetchone()
        if row is None or not isinstance(row[0], str) or not row[0].isdigit() \
                or int(row[0]) > postings.MAX_BITS:
            raise BadData("bad or missing prefix_bits")
        return int(row[0])

    def _flush(self) -> None:
        """Write the buffered band keys into the chunks: removals first, then additions,
        chunk by chunk in id order. A first load picks the prefix bits for its size; an
        index grown 4 times past its prefix bits is regrouped with more."""
        pending, db = self._pending, self.db
        if not pending:
            return
        bits = self._bits()
        if pending.removed:
            dead = pending.removed
            for chunk in _chunks(sorted(dead)):
                marks = ",".join("?" * len(chunk))
                found = db.execute(f"SELECT id, records FROM chunks WHERE id IN ({marks})",
                                   chunk).fetchall()
                updates, deletes = [], []
                for chunk_id, data in found:
                    kept = postings.without(data, dead[chunk_id], bits)
                    if not kept:
                        deletes.append((chunk_id,))
                    elif kept is not data:
                        updates.append((kept, chunk_id))
                db.executemany("UPDATE chunks SET records = ? WHERE id = ?", updates)
                db.executemany("DELETE FROM chunks WHERE id = ?", deletes)
        if pending.count or pending.spilled:
            top = db.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0]
            wanted = postings.prefix_bits_for(int(top))
            if db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None:
                self._set_bits(wanted)
                db.executemany("INSERT INTO chunks (id, records) VALUES (?, ?)",
                               (row for band, keys, ids in pending.bands(db)
                                for row in postings.group(band, keys, ids, wanted)))
            elif wanted >= bits + 2:
                self._regroup(bits, wanted)
            else:
                db.executemany(_UPSERT, (row for band, keys, ids in pending.bands(db)
                                         for row in postings.group(band, keys, ids, bits)))
        pending.clear(db)

    def _set_bits(self, bits: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('prefix_bits', ?)", (str(bits),))

    def _regroup(self, bits: int, wanted: int, layout: np.dtype | None = None) -> None:
        """Rewrite every chunk with ``wanted`` prefix bits, with the pending additions,
        into a new table in id order (a band's records in memory at a time). ``layout``
        reads records of another schema."""
        db = self.db
        db.execute("DROP TABLE IF EXISTS chunks_next")
        db.execute(_SCHEMA[-1].replace("TABLE chunks", "TABLE chunks_next"))
        additions = self._pending.bands(db)
        band_count = db.execute("SELECT coalesce(max(id), 0) >> 16 FROM chunks").fetchone()[0] + 1
        added = next(additions, None)
        for band in range(max(band_count, 0 if added is None else added[0] + 1)):
            low, high = postings.band_range(band)
            keys, ids = [], []
            for chunk, data in db.execute("SELECT id, records FROM chunks"
                                          " WHERE id >= ? AND id < ?", (low, high)):
                k, i = postings.unpack_chunk(chunk, data, bits, layout)
                keys.append(k)
                ids.append(i)
            while added is not None and added[0] == band:
                keys.append(added[1])
                ids.append(added[2])
                added = next(additions, None)
            if keys:
                db.executemany("INSERT INTO chunks_next (id, records) VALUES (?, ?)",
                               postings.group(band, np.concatenate(keys), np.concatenate(ids),
                                              wanted))
        db.execute("DROP TABLE chunks")
        db.execute("ALTER TABLE chunks_next RENAME TO chunks")
        self._set_bits(wanted)

    def _post(self, ids: np.ndarray, keys: np.ndarray) -> None:
        if len(ids) and int(ids.max()) > postings.MAX_ENTRY_ID:
            raise IndexStoreError(f"{self.location}: index is full (4 billion entries)")
        self._pending.post(ids, keys)
        self._spill_if_full()

    def _drop(self, db: sqlite3.Connection,
              items: Sequence[tuple[int, np.ndarray, np.ndarray | None]], rekey: Rekey) -> None:
        """Delete entries ``(id, shingle set, signature)`` and their chunk records (band
        keys recomputed from what was stored)."""
        if not items:
            return
        ids = np.array([item[0] for item in items], dtype=np.int64)
        keys = rekey([Stored("", None, shingles, signature) for _, shingles, signature in items])
        self._pending.unpost(ids, keys, self._bits())
        db.executemany("DELETE FROM entries WHERE id = ?", [(int(i),) for i in ids])

    def _resolve(self, rows: Sequence[tuple[Any, ...]]) -> list[_Row]:
        """Entry rows ``(id, article, paragraph, shingles, signature)`` read back, with
        the whole set of a composed article (its extras and its paragraphs' sets)."""
        composed = sorted({r[1] for r in rows if r[2] == COMPOSED})
        parts: dict[int, list[np.ndarray]] = {}
        for chunk in _chunks(composed):
            marks = ",".join("?" * len(chunk))
            for article, data in self.db.execute(
                    "SELECT article, shingles FROM entries"
                    f" WHERE article IN ({marks}) AND paragraph >= 0 AND signature IS NULL",
                    chunk):
                parts.setdefault(article, []).append(unpack(data))
        out = []
        for entry, article, paragraph, data, signature in rows:
            if not (paragraph is None or isinstance(paragraph, int) and paragraph >= COMPOSED):
                raise BadData("an entry with a bad paragraph number")
            shingles = unpack(data)
            if paragraph == COMPOSED:
                shingles = unique(np.concatenate([shingles, *parts.get(article, [])]))
            out.append(_Row(entry, article, paragraph, shingles,
                            unpack_signature(signature, self.num_perm), data))
        return out

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        with self._write() as db:
            known: dict[str, int] = {}
            for chunk in _chunks(batch.articles):
                marks = ",".join("?" * len(chunk))
                known.update(db.execute(f"SELECT key, id FROM articles WHERE key IN ({marks})",
                                        chunk).fetchall())
            # Entries of re-added articles that did not change keep their ids (and their
            # chunk records); the others go.
            rows: list[tuple[Any, ...]] = []
            for ids in _chunks(sorted(known.values())):
                marks = ",".join("?" * len(ids))
                rows.extend(db.execute("SELECT id, article, paragraph, shingles, signature"
                                       f" FROM entries WHERE article IN ({marks})", ids))
            old: dict[tuple[int, bytes, bytes | None], list[_Row]] = {}
            for row in self._resolve(rows):
                sig = None if row.signature is None else pack(row.signature)
                old.setdefault((row.article, pack(row.shingles), sig), []).append(row)
            first_article = db.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]
            new_articles = [key for key in batch.articles if key not in known]
            db.executemany("INSERT INTO articles (id, key) VALUES (?, ?)",
                           [(first_article + i, key) for i, key in enumerate(new_articles)])
            known.update((key, first_article + i) for i, key in enumerate(new_articles))
            extras = composed_extras(batch) if batch.extras is None else batch.extras
            sets = list(batch.sets)
            numbers: list[int | None] = list(batch.paragraph)
            for i, rest in extras.items():
                sets[i], numbers[i] = rest, COMPOSED
            blobs = pack_many(sets)
            updates: list[tuple[int | None, bytes, int]] = []
            fresh: list[tuple[int, int | None, bytes]] = []
            if not old:  # no entry of these articles is stored: every entry is new
                fresh = list(zip(range(len(batch)), numbers, blobs))
            for i in range(len(batch) if old else 0):
                signature = batch.signature(i)
                stored, blob = numbers[i], blobs[i]
                whole = blob if i not in extras else pack(batch.sets[i])
                reusable = old.get((known[batch.articles[batch.owner[i]]], whole,
                                    None if signature is None else pack(signature)))
                if reusable:
                    row = reusable.pop()
                    if (row.paragraph, row.data) != (stored, blob):
                        updates.append((stored, blob, row.id))
                else:
                    fresh.append((i, stored, blob))
            self._drop(db, [(r.id, r.shingles, r.signature) for rest in old.values() for r in rest],
                       rekey)
            db.executemany("UPDATE entries SET paragraph = ?, shingles = ? WHERE id = ?", updates)
            first_entry = db.execute("SELECT coalesce(max(id), 0) + 1 FROM entries").fetchone()[0]
            owners = [known[key] for key in batch.articles]
            signatures = [None if s is None else pack(s) for s in batch.signatures] \
                if batch.signatures else [None] * len(batch)
            inserts = [(first_entry + n, owners[batch.owner[i]], stored, blob, signatures[i])
                       for n, (i, stored, blob) in enumerate(fresh)]
            db.executemany("INSERT INTO entries (id, article, paragraph, shingles, signature)"
                           " VALUES (?, ?, ?, ?, ?)", inserts)
            if fresh:
                self._post(np.arange(first_entry, first_entry + len(fresh), dtype=np.int64),
                           batch.keys[np.array([i for i, _, _ in fresh])])

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        removed = 0
        with self._write() as db:
            for key in keys:
                found = db.execute("SELECT id FROM articles WHERE key = ?", (key,)).fetchone()
                if found is not None:
                    rows = self._resolve(db.execute(
                        "SELECT id, article, paragraph, shingles, signature FROM entries"
                        " WHERE article = ?", found).fetchall())
                    db.execute("DELETE FROM articles WHERE id = ?", found)
                else:
                    rows = self._resolve(self._paragraph_rows(db, key))
                    if rows:  # the whole article stops being its paragraphs' union
                        whole = self._resolve(db.execute(
                            "SELECT id, article, paragraph, shingles, signature FROM entries"
                            " WHERE article = ? AND paragraph = ?",
                            (rows[0].article, COMPOSED)).fetchall())
                        db.executemany("UPDATE entries SET paragraph = NULL, shingles = ?"
                                       " WHERE id = ?", [(pack(w.shingles), w.id) for w in whole])
                self._drop(db, [(r.id, r.shingles, r.signature) for r in rows], rekey)
                removed += len(rows)
        return removed

    @staticmethod
    def _paragraph_rows(db: sqlite3.Connection, key: str) -> list[tuple[Any, ...]]:
        parts = split_key(key)
        if parts is None:
            return []
        return db.execute("SELECT e.id, e.article, e.paragraph, e.shingles, e.signature"
                          " FROM entries e JOIN articles a ON a.id = e.article"
                          " WHERE a.key = ? AND e.paragraph = ?", parts).fetchall()

    # -- reads ----------------------------------------------------------------------

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        rows = keys.shape[0]
        out: list[list[Stored]] = [[] for _ in range(rows)]
        if rows == 0 or self._db is None:
            return out
        own = not self.db.in_transaction  # else: inside transaction(), see its writes
        with self._guard():
            if own:
                self.db.execute("BEGIN")  # one snapshot for the lookups and the fetch
            else:
                self._flush()
            try:
                bits = self._bits()
                wanted = unique(postings.chunk_ids(postings.key32(keys), bits)).tolist()
                found: list[tuple[int, bytes]] = []
                for chunk in _chunks(wanted):
                    marks = ",".join("?" * len(chunk))
                    found.extend(self.db.execute(
                        f"SELECT id, records FROM chunks WHERE id IN ({marks})", chunk))
                query, entry = postings.probe(keys, found, bits)
                entries = self._fetch(unique(entry).tolist())
            finally:
                if own:
                    self.db.execute("COMMIT")
        for qi, eid in zip(query.tolist(), entry.tolist()):
            stored = entries.get(eid)
            if stored is not None:
                out[qi].append(stored)
        return out

    def _fetch(self, ids: list[int]) -> dict[int, Stored]:
        rows, names = [], {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for entry, article, key, paragraph, data, signature in self.db.execute(
                    "SELECT e.id, e.article, a.key, e.paragraph, e.shingles, e.signature"
                    f" FROM entries e JOIN articles a ON a.id = e.article WHERE e.id IN ({marks})",
                    chunk):
                if not isinstance(key, str):
                    raise BadData("an entry with a bad article key")
                rows.append((entry, article, paragraph, data, signature))
                names[entry] = key
        return {row.id: Stored(names[row.id], None if row.paragraph == COMPOSED else row.paragraph,
                               row.shingles, row.signature) for row in self._resolve(rows)}

    def contains(self, key: str) -> bool:
        if self._db is None:
            return False
        with self._guard():
            if self.db.execute("SELECT 1 FROM articles WHERE key = ?", (key,)).fetchone():
                return True
            return bool(self._paragraph_rows(self.db, key))

    def articles(self) -> Iterator[str]:
        if self._db is None:
            return
        with self._guard():
            keys = [key for (key,) in self.db.execute("SELECT key FROM articles ORDER BY key")]
            if not all(isinstance(key, str) for key in keys):
                raise BadData("an article key that is not text")
        yield from keys

    def count(self) -> tuple[int, int]:
        if self._db is None:
            return 0, 0
        with self._guard():
            articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
            entries = self.db.execute("SELECT count(*) FROM entries").fetchone()[0]
        return int(articles), int(entries)

    def size_bytes(self) -> int | None:
        total = 0
        for suffix in ("", "-wal"):
            with suppress(OSError):
                total += os.path.getsize(f"{self.path}{suffix}")
        return total

    def settle(self) -> None:
        """Every write is done when its call returns."""

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


class _Row(NamedTuple):
    id: int
    article: int
    paragraph: int | None  # as stored: COMPOSED for a whole article kept as its extras
    shingles: np.ndarray  # the whole set
    signature: np.ndarray | None
    data: bytes  # the stored shingles


class _Pending:
    """Band keys of one transaction, not yet in the chunks."""

    def __init__(self, buffer_size: int) -> None:
        self.buffer_size = max(1, buffer_size)
        self.ids: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []  # (n, bands) key32 each
        self.count = 0
        self.removed: dict[int, set[int]] = {}  # chunk id -> entries to take out of it
        self.spilled = 0  # parts in the temporary ``spill`` table
        self.spill_dead: set[int] = set()  # spilled entries removed since
        self._first_id: int | None = None  # the smallest id buffered or spilled

    def __bool__(self) -> bool:
        return bool(self.count or self.spilled or self.removed)

    def post(self, ids: np.ndarray, keys: np.ndarray) -> None:
        if not len(ids):
            return
        low = int(ids.min())
        self._first_id = low if self._first_id is None else min(self._first_id, low)
        self.ids.append(np.asarray(ids, dtype=np.uint32))
        self.keys.append(postings.key32(keys))
        self.count += len(ids)

    def unpost(self, ids: np.ndarray, keys: np.ndarray, bits: int) -> None:
        """Entries removed: from the chunks, and from the buffer when written in this
        transaction (ids of earlier transactions are all below ``_first_id``)."""
        for chunk, dead in postings.removals(ids, keys, bits).items():
            self.removed.setdefault(chunk, set()).update(dead)
        if self._first_id is None or not len(ids) or int(ids.max()) < self._first_id:
            return
        fresh = np.array([i for i in ids.tolist() if i >= self._first_id], dtype=np.int64)
        for n, buffered in enumerate(self.ids):
            keep = ~np.isin(buffered, fresh)
            if not keep.all():
                self.count -= int((~keep).sum())
                self.ids[n], self.keys[n] = buffered[keep], self.keys[n][keep]
        self.spill_dead.update(fresh.tolist())

    def spill(self, db: sqlite3.Connection) -> None:
        """Move the buffered keys to a temporary table, one row per band: memory stays
        bounded and the chunks are still written in one pass at the commit."""
        if not self.count:
            return
        db.execute("CREATE TEMP TABLE IF NOT EXISTS spill (band INTEGER, part INTEGER,"
                   " ids BLOB, keys BLOB, PRIMARY KEY (band, part))")
        ids = np.concatenate(self.ids).astype("<u4").tobytes()
        keys = np.concatenate(self.keys)
        db.executemany("INSERT INTO temp.spill VALUES (?, ?, ?, ?)",
                       ((band, self.spilled, ids, keys[:, band].astype("<u4").tobytes())
                        for band in range(keys.shape[1])))
        self.spilled += 1
        self.ids, self.keys, self.count = [], [], 0

    def bands(self, db: sqlite3.Connection) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """All additions, spilled and buffered, band by band: ``(band, key32, ids)``."""
        if not (self.count or self.spilled):
            return
        if self.spilled:
            bands = db.execute("SELECT max(band) + 1 FROM temp.spill").fetchone()[0]
        else:
            bands = self.keys[0].shape[1]
        dead = np.fromiter(self.spill_dead, dtype=np.int64, count=len(self.spill_dead))
        for band in range(bands):
            ids, keys = list(self.ids), [k[:, band] for k in self.keys]
            if self.spilled:
                for raw_ids, raw_keys in db.execute(
                        "SELECT ids, keys FROM temp.spill WHERE band = ? ORDER BY part", (band,)):
                    ids.append(np.frombuffer(raw_ids, dtype="<u4"))
                    keys.append(np.frombuffer(raw_keys, dtype="<u4"))
            all_ids, all_keys = np.concatenate(ids), np.concatenate(keys)
            if len(dead):
                keep = ~np.isin(all_ids, dead)
                all_ids, all_keys = all_ids[keep], all_keys[keep]
            yield band, all_keys, all_ids

    def clear(self, db: sqlite3.Connection) -> None:
        if self.spilled:
            db.execute("DELETE FROM temp.spill")
        self.ids, self.keys, self.count = [], [], 0
        self.removed = {}
        self.spilled = 0
        self.spill_dead = set()
        self._first_id = None


def _reencoded(bits: int) -> bool:
    """Whether schema 3 stores the chunks of ``bits`` prefix bits unlike schema 2."""
    return postings.record(bits) != postings.legacy_record(bits)


def _chunks(items: Sequence[_T] | Iterable[_T]) -> Iterator[list[_T]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start: start + _CHUNK]
