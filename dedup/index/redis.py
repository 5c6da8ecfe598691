"""The shared back-end: Redis, with the LSH tables laid out as datasketch's Redis storage.

Under a name (the key prefix, ``dedup`` by default) an index keeps:

* ``<name>:meta`` (hash): format, schema version, settings, banding;
* ``<name>:articles`` (hash): article key -> JSON list of its paragraph numbers;
* ``<name>:entries`` (hash): entry key -> shingle set as bytes (empty for a MinHash entry);
* ``<name>:owners`` (hash): entry key -> JSON ``[article, paragraph]``;
* ``<name>:signatures`` (hash): entry key -> signature, for entries inserted as a MinHash;
* per band, the unordered storage ``MinHashLSH`` with ``storage_config={"type": "redis"}``
  would make, named ``<name>_bucket_<band>``: a hash of its band keys and, per band
  key, a set of entry keys (``datasketch.storage.RedisSetStorage`` reads it as is).

Every value is bytes, text or JSON (never pickled). Each batch of writes (the entries
of some articles, their bucket memberships, the article list, and the removal of what
they replace) is one ``MULTI``/``EXEC`` transaction, so an interrupted add (client or
server killed) leaves each article either wholly in or wholly out: an entry is listed
only together with its bands. The bucket memberships of a batch are added by one Lua
script from packed band keys: one command instead of 42 per entry.
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
    BadData,
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
    unpack_signature,
)
from .store import Rekey

# ARGV: "add" or "remove", the bucket tables' name prefix, the band count, the band
# keys (8 bytes each, entry-major), then one entry key per entry.
_BUCKETS = """
local op, prefix, bands, blob = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local n = #ARGV - 4
for band = 0, bands - 1 do
  local table_name = prefix .. struct.pack('>H', band)
  local fields = {}
  for i = 1, n do
    local at = ((i - 1) * bands + band) * 8 + 1
    local bkey = string.sub(blob, at, at + 7)
    local bucket = table_name .. bkey
    if op == 'add' then
      redis.call('SADD', bucket, ARGV[i + 4])
      fields[#fields + 1] = bkey
      fields[#fields + 1] = bucket
      if #fields >= 2000 then
        redis.call('HSET', table_name, unpack(fields))
        fields = {}
      end
    else
      redis.call('SREM', bucket, ARGV[i + 4])
      if redis.call('SCARD', bucket) == 0 then
        redis.call('HDEL', table_name, bkey)
      end
    end
  end
  if #fields > 0 then
    redis.call('HSET', table_name, unpack(fields))
  end
end
return n
"""
_SCRIPT_ENTRIES = 4000  # entries per script call: keeps one call's run time short


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
                              "db": int(db), "socket_connect_timeout": 5,
                              # a batch is one EXEC, which a busy server may take well over
                              # redis-py's default 5 s to answer
                              "socket_timeout": 300}
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
        self.num_perm: int | None = None
        self.schema_version = SCHEMA_VERSION
        self._create = create
        self._db: Any = redis.Redis(**self._params)
        self._meta = f"{name}:meta"
        self._articles = f"{name}:articles"
        self._entries = f"{name}:entries"
        self._owners = f"{name}:owners"
        self._signatures = f"{name}:signatures"
        self._prefix = name.encode() + b"_bucket_"
        self._bands = 0

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            text = str(exc)
            if "WRONGTYPE" in text:
                raise NotAnIndexError(f"{self.location}: not a dedup index ({text})") from None
            raise IndexStoreError(f"{self.location}: Redis error: {text}") from None
        except (BadData, ValueError, TypeError, KeyError) as exc:  # JSON, lengths, types
            raise DamagedIndexError(f"{self.location}: damaged index: {exc}") from None

    def table_name(self, band: int) -> bytes:
        """The name ``MinHashLSH`` gives its band ``band``'s table."""
        return self._prefix + struct.pack(">H", band)

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
        if not version.isdigit() or int(version) < 1:
            raise DamagedIndexError(f"{self.location}: damaged index: no schema version")
        if int(version) > SCHEMA_VERSION:
            raise IndexVersionError(f"{self.location}: index schema {version} is newer than this "
                                    f"dedup supports ({SCHEMA_VERSION}); upgrade dedup")
        try:
            self._bands = int(meta["bands"])
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

    def upgrade(self, rekey: Rekey) -> None:
        """Schema 1 -> 2 adds only the signatures hash: the version is all that changes."""
        with self._guard():
            self._db.hset(self._meta, "schema_version", str(SCHEMA_VERSION))

    # -- writes ---------------------------------------------------------------------

    def _buckets(self, pipe: Any, op: str, keys: np.ndarray, members: list[bytes]) -> None:
        """Queue the scripts adding (or removing) entries to (from) their buckets."""
        packed = np.ascontiguousarray(keys, dtype=">u8")
        for start in range(0, len(members), _SCRIPT_ENTRIES):
            part = members[start: start + _SCRIPT_ENTRIES]
            pipe.eval(_BUCKETS, 0, op, self._prefix, self._bands,
                      packed[start: start + len(part)].tobytes(), *part)

    def _stored(self, keys: Sequence[str]) -> list[Stored | None]:
        """The stored entries of ``keys`` (``None`` where there is none)."""
        if not keys:
            return []
        with self._guard():
            pipe = self._db.pipeline(transaction=False)
            pipe.hmget(self._entries, list(keys))
            pipe.hmget(self._signatures, list(keys))
            data, sigs = pipe.execute()
            return [None if raw is None else
                    Stored("", None, unpack(raw), unpack_signature(sig, self.num_perm))
                    for raw, sig in zip(data, sigs)]

    def _article_entries(self, articles: Sequence[str]) -> dict[str, list[str]]:
        if not articles:
            return {}
        with self._guard():
            found = self._db.hmget(self._articles, list(articles))
            out = {}
            for article, raw in zip(articles, found):
                if raw is not None:
                    numbers = json.loads(raw)
                    if not isinstance(numbers, list):
                        raise BadData("an article's paragraph list is not a list")
                    out[article] = [entry_key(article, p) for p in numbers]
            return out

    def _removal(self, pipe: Any, keys: list[str], rekey: Rekey) -> int:
        """Queue the removal of entries (and their bucket memberships); how many exist."""
        stored = self._stored(keys)
        present = [(k, s) for k, s in zip(keys, stored) if s is not None]
        if present:
            self._buckets(pipe, "remove", rekey([s for _, s in present]),
                          [k.encode() for k, _ in present])
            names = [k for k, _ in present]
            pipe.hdel(self._entries, *names)
            pipe.hdel(self._owners, *names)
            pipe.hdel(self._signatures, *names)
        return len(present)

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        old = self._article_entries(batch.articles)
        old_keys = [k for keys in old.values() for k in keys]
        old_values = dict(zip(old_keys, self._stored(old_keys)))
        paragraphs: dict[str, list[int | None]] = {a: [] for a in batch.articles}
        entries: dict[str, bytes] = {}
        owners: dict[str, str] = {}
        sigs: dict[str, bytes] = {}
        fresh: list[int] = []
        for i, (owner, paragraph, shingles) in enumerate(zip(batch.owner, batch.paragraph,
                                                             batch.sets)):
            article = batch.articles[owner]
            key = entry_key(article, paragraph)
            paragraphs[article].append(paragraph)
            signature = batch.signature(i)
            was = old_values.pop(key, None)
            if was is not None and np.array_equal(was.shingles, shingles) and (
                    (was.signature is None and signature is None) or (
                        was.signature is not None and signature is not None
                        and np.array_equal(was.signature, signature))):
                continue  # unchanged: keeps its buckets
            if was is not None:
                old_values[key] = was  # changed: its old buckets go
            fresh.append(i)
            entries[key] = pack(shingles)
            owners[key] = json.dumps([article, paragraph])
            if signature is not None:
                sigs[key] = pack(signature)
        with self._guard():
            pipe = self._db.pipeline(transaction=True)
            self._removal(pipe, list(old_values), rekey)
            if entries:
                pipe.hset(self._entries, mapping=entries)
                pipe.hset(self._owners, mapping=owners)
            if sigs:
                pipe.hset(self._signatures, mapping=sigs)
            if fresh:
                self._buckets(pipe, "add", batch.keys[np.array(fresh)],
                              [entry_key(batch.articles[batch.owner[i]],
                                         batch.paragraph[i]).encode() for i in fresh])
            pipe.hset(self._articles, mapping={a: json.dumps(p) for a, p in paragraphs.items()})
            pipe.execute()

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        removed = 0
        for key in keys:
            whole = self._article_entries([key])
            with self._guard():
                pipe = self._db.pipeline(transaction=True)
                if whole:
                    removed += self._removal(pipe, whole[key], rekey)
                    pipe.hdel(self._articles, key)
                    pipe.execute()
                    continue
                owner = self._db.hget(self._owners, key)
                if owner is None:
                    continue
                article, paragraph = json.loads(owner)
                count = self._removal(pipe, [key], rekey)
                raw = self._db.hget(self._articles, article)
                if raw is not None:
                    kept = [p for p in json.loads(raw) if p != paragraph]
                    pipe.hset(self._articles, article, json.dumps(kept))
                pipe.execute()
                removed += count
        return removed

    @contextmanager
    def transaction(self, buffer_size: int | None = None) -> Iterator[None]:
        """Redis batches are transactions of their own: each is visible whole when done."""
        yield

    # -- reads ----------------------------------------------------------------------

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        rows = keys.shape[0]
        if rows == 0:
            return []
        packed = np.ascontiguousarray(keys, dtype=">u8").tobytes()
        width = keys.shape[1]
        with self._guard():
            pipe = self._db.pipeline(transaction=False)
            for band in range(min(self._bands, width)):
                name = self.table_name(band)
                for row in range(rows):
                    at = (row * width + band) * 8
                    pipe.smembers(name + packed[at: at + 8])
            found = pipe.execute()
            members: list[set[bytes]] = [set() for _ in range(rows)]
            for i, bucket in enumerate(found):
                members[i % rows].update(bucket)
            wanted = sorted({m for bucket in members for m in bucket})
            if not wanted:
                return [[] for _ in range(rows)]
            pipe = self._db.pipeline(transaction=False)
            pipe.hmget(self._entries, wanted)
            pipe.hmget(self._owners, wanted)
            pipe.hmget(self._signatures, wanted)
            data, owners, sigs = pipe.execute()
            stored: dict[bytes, Stored] = {}
            for key, raw, owner, sig in zip(wanted, data, owners, sigs):
                if raw is not None and owner is not None:
                    article, paragraph = json.loads(owner)
                    if not isinstance(article, str) or not (
                            paragraph is None or isinstance(paragraph, int)):
                        raise BadData("an entry with a bad owner")
                    stored[key] = Stored(article, paragraph, unpack(raw),
                                         unpack_signature(sig, self.num_perm))
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
