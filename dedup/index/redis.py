"""The shared back-end: Redis.

Under a name (the key prefix, ``dedup`` by default) an index keeps:

* ``<name>:meta`` (hash): format, schema version, settings, banding;
* ``<name>:articles`` (hash): article key -> JSON list of its paragraph numbers;
* ``<name>:entries`` (hash): entry key -> shingle set as bytes (empty for a MinHash entry);
* ``<name>:owners`` (hash): entry key -> JSON ``[article, paragraph]``;
* ``<name>:signatures`` (hash): entry key -> signature, for entries inserted as a MinHash;
* per band, ``<name>:band:<band>`` (hash; the band number as 2 big-endian bytes): band
  key (8 big-endian bytes) -> the bucket's entry keys, each after its length (2
  big-endian bytes). A bucket that reaches :data:`SPILL` entries moves to a set of its
  own, ``<name>:band:<band><band key>``, and its field holds the empty string.

Almost every bucket holds one entry (band keys are 64-bit hashes), so an entry costs
one hash field per band, not a key per band: schema 2 kept a set and a field for each
bucket (datasketch's Redis layout), 17 KB of Redis memory per paragraph and most of a
bulk add's server time. Schema 2 indexes are upgraded when opened.

Every value is bytes, text or JSON (never pickled). Each batch of writes (the entries
of some articles, their bucket memberships, the article list, and the removal of what
they replace) is one ``MULTI``/``EXEC`` transaction, so an interrupted add (client or
server killed) leaves each article either wholly in or wholly out: an entry is listed
only together with its bands. Most band keys of a bulk add open new buckets (93% on
real news): the batch watches the band hashes, reads which of its band keys have a
bucket, and writes a key that has none, and that no other entry of the batch has, as a
plain field (one ``HSET`` per band for all of them); a Lua script merges the others
into their buckets. Another client changing a band hash between the read and ``EXEC``
makes the transaction fail, and the batch is read and sent again; after two such tries
(writers racing) it goes by the script alone, which needs no watch. The band commands
are packed in bulk (:mod:`dedup.index.resp`), and all but the read's outcome is
prepared in the caller's thread.

A batch's read and transaction are sent from a writer thread while the caller analyses
the next batch, so a bulk add costs about the larger of the client's and the server's
time, not their sum. One batch is in flight at a time; every other call waits for it
first and raises its error, if any.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np

from . import resp
from .model import (
    FORMAT,
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

# 1, entries and buckets; 2, MinHash entries; 3, buckets as fields of one hash per band.
SCHEMA_VERSION = 3
SPILL = 32  # entries of a bucket kept in its field; more move to a set of its own
MAX_KEY_BYTES = 0xFFFF  # an entry key's length is stored in 2 bytes

# ARGV: "add" or "remove", the band tables' name prefix, the band count, SPILL, the
# band keys of the memberships (8 bytes each, band by band), the memberships (per band,
# a count and that many 1-based entry numbers, 4 big-endian bytes each), then one entry
# key per entry.
_BUCKETS = """
local op, prefix, bands, spill = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local blob, which = ARGV[5], ARGV[6]
local first = 6
local n = #ARGV - first
local CHUNK = 1000

