"""Redis: an add killed half-way (server or client) leaves whole articles only, each
found by a query after the restart, and a refused batch leaves nothing; buckets are
fields of one hash per band, large ones spill to sets; schema 2 indexes (a set per
bucket) are upgraded in place."""

from __future__ import annotations

import inspect
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from test_index import SYLLABLES, synthetic_article

from dedup import MinHashIndex
from dedup.index.redis import SPILL, _members
from dedup.io.reader import Article

pytestmark = pytest.mark.redis
redis = pytest.importorskip("redis")
BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A redis-server of this test's own, persisting to an append-only file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        if not os.path.exists(BINARY):
            pytest.skip("redis-server is not installed")
        self.folder, self.port = folder, _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [BINARY, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port)
        for _ in range(200):
            try:
                if client.ping():
                    break
            except redis.exceptions.BusyLoadingError:
                pass
            except redis.ConnectionError:
                pass
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        client.close()

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _bkey(value: object) -> bytes:
    return np.array([value], dtype=">u8").tobytes()


def text_of(key: str) -> str:
    return synthetic_article(random.Random(key), 1 + sum(map(ord, key)) % 4)


ADDER = f"""
import random, sys
from dedup import MinHashIndex
from dedup.io.reader import Article
from dedup.io.reader import Article
SYLLABLES = {SYLLABLES!r}
{inspect.getsource(synthetic_article)}
{inspect.getsource(text_of)}
url, name = sys.argv[1], sys.argv[2]
with MinHashIndex(url, name=name) as index:
    keys = [f"art-{{i}}" for i in range(4000)]
    index.add_articles((Article(k, text_of(k), k) for k in keys), batch_size=40)
"""


