"""The shared back-end: Redis, with datasketch's own Redis storage for the LSH tables.

Under a name (the key prefix, ``dedup`` by default) an index keeps:

* ``<name>:meta`` (hash): format, schema version, settings, banding;
* ``<name>:articles`` (hash): article key -> JSON list of its paragraph numbers;
* ``<name>:entries`` (hash): entry key -> shingle set as bytes;
* ``<name>:owners`` (hash): entry key -> JSON ``[article, paragraph]``;
* one ``datasketch.storage`` unordered (set) storage per band, named
  ``<name>_bucket_<band>`` as ``MinHashLSH`` names its tables, mapping a band key to
  the entry keys in that bucket.

Every value is bytes, text or JSON (never pickled). Writes are not one transaction
across tables, but a stale bucket member is harmless: candidates are verified
against the stored sets, and members without a set are skipped.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np

from .model import (
    FORMAT,
    SCHEMA_VERSION,
    Batch,
    DamagedIndexError,
    IndexStoreError,
    IndexVersionError,
    MissingIndexError,
    NotAnIndexError,
    Stored,
    entry_key,
    pack,
    unpack,
)
from .store import Rekey


def redis_params(url: str) -> dict[str, Any]:
    """``redis.Redis`` keyword arguments for ``redis://[user:password@]host[:port][/db]``.

    A ``?name=...`` query names the index (the key prefix), for commands without ``--name``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"{url}: not a redis:// URL")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError(f"{url}: the database must be a number, as in redis://host:6379/0")
    params: dict[str, Any] = {"host": parts.hostname or "localhost", "port": parts.port or 6379,
                              "db": int(db), "socket_connect_timeout": 5}
    if parts.username:
        params["username"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        params["ssl"] = True
    return params


class RedisStore:
    """An index stored in Redis under ``name``."""

    backend = "redis"

    def __init__(self, url: str, *, name: str = "dedup", create: bool = True) -> None:
        try:
            import redis
        except ImportError:
            raise IndexStoreError(f"{url}: the Redis back-end needs the redis client "
                                  "(pip install 'dedup[redis]')") from None
        try:
            self._params = redis_params(url)
        except ValueError as exc:
            raise IndexStoreError(str(exc)) from None
        name = parse_qs(urlsplit(url).query).get("name", [name])[-1]
        self._errors = redis.RedisError
        self.location = f"{url} ({name})"
        self.name = name
        self._create = create
        self._db: Any = redis.Redis(**self._params)
        self._meta = f"{name}:meta"
        self._articles = f"{name}:articles"
        self._entries = f"{name}:entries"
        self._owners = f"{name}:owners"
        self._tables: list[Any] = []
        self._table_names: list[bytes] = []

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            text = str(exc)
            if "WRONGTYPE" in text:
                raise NotAnIndexError(f"{self.location}: not a dedup index ({text})") from None
            raise IndexStoreError(f"{self.location}: Redis error: {text}") from None

    def _open_tables(self, bands: int) -> None:
        from datasketch.storage import unordered_storage

        config = {"type": "redis", "redis": self._params, "redis_buffer": {"transaction": False}}
        self._table_names = [self.name.encode() + b"_bucket_" + struct.pack(">H", band)
                             for band in range(bands)]
        self._tables = [unordered_storage(config, name=name) for name in self._table_names]

    # -- metadata -------------------------------------------------------------------

    def read_meta(self) -> dict[str, str] | None:
        with self._guard():
            raw = self._db.hgetall(self._meta)
            if not raw:
                if self._db.exists(self._articles, self._entries):
                    raise DamagedIndexError(f"{self.location}: damaged index: no metadata")
                return None
        meta = {k.decode(): v.decode() for k, v in raw.items()}
        if meta.get("format") != FORMAT:
            raise NotAnIndexError(f"{self.location}: not a dedup index (format {meta.get('format')!r})")
        version = meta.get("schema_version", "")
        if not version.isdigit():
            raise DamagedIndexError(f"{self.location}: damaged index: no schema version")
        if int(version) > SCHEMA_VERSION:
            raise IndexVersionError(f"{self.location}: index schema {version} is newer than this "
                                    f"dedup supports ({SCHEMA_VERSION}); upgrade dedup")
        try:
            self._open_tables(int(meta["bands"]))
        except (KeyError, ValueError):
            raise DamagedIndexError(f"{self.location}: damaged index: bad banding") from None
        return meta

    def create(self, meta: dict[str, str]) -> dict[str, str]:
        if not self._create:
            raise MissingIndexError(f"{self.location}: no index here")
        fields = dict(meta, schema_version=str(SCHEMA_VERSION))
        with self._guard():
            pipe = self._db.pipeline(transaction=True)
            for field, value in sorted(fields.items()):
                pipe.hsetnx(self._meta, field, value)  # another process may have won
            pipe.execute()
        found = self.read_meta()
        assert found is not None
        return found

    # -- writes ---------------------------------------------------------------------

    def _drop(self, keys: list[str], rekey: Rekey) -> int:
        if not keys:
            return 0
        with self._guard():
            data = self._db.hmget(self._entries, keys)
        present = [(k, unpack(d)) for k, d in zip(keys, data) if d is not None]
        if present:
            band_keys = rekey([s for _, s in present])
            with self._guard():
                # RedisSetStorage.remove_val(..., buffer=True), in one pipeline for all bands.
                pipe = self._db.pipeline(transaction=False)
                for band, table in enumerate(self._tables):
                    for row, (key, _) in enumerate(present):
                        pipe.srem(table.redis_key(_bkey(band_keys[row, band])), key.encode())
                pipe.hdel(self._entries, *[k for k, _ in present])
                pipe.hdel(self._owners, *[k for k, _ in present])
                pipe.execute()
        return len(present)

    def _article_entries(self, articles: Sequence[str]) -> dict[str, list[str]]:
        if not articles:
            return {}
        with self._guard():
            found = self._db.hmget(self._articles, list(articles))
        return {a: [entry_key(a, p) for p in json.loads(raw)]
                for a, raw in zip(articles, found) if raw is not None}

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        old = self._article_entries(batch.articles)
        self._drop([k for keys in old.values() for k in keys], rekey)
        paragraphs: dict[str, list[int | None]] = {a: [] for a in batch.articles}
        entries: dict[str, bytes] = {}
        owners: dict[str, str] = {}
        for owner, paragraph, shingles in zip(batch.owner, batch.paragraph, batch.sets):
            article = batch.articles[owner]
            key = entry_key(article, paragraph)
            paragraphs[article].append(paragraph)
            entries[key] = pack(shingles)
            owners[key] = json.dumps([article, paragraph])
        keys = list(entries)
        with self._guard():
            pipe = self._db.pipeline(transaction=True)
            if entries:
                pipe.hset(self._entries, mapping=entries)
                pipe.hset(self._owners, mapping=owners)
            pipe.hset(self._articles, mapping={a: json.dumps(p) for a, p in paragraphs.items()})
            pipe.execute()
            # What RedisSetStorage.insert does (HSET name key redis_key; SADD redis_key
            # value), with one HSET per band per batch: redis-py's cost is per command.
            pipe = self._db.pipeline(transaction=False)
            members = [key.encode() for key in keys]
            for band, (table, name) in enumerate(zip(self._tables, self._table_names)):
                bkeys = [_bkey(value) for value in batch.keys[:, band]]
                if bkeys:
                    pipe.hset(name, mapping={k: table.redis_key(k) for k in bkeys})
                for bkey, member in zip(bkeys, members):
                    pipe.sadd(table.redis_key(bkey), member)
            pipe.execute()

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        removed = 0
        for key in keys:
            whole = self._article_entries([key])
            if whole:
                removed += self._drop(whole[key], rekey)
                with self._guard():
                    self._db.hdel(self._articles, key)
                continue
            with self._guard():
                owner = self._db.hget(self._owners, key)
            if owner is None:
                continue
            article, paragraph = json.loads(owner)
            removed += self._drop([key], rekey)
            self._forget_paragraph(article, paragraph)
        return removed

    def _forget_paragraph(self, article: str, paragraph: int) -> None:
        with self._guard():
            raw = self._db.hget(self._articles, article)
            if raw is not None:
                kept = [p for p in json.loads(raw) if p != paragraph]
                self._db.hset(self._articles, article, json.dumps(kept))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Redis writes are not grouped: each batch is applied as it comes."""
        yield

    # -- reads ----------------------------------------------------------------------

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        rows = keys.shape[0]
        members: list[set[bytes]] = [set() for _ in range(rows)]
        if rows == 0:
            return []
        with self._guard():
            for band, table in enumerate(self._tables):
                found = table.getmany(*[_bkey(keys[row, band]) for row in range(rows)])
                for row, bucket in enumerate(found):
                    members[row].update(bucket)
            wanted = sorted({m for bucket in members for m in bucket})
            if not wanted:
                return [[] for _ in range(rows)]
            pipe = self._db.pipeline(transaction=False)
            pipe.hmget(self._entries, wanted)
            pipe.hmget(self._owners, wanted)
            data, owners = pipe.execute()
        stored: dict[bytes, Stored] = {}
        for key, raw, owner in zip(wanted, data, owners):
            if raw is not None and owner is not None:
                article, paragraph = json.loads(owner)
                stored[key] = Stored(article, paragraph, unpack(raw))
        return [[stored[m] for m in sorted(bucket) if m in stored] for bucket in members]

    def contains(self, key: str) -> bool:
        with self._guard():
            return bool(self._db.hexists(self._articles, key) or self._db.hexists(self._entries, key))

    def articles(self) -> Iterator[str]:
        with self._guard():
            keys = sorted(k.decode() for k in self._db.hkeys(self._articles))
        yield from keys

    def count(self) -> tuple[int, int]:
        with self._guard():
            return int(self._db.hlen(self._articles)), int(self._db.hlen(self._entries))

    def size_bytes(self) -> int | None:
        return None

    def close(self) -> None:
        self._db.close()
        for table in self._tables:
            table._redis.close()


def _bkey(value: np.uint64) -> bytes:
    return int(value).to_bytes(8, "big")