local function members(value)
  local out, at = {}, 1
  while at <= #value do
    local size = struct.unpack('>H', value, at)
    out[#out + 1] = string.sub(value, at + 2, at + 1 + size)
    at = at + 2 + size
  end
  return out
end

local function encode(list)
  local parts = {}
  for i, member in ipairs(list) do parts[i] = struct.pack('>H', #member) .. member end
  return table.concat(parts)
end

local function has(list, member)
  for _, other in ipairs(list) do
    if other == member then return true end
  end
  return false
end

local encoded = {}
for i = 1, n do
  local member = ARGV[first + i]
  encoded[i] = struct.pack('>H', #member) .. member
end

local key_at, which_at = 1, 1
for band = 0, bands - 1 do
  local table_name = prefix .. struct.pack('>H', band)
  local m
  m, which_at = struct.unpack('>I4', which, which_at)
  local bkeys, rows = {}, {}
  for j = 1, m do
    rows[j], which_at = struct.unpack('>I4', which, which_at)
    bkeys[j] = string.sub(blob, key_at, key_at + 7)
    key_at = key_at + 8
  end
  -- writes: field, value, field, value, ... (false: delete the field); slot: a bucket
  -- this call has changed -> its value's place in writes, which is its current value.
  local writes, slot, w = {}, {}, 0
  for s = 1, m, CHUNK do
    local e = math.min(m, s + CHUNK - 1)
    local found = redis.call('HMGET', table_name, unpack(bkeys, s, e))
    for j = s, e do
      local i = rows[j]
      local bkey, member = bkeys[j], ARGV[first + i]
      local at = slot[bkey]
      local value = found[j - s + 1]
      if at then value = writes[at] end
      local new = nil  -- the bucket's value after this entry, when it changes
      if op == 'add' then
        if not value then
          new = encoded[i]
        elseif value == '' then
          redis.call('SADD', table_name .. bkey, member)
        else
          local list = members(value)
          if not has(list, member) then
            if #list + 1 >= spill then
              list[#list + 1] = member
              redis.call('SADD', table_name .. bkey, unpack(list))
              new = ''
            else
              new = value .. encoded[i]
            end
          end
        end
      elseif value == '' then
        redis.call('SREM', table_name .. bkey, member)
        if redis.call('EXISTS', table_name .. bkey) == 0 then new = false end
      elseif value then
        local kept = {}
        for _, other in ipairs(members(value)) do
          if other ~= member then kept[#kept + 1] = other end
        end
        new = #kept > 0 and encode(kept) or false
      end
      if new ~= nil then
        if not at then
          w = w + 2
          writes[w - 1] = bkey
          at = w
          slot[bkey] = w
        end
        writes[at] = new
      end
    end
  end
  local sets, deletes = writes, {}
  if op ~= 'add' then
    sets = {}
    for j = 1, w, 2 do
      if writes[j + 1] then
        sets[#sets + 1] = writes[j]
        sets[#sets + 1] = writes[j + 1]
      else
        deletes[#deletes + 1] = writes[j]
      end
    end
  end
  for s = 1, #sets, 2 * CHUNK do
    redis.call('HSET', table_name, unpack(sets, s, math.min(#sets, s + 2 * CHUNK - 1)))
  end
  for s = 1, #deletes, CHUNK do
    redis.call('HDEL', table_name, unpack(deletes, s, math.min(#deletes, s + CHUNK - 1)))
  end
end
return n
"""
_SCRIPT_ENTRIES = 4000  # entries per script call: keeps one call's run time short
_UPGRADE_BATCH = 2000  # entries rewritten per transaction when an index is upgraded
_WATCH_TRIES = 2  # watched tries of a batch before it goes by the script alone


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
                              "socket_timeout": 300,
                              # a batch's reads come back as replies of tens of KB each,
                              # sent together: fewer, larger reads of the socket
                              "socket_read_size": 1 << 20}
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
        self._prefix = name.encode() + b":band:"
        self._old_prefix = name.encode() + b"_bucket_"  # schema 1 and 2
        self._upgrading = f"{name}:upgrading"
        self._bands = 0
        self._writer: threading.Thread | None = None
        self._failure: BaseException | None = None

    def settle(self) -> None:
        """Wait for the batch in flight, raising its error."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.join()
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _send(self, pending: _Pending) -> None:
        """Execute ``pending`` in the writer thread (after the batch before it)."""
        self.settle()

        def execute() -> None:
            try:
                with self._guard():
                    self._transact(pending)
            except BaseException as exc:  # raised by the next call, in the caller's thread
                self._failure = exc

        self._writer = threading.Thread(target=execute, name="dedup-redis-writer", daemon=True)
        self._writer.start()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            # a pipeline's error quotes the failed command, binary arguments and all
            text = str(exc).rpartition(" of pipeline caused error: ")[2]
            if "WRONGTYPE" in text:
                raise NotAnIndexError(f"{self.location}: not a dedup index ({text})") from None
            raise IndexStoreError(f"{self.location}: Redis error: {text}") from None
        except (BadData, ValueError, TypeError, KeyError) as exc:  # JSON, lengths, types
            raise DamagedIndexError(f"{self.location}: damaged index: {exc}") from None

    def table_name(self, band: int) -> bytes:
        """The hash of band ``band``'s buckets."""
        return self._prefix + struct.pack(">H", band)

    def bucket(self, band: int, bkey: int) -> set[bytes]:
        """The entry keys in one bucket (for checks and tests)."""
        self.settle()
        name = self.table_name(band)
        field = struct.pack(">Q", bkey)
        with self._guard():
            value = self._db.hget(name, field)
            if value == b"":
                return set(self._db.smembers(name + field))
        return set() if value is None else set(_members(value))

    # -- metadata -------------------------------------------------------------------

    def read_meta(self) -> dict[str, str] | None:
        self.settle()
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
        self.settle()
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
        """Schema 1 or 2 -> 3: every entry's buckets are written again as fields of the
        band hashes (its band keys from its signature or shingles), then the version
        changes, then the old sets go. One process upgrades; others wait for it. An
        upgrade cut short is done again from the start by the next open: adding an
        entry to a bucket that holds it changes nothing."""
        self.settle()
        with self._guard():
            deadline = time.monotonic() + 600
            while not self._db.set(self._upgrading, "1", nx=True, ex=3600):
                if self._version() >= SCHEMA_VERSION:
                    return
                if time.monotonic() > deadline:
                    raise IndexStoreError(f"{self.location}: another process has been "
                                          f"upgrading the index for 10 minutes (delete "
                                          f"{self._upgrading} if it died)")
                time.sleep(0.2)
            try:
                if self._version() >= SCHEMA_VERSION:
                    return
                cursor = 0
                while True:
                    cursor, found = self._db.hscan(self._entries, cursor, count=_UPGRADE_BATCH)
                    keys = [k.decode() for k in found]
                    stored = self._stored(keys)
                    present = [(k, s) for k, s in zip(keys, stored) if s is not None]
                    if present:
                        pipe = self._db.pipeline(transaction=True)
                        self._buckets(pipe, "add", rekey([s for _, s in present]),
                                      [k.encode() for k, _ in present])
                        pipe.execute()
                    if cursor == 0:
                        break
                self._db.hset(self._meta, "schema_version", str(SCHEMA_VERSION))
                for band in range(self._bands):
                    table = self._old_prefix + struct.pack(">H", band)
                    cursor = 0
                    while True:
                        cursor, fields = self._db.hscan(table, cursor, count=_UPGRADE_BATCH)
                        if fields:
                            self._db.delete(*fields.values())
                        if cursor == 0:
                            break
                    self._db.delete(table)
            finally:
                self._db.delete(self._upgrading)

    def _version(self) -> int:
        raw = self._db.hget(self._meta, "schema_version")
        return int(raw) if raw is not None and raw.isdigit() else 0

    # -- writes ---------------------------------------------------------------------

    def _transact(self, pending: _Pending) -> None:
        """One ``MULTI``/``EXEC`` of ``pending``: a band key that no other entry of the
        batch has and no bucket holds opens its bucket with one field (one ``HSET`` per
        band for all of them); the script merges the others into their buckets."""
        tables = [self.table_name(band) for band in range(self._bands)]
        for attempt in range(_WATCH_TRIES + 1):
            # After the watched tries, with writers racing: no read, every membership
            # merged by the script, which is atomic on its own (and never aborts).
            watched = bool(pending.members) and attempt < _WATCH_TRIES
            with self._db.pipeline(transaction=True) as pipe:
                pipe.watch(*(tables if watched else [self._meta]))
                conn = pipe.connection  # held by the pipeline while it watches
                try:
                    if self._exchange(conn, pending, tables, read=watched):
                        return
                except BaseException:
                    conn.disconnect()  # replies may be left unread
                    raise
        raise IndexStoreError(f"{self.location}: a batch's transaction was refused "
                              f"{_WATCH_TRIES + 1} times")

    def _exchange(self, conn: Any, pending: _Pending, tables: list[bytes], *,
                  read: bool) -> bool:
        """Read which buckets exist (if ``read``), then send the transaction; false when
        another client changed a watched band meanwhile (nothing was written)."""
        from redis.exceptions import ResponseError

        if read:
            direct, writes = self._new_buckets(conn, pending, tables)
        else:
            direct, writes = np.zeros(pending.keys.shape, dtype=bool), []
        calls = list(pending.commands)
        merged = np.flatnonzero(~direct.all(axis=1))
        if merged.size:
            rest = _Recorder()
            self._buckets(rest, "add", pending.keys[merged],
                          [pending.members[i] for i in merged], ~direct[merged])
            calls += rest.calls
        conn.send_packed_command([b"".join([resp.MULTI, *calls, *writes, resp.EXEC])])
        failure: Exception | None = None
        for _ in range(1 + len(calls) + len(writes) // 2):  # +OK, +QUEUED or an error
            try:
                conn.read_response()
            except ResponseError as exc:
                failure = failure or exc
        try:
            replies = conn.read_response()
        except ResponseError as exc:  # EXECABORT: a command was refused
            raise failure or exc from None
        if replies is None:
            return False
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return True

    def _new_buckets(self, conn: Any, pending: _Pending, tables: list[bytes]
                     ) -> tuple[np.ndarray, list[bytes]]:
        """Where (entries x bands) a band key opens a new bucket, and the ``HSET`` of
        those buckets: read on the watching connection ``conn``."""
        direct = pending.alone.copy()
        writes = []
        if pending.reads:  # not in MULTI/EXEC, which would end the WATCH
            conn.send_packed_command([b"".join(r[2] for r in pending.reads)])
            for band, rows, _, arguments, bounds in pending.reads:
                found = conn.read_response()
                exist = np.flatnonzero([value is not None for value in found])
                direct[rows[exist], band] = False
                if exist.size < rows.size:
                    writes += [resp.header(b"HSET", tables[band], rows.size - exist.size, 2),
                               resp.without(arguments, bounds, exist)]
        return direct, writes

    def _buckets(self, pipe: Any, op: str, keys: np.ndarray, members: list[bytes],
                 take: np.ndarray | None = None) -> None:
        """Queue the scripts adding (or removing) entries ``members`` to (from) their
        buckets: in every band, or where ``take`` (entries x bands) is true."""
        if take is None:
            take = np.ones(keys.shape, dtype=bool)
        for start in range(0, len(members), _SCRIPT_ENTRIES):
            end = start + _SCRIPT_ENTRIES
            part, chosen = keys[start:end], take[start:end]
            blob, which = [], []
            for band in range(self._bands):
                rows = np.flatnonzero(chosen[:, band])
                blob.append(np.ascontiguousarray(part[rows, band], dtype=">u8").tobytes())
                which.append(len(rows).to_bytes(4, "big") + (rows + 1).astype(">u4").tobytes())
            pipe.eval(_BUCKETS, 0, op, self._prefix, self._bands, SPILL, b"".join(blob),
                      b"".join(which), *members[start:end])

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

    def _check_bands(self) -> None:
        """Refuse to write when a band table is not a hash: a command failing inside
        ``EXEC`` does not undo the others, so a batch would be listed without its bands."""
        with self._guard():
            pipe = self._db.pipeline(transaction=False)
            for band in range(self._bands):
                pipe.type(self.table_name(band))
            for band, kind in enumerate(pipe.execute()):
                if kind not in (b"hash", b"none", "hash", "none"):
                    name = self.table_name(band).decode("utf-8", "replace")
                    raise NotAnIndexError(f"{self.location}: not a dedup index ({name!r} "
                                          f"is a {kind.decode() if isinstance(kind, bytes) else kind}, "
                                          "not a hash)")

    def replace(self, batch: Batch, rekey: Rekey) -> None:
        # Prepared while the batch before is in flight, as if its articles were new,
        # and again once that batch is in for articles the index already has.
        pending = self._pending(batch, rekey, {})
        self.settle()  # the entries it replaces may be in the batch in flight
        self._check_bands()
        old = self._article_entries(batch.articles)
        if old:
            old_keys = [k for keys in old.values() for k in keys]
            pending = self._pending(batch, rekey, dict(zip(old_keys, self._stored(old_keys))))
        self._send(pending)

    def _pending(self, batch: Batch, rekey: Rekey, old_values: dict[str, Stored | None]
                 ) -> _Pending:
        """The transaction writing ``batch`` in place of the entries ``old_values`` of
        its articles (the unchanged ones are kept)."""
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
            if len(key.encode()) > MAX_KEY_BYTES:
                raise IndexStoreError(f"{self.location}: {key[:60]}...: a key longer than "
                                      f"{MAX_KEY_BYTES} bytes")
            fresh.append(i)
            entries[key] = pack(shingles)
            owners[key] = json.dumps([article, paragraph])
            if signature is not None:
                sigs[key] = pack(signature)
        commands = _Recorder()
        self._removal(commands, list(old_values), rekey)
        if entries:
            commands.hset(self._entries, mapping=entries)
            commands.hset(self._owners, mapping=owners)
        if sigs:
            commands.hset(self._signatures, mapping=sigs)
        commands.hset(self._articles, mapping={a: json.dumps(p) for a, p in paragraphs.items()})
        keys = batch.keys[np.array(fresh, dtype=np.intp), : self._bands]
        members = [entry_key(batch.articles[batch.owner[i]], batch.paragraph[i]).encode()
                   for i in fresh]
        tables = [self.table_name(band) for band in range(self._bands)]
        return _Pending.of(commands.calls, keys, members, tables)

    def remove(self, keys: Sequence[str], rekey: Rekey) -> int:
        self.settle()
        self._check_bands()
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
        try:
            yield
        finally:
            self.settle()

    # -- reads ----------------------------------------------------------------------

    def candidates(self, keys: np.ndarray) -> list[list[Stored]]:
        self.settle()
        rows = keys.shape[0]
        if rows == 0:
            return []
        packed = np.ascontiguousarray(keys, dtype=">u8").tobytes()
        width = keys.shape[1]
        bands = min(self._bands, width)
        with self._guard():
            pipe = self._db.pipeline(transaction=False)
            for band in range(bands):
                pipe.hmget(self.table_name(band), [packed[(row * width + band) * 8:
                                                          (row * width + band + 1) * 8]
                                                   for row in range(rows)])
            found = pipe.execute()
            members: list[set[bytes]] = [set() for _ in range(rows)]
            spilled: list[tuple[int, bytes]] = []
            for band, values in enumerate(found):
                for row, value in enumerate(values):
                    if value == b"":
                        at = (row * width + band) * 8
                        spilled.append((row, self.table_name(band) + packed[at: at + 8]))
                    elif value is not None:
                        members[row].update(_members(value))
            if spilled:
                pipe = self._db.pipeline(transaction=False)
                for _, name in spilled:
                    pipe.smembers(name)
                for (row, _), bucket in zip(spilled, pipe.execute()):
                    members[row].update(bucket)
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
        self.settle()
        with self._guard():
            return bool(self._db.hexists(self._articles, key) or self._db.hexists(self._entries, key))

    def articles(self) -> Iterator[str]:
        self.settle()
        with self._guard():
            keys = sorted(k.decode() for k in self._db.hkeys(self._articles))
        yield from keys

    def count(self) -> tuple[int, int]:
        self.settle()
        with self._guard():
            return int(self._db.hlen(self._articles)), int(self._db.hlen(self._entries))

    def size_bytes(self) -> int | None:
        return None

    def close(self) -> None:
        try:
            self.settle()
        finally:
            self._db.close()


class _Recorder:
    """Commands of a pipeline packed for later, in the Redis protocol."""

    def __init__(self) -> None:
        self.calls: list[bytes] = []

    def hset(self, name: str, *, mapping: dict[str, Any]) -> None:
        self.calls.append(resp.command("HSET", name, *(x for p in mapping.items() for x in p)))

    def hdel(self, name: str, *keys: str) -> None:
        self.calls.append(resp.command("HDEL", name, *keys))

    def eval(self, script: str, numkeys: int, *args: Any) -> None:
        self.calls.append(resp.command("EVAL", script, numkeys, *args))


@dataclass
class _Pending:
    """A batch's transaction as prepared in the caller's thread: all but what depends
    on which buckets exist, read by the writer under ``WATCH``."""

    commands: list[bytes]  # the removal of what the batch replaces, entries, articles
    keys: np.ndarray  # the new entries' band keys (entries x bands)
    members: list[bytes]  # their entry keys
    alone: np.ndarray  # (entries x bands) a band key that no other entry of the batch has
    # Per band: the rows of its alone band keys, their HMGET, their HSET's arguments and
    # where each row's pair starts there (the writer cuts out rows whose bucket exists).
    reads: list[tuple[int, np.ndarray, bytes, bytes, np.ndarray]]

    @classmethod
    def of(cls, commands: list[bytes], keys: np.ndarray, members: list[bytes],
           tables: list[bytes]) -> _Pending:
        order = np.argsort(keys, axis=0, kind="stable")
        ranked = np.take_along_axis(keys, order, axis=0)
        same = ranked[1:] == ranked[:-1]
        repeated = np.zeros(keys.shape, dtype=bool)
        repeated[1:] |= same
        repeated[:-1] |= same
        alone = np.empty(keys.shape, dtype=bool)
        np.put_along_axis(alone, order, ~repeated, axis=0)
        reads = []
        writes = resp.BucketWrites.of(members)
        for band, table in enumerate(tables):
            rows = np.flatnonzero(alone[:, band])
            if rows.size:
                read = resp.header(b"HMGET", table, len(rows)) + resp.band_fields(
                    keys[rows, band]).tobytes()
                reads.append((band, rows, read, *writes.arguments(keys[:, band], rows)))
        return cls(commands, keys, members, alone, reads)


def _members(value: bytes) -> list[bytes]:
    """The entry keys of a bucket's field: each after its length in 2 bytes."""
    out = []
    at, size = 0, len(value)
    while at < size:
        if at + 2 > size:
            raise BadData("a bucket field cut short")
        length = int.from_bytes(value[at: at + 2], "big")
        out.append(value[at + 2: at + 2 + length])
        at += 2 + length
    if at != size:
        raise BadData("a bucket field cut short")
    return out