def start_adder(url: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", ADDER, url, name],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_articles(url: str, name: str, count: int, adder: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(url)
    try:
        for _ in range(1200):
            if client.hlen(f"{name}:articles") >= count or adder.poll() is not None:
                return
            time.sleep(0.01)
    finally:
        client.close()


def check_whole(url: str, name: str, text: Callable[[str], str] = text_of) -> int:
    """Every listed entry has its set, its owner and all its buckets, and a query of its
    article's ``text`` finds it; nothing is stored that is not listed. The articles."""
    client = redis.Redis.from_url(url)
    with MinHashIndex(url, name=name, create=False) as index:
        listed = {}
        for article in index:
            paragraphs = index._store._article_entries([article])[article]
            listed[article] = paragraphs
        entries = {k.decode() for k in client.hkeys(f"{name}:entries")}
        owners = {k.decode() for k in client.hkeys(f"{name}:owners")}
        every = {e for keys in listed.values() for e in keys}
        assert every == entries == owners
        stored = index._store._stored(sorted(every))
        keys = index._rekey([s for s in stored if s is not None])
        for row, entry in enumerate(sorted(every)):
            for band in range(index.bands):
                assert entry.encode() in index._store.bucket(band, int(keys[row, band])), \
                    (entry, band)
        for band in range(index.bands):  # and no bucket holds an entry that is not listed
            for value in client.hvals(index._store.table_name(band)):
                assert value == b"" or {m.decode() for m in _members(value)} <= every
        for article, paragraphs in listed.items():
            found = {m.key for m in index.query(text(article)) if m.jaccard == 1.0}
            assert set(paragraphs) <= found, article
    client.close()
    return len(listed)


@pytest.mark.slow
def test_a_server_killed_mid_add_restarts_with_whole_articles_only(tmp_path: Path) -> None:
    rng = random.Random(7)
    done = []
    for trial in range(3):
        folder = tmp_path / f"server{trial}"
        folder.mkdir()
        server = Server(folder)
        server.start()
        try:
            name = f"kill{trial}"
            adder = start_adder(server.url, name)
            wait_for_articles(server.url, name, rng.randint(40, 400), adder)
            time.sleep(rng.random() * 0.3)  # land anywhere inside a batch
            server.kill()
            adder.wait(timeout=60)
            server.start()  # replays the append-only file
            done.append(check_whole(server.url, name))
        finally:
            server.stop()
    assert all(0 < n < 4000 for n in done), done


@pytest.mark.slow
def test_a_client_killed_mid_add_leaves_whole_articles_only(server: Server) -> None:
    rng = random.Random(8)
    for trial in range(3):
        name = f"client{trial}"
        adder = start_adder(server.url, name)
        wait_for_articles(server.url, name, rng.randint(40, 400), adder)
        time.sleep(rng.random() * 0.3)
        os.kill(adder.pid, signal.SIGKILL)
        adder.wait(timeout=30)
        assert 0 < check_whole(server.url, name) < 4000


def test_one_batch_mixing_new_shared_and_existing_buckets_lists_every_entry(
        server: Server) -> None:
    """Within one script call an entry whose bucket is new and unshared is written
    directly; one whose band key recurs in the call, or whose bucket exists, is merged.
    Both kinds, side by side, leave every entry in every one of its buckets."""
    rng = random.Random(21)
    base = [synthetic_article(rng) for _ in range(6)]
    texts: dict[str, str] = {}
    with MinHashIndex(server.url, name="mix") as index:
        old = [Article(f"old{i}", base[i], f"old{i}") for i in range(3)]
        index.add_articles(old)
        batch = [Article(f"new{i}", synthetic_article(rng), f"new{i}") for i in range(20)]
        batch += [Article(f"again{i}", base[i % 6], f"again{i}") for i in range(9)]
        index.add_articles(batch, batch_size=len(batch))
        texts = {article.id: article.text for article in old + batch}
        for i in range(6):  # the old copies, the repeats within the batch and each other
            found = {m.article for m in index.query(base[i]) if m.jaccard == 1.0}
            assert found >= {f"again{j}" for j in range(9) if j % 6 == i}
            assert i >= 3 or f"old{i}" in found
    assert check_whole(server.url, "mix", texts.__getitem__) == 32


def test_buckets_are_fields_of_one_hash_per_band(server: Server) -> None:
    """An entry costs a field per band, not a key per band; a bucket that fills up moves
    to a set of its own, and emptied buckets leave nothing behind."""
    client = redis.Redis(host="127.0.0.1", port=server.port)
    with MinHashIndex(server.url, name="lay") as index:
        entries = index.add("one", text_of("one"))
        assert entries >= 2
        keys = index._rekey([s for s in index._store._stored(index._store._article_entries(
            ["one"])["one"]) if s is not None])
        for band in (0, index.bands - 1):
            assert index._store.bucket(band, int(keys[0, band])) == {b"one"}
        # The index's hashes and one hash per band: no key per bucket.
        assert client.dbsize() == 4 + index.bands
        assert index.remove("one") == entries
        assert client.dbsize() == 1  # only the metadata is left

        copies = [f"copy-{i}" for i in range(SPILL + 3)]
        text = text_of("spilled")
        with index.insertion_session():
            index.add_articles([Article(k, text, k) for k in copies[:5]])
        for key in copies[5:]:  # one at a time: the bucket fills up across calls
            index.add(key, text)
        whole = index._rekey(index._store._stored(copies[:1]))  # type: ignore[arg-type]
        table = index._store.table_name(0)
        field = _bkey(whole[0, 0])
        members = index._store.bucket(0, int(whole[0, 0]))
        assert client.hget(table, field) == b"" and client.scard(table + field) == len(members)
        assert {k.encode() for k in copies} <= members
        assert {m.article for m in index.query(text) if m.kind == "article"} == set(copies)
        for key in copies:
            index.remove(key)
        assert client.dbsize() == 1 and not index.query(text)
    client.close()


def test_a_schema_2_index_is_upgraded_in_place(server: Server, tmp_path: Path) -> None:
    """An index written by the code of schema 2 (datasketch's layout: a set per bucket)
    answers the same after the upgrade, which leaves none of the old keys."""
    from test_index_storage import _old_code

    code = _old_code(tmp_path / "v2", "SCHEMA_VERSION = 2", "dedup/index/model.py")
    keys = [f"old-{i}" for i in range(30)]
    writer = f"""
import random, sys
from dedup import MinHashIndex
from dedup.io.reader import Article
SYLLABLES = {SYLLABLES!r}
{inspect.getsource(synthetic_article)}
{inspect.getsource(text_of)}
with MinHashIndex(sys.argv[1], name="up") as index:
    index.add_articles(Article(k, text_of(k), k) for k in {keys!r})
    index.add("gone", text_of("gone"))
    index.remove("gone")
"""
    subprocess.run([sys.executable, "-c", writer, server.url], check=True, timeout=300,
                   env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    client = redis.Redis(host="127.0.0.1", port=server.port)
    assert client.hget("up:meta", "schema_version") == b"2"
    assert client.exists(b"up_bucket_\x00\x00")
    with MinHashIndex(server.url, name="up", create=False) as index:
        assert client.hget("up:meta", "schema_version") == b"3"
        assert not client.keys(b"up_bucket_*") and not client.exists("up:upgrading")
        assert len(index) == len(keys)
        for key in keys:
            assert key in {m.article for m in index.query(text_of(key)) if m.jaccard == 1.0}
        index.add("new", text_of("new"))
        assert "new" in {m.article for m in index.query(text_of("new"))}
    assert check_whole(server.url, "up") == len(keys) + 1
    client.close()


def test_a_bulk_add_is_one_read_and_one_transaction_per_batch(server: Server) -> None:
    """Pipelined: a batch of articles is one pipelined read of which buckets exist and
    one MULTI/EXEC, writing each band's new buckets with one HSET and the others with one
    script call: a few commands per band and batch, not 42 commands per entry."""
    rng = random.Random(9)
    client = redis.Redis(host="127.0.0.1", port=server.port)
    with MinHashIndex(server.url, name="rt") as index:
        client.config_resetstat()
        with index.insertion_session():
            index.add_articles([Article(f"a{i}", synthetic_article(rng), f"a{i}")
                                for i in range(200)], batch_size=100)
        assert index.stats().entries == 800
        bands = index.bands
    stats = client.info("commandstats")
    client.close()
    calls = {name.removeprefix("cmdstat_"): stat["calls"] for name, stat in stats.items()}
    assert calls["exec"] == 2 and calls.get("eval", 0) <= 2
    # Per batch: the articles' old entries; each band's fields once by the read and
    # once by the script; each band's new fields, the entries, their owners, the
    # articles; and the script's writes.
    assert calls["hmget"] <= 2 * (1 + 2 * bands)
    assert calls["hset"] <= 2 * (2 * bands + 3) and "sadd" not in calls


def test_a_batch_written_in_the_background_is_visible_on_return_and_its_error_raised(
        server: Server) -> None:
    """Batches go out from a writer thread while the next one is analysed: outside a
    transaction an add is visible to other clients when it returns, and a batch the
    server refuses raises from the call that wrote it (or the session's end), never
    silently."""
    from dedup.index.model import IndexStoreError, NotAnIndexError

    rng = random.Random(4)
    other = redis.Redis(host="127.0.0.1", port=server.port)
    articles = [Article(f"a{i}", synthetic_article(rng), f"a{i}") for i in range(30)]
    with MinHashIndex(server.url, name="bg") as index:
        index.add_articles(articles[:20], batch_size=5)
        assert other.hlen("bg:articles") == 20  # seen by another connection
        index.add("single", synthetic_article(rng))
        assert other.hexists("bg:articles", "single")
        # A band hash that is not a hash: refused before anything is written (a command
        # failing inside EXEC would not undo the rest of the transaction).
        other.delete(index._store.table_name(7))
        other.set(index._store.table_name(7), "not a hash")
        with pytest.raises(NotAnIndexError, match="bg"):
            index.add_articles(articles[20:], batch_size=5)
        assert other.hlen("bg:articles") == 21
        other.delete(index._store.table_name(7))
        # A server out of memory refuses the transaction as it runs, in the writer
        # thread: the error reaches the caller and nothing of the batch is stored.
        other.config_set("maxmemory-policy", "noeviction")
        other.config_set("maxmemory", 1)
        with pytest.raises(IndexStoreError, match=r"Redis error: .*maxmemory'\.?$"):
            index.add_articles(articles[20:], batch_size=5)
        with pytest.raises(IndexStoreError, match=r"Redis error: .*maxmemory'\.?$"), \
                index.insertion_session():
            index.add_articles(articles[20:], batch_size=5)
        other.config_set("maxmemory", 0)
        assert other.hlen("bg:articles") == 21
        index.add_articles(articles[20:], batch_size=5)
        assert index.stats().articles == 31
    other.close()


def test_a_bucket_opened_by_another_client_during_a_batch_is_merged_not_overwritten(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch watches the band hashes from its read of which buckets exist to its
    EXEC: another client adding the same paragraph in between makes the transaction
    fail, and the batch, read again, joins that client's buckets."""
    from dedup.index.redis import RedisStore

    text = text_of("shared")
    read = RedisStore._new_buckets
    interfered: list[bool] = []

    def meanwhile(self: RedisStore, *args: object) -> object:
        found = read(self, *args)  # type: ignore[arg-type]
        if not interfered:
            interfered.append(True)
            with MinHashIndex(server.url, name="race") as other:
                other.add("theirs", text)
        return found

    with MinHashIndex(server.url, name="race") as index:
        monkeypatch.setattr(RedisStore, "_new_buckets", meanwhile)
        index.add("ours", text)
        monkeypatch.undo()
        found = {m.article for m in index.query(text) if m.jaccard == 1.0}
    assert interfered and found == {"ours", "theirs"}
    assert check_whole(server.url, "race", lambda key: text) == 2


def test_a_batch_raced_by_other_writers_every_time_goes_by_the_script(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers racing on the same bands would abort a watched batch again and again:
    after two tries it is sent unwatched, every membership merged by the script."""
    from dedup.index.redis import RedisStore

    read = RedisStore._new_buckets
    racers: list[str] = []

    def meanwhile(self: RedisStore, *args: object) -> object:
        found = read(self, *args)  # type: ignore[arg-type]
        key = f"theirs-{len(racers)}"
        racers.append(key)
        with MinHashIndex(server.url, name="busy") as other:
            monkeypatch.setattr(RedisStore, "_new_buckets", read)
            other.add(key, text_of(key))
            monkeypatch.setattr(RedisStore, "_new_buckets", meanwhile)
        return found

    with MinHashIndex(server.url, name="busy") as index:
        monkeypatch.setattr(RedisStore, "_new_buckets", meanwhile)
        index.add("ours", text_of("ours"))
        monkeypatch.undo()
    assert len(racers) == 2  # two watched tries, then the script alone
    assert check_whole(server.url, "busy") == 3
