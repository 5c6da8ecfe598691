"""``MinHashIndex``: a persistent, incremental index of articles and their paragraphs."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import numpy as np

from ..document import Doc
from ..io.reader import Article
from ..parallel import batched, ordered_map
from ..settings import Settings
from ..sketch.minhash import bands_for_recall, signatures
from ..sketch.shingle import Shingler
from .analysis import prepare
from .interop import signature_of
from .model import (
    FORMAT,
    Batch,
    DamagedIndexError,
    DuplicateKeyError,
    IncompatibleSettingsError,
    Match,
    MissingIndexError,
    Stats,
    Stored,
    batch_of,
    describe,
    doc_entries,
    fingerprints,
    settings_json,
    signature_keys,
    sort_matches,
    verify,
)
from .store import Store

DEFAULT_LOCATION = os.path.join(".dedup", "index.sqlite")
REDIS_SCHEMES = ("redis://", "rediss://")
BATCH_ARTICLES = 256
SESSION_BATCH = 2000  # entries inserted in a session, written together
_NO_SHINGLES = np.zeros(0, dtype=np.uint32)
CONTAINED_RATIO = 1.5
LSH_FLOOR = 0.5


def open_store(location: str, *, name: str = "dedup", create: bool = True,
               busy_timeout: float = 30.0, cache_mb: int = 64) -> Store:
    """The back-end for ``location``: a Redis URL or an SQLite file path."""
    if location.startswith(REDIS_SCHEMES):
        from .redis import RedisStore

        return RedisStore(location, name=name, create=create)
    from .sqlite import SqliteStore

    return SqliteStore(location, create=create, busy_timeout=busy_timeout, cache_mb=cache_mb)


class MinHashIndex:
    """A persistent MinHash LSH index of articles and their paragraphs.

    Each article is stored as one entry for the whole text (key ``article``) and one
    per eligible paragraph (key ``article#N``, N counting from 0). Queries return
    verified matches: LSH finds candidates, then the exact Jaccard and containment of
    the stored shingle sets decide. The settings are stored with the index; opening it
    with other signature settings raises :class:`IncompatibleSettingsError`.

    datasketch's ``MinHashLSH`` surface works too: :meth:`insert` and :meth:`query`
    take ``datasketch.MinHash`` / ``LeanMinHash`` objects (matched by estimated
    Jaccard), :meth:`remove`, ``key in index``, :meth:`insertion_session` and
    :meth:`query_topk` (as ``MinHashLSHForest.query``).

    Args:
        location: an SQLite file path (default ``.dedup/index.sqlite``) or a Redis URL
            such as ``redis://localhost:6379/0``.
        settings: the settings of a new index, or the ones to check an existing index
            against (thresholds may differ; shingle and MinHash settings may not).
            ``None`` uses the stored settings (or the defaults for a new index).
        name: the key prefix of the index in Redis (ignored for SQLite).
        create: create the index when it does not exist (else :class:`MissingIndexError`).
        busy_timeout: seconds to wait for another process's write lock (SQLite).
        cache_mb: SQLite page cache (a bulk load is written in one ordered pass at
            the commit and needs no large cache).

    Example:
        >>> with MinHashIndex(tmp / "index.sqlite") as index:  # doctest: +SKIP
        ...     index.add("a1", "Flood waters rose in three districts overnight ...")
        ...     [m.key for m in index.query("Flood waters rose in three districts ...")]
        ['a1', 'a1#0']
    """

    def __init__(self, location: str | os.PathLike[str] = DEFAULT_LOCATION,
                 settings: Settings | None = None, *, name: str = "dedup",
                 create: bool = True, busy_timeout: float = 30.0, cache_mb: int = 64) -> None:
        self.location = os.fspath(location)
        self._store = open_store(self.location, name=name, create=create,
                                 busy_timeout=busy_timeout, cache_mb=cache_mb)
        try:
            meta = self._store.read_meta()
            if meta is None:
                if not create:
                    raise MissingIndexError(f"{self.location}: no index here")
                meta = self._store.create(new_meta(settings or Settings()))
            self.settings, self.bands, self.rows = _load_meta(self.location, meta, settings)
            self._store.num_perm = self.settings.num_perm
            current = self._store.schema_version
            if int(meta.get("schema_version", current)) < current:
                self._store.upgrade(self._rekey)
        except BaseException:
            self._store.close()
            raise
        self._shingler = Shingler(self.settings.shingle, self.settings.ngram)
        # MinHashes and texts inserted in an insertion session, not yet written.
        self._queue: dict[str, Any] | None = None
        self._bulk = 0  # transactions open

    # -- protocol -------------------------------------------------------------------

    def __enter__(self) -> MinHashIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        """The number of articles (MinHash entries count as articles)."""
        self._drain()
        return self._store.count()[0]

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is an indexed article, MinHash entry or paragraph (``article#N``)."""
        if not isinstance(key, str):
            return False
        if self._queue and key in self._queue:
            return True
        return self._store.contains(key)

    def __iter__(self) -> Iterator[str]:
        """The article keys, in sorted order."""
        self._drain()
        return self._store.articles()

    def __repr__(self) -> str:
        return f"MinHashIndex({self.location!r})"

    def close(self) -> None:
        self._store.close()

    # -- writing --------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, buffer_size: int | None = None) -> Iterator[MinHashIndex]:
        """Group adds and removes into one transaction (SQLite): all or nothing, and a
        bulk load written in one pass, while other writers wait.

        Args:
            buffer_size: entries whose band keys are kept in memory before they are
                spilled to a temporary table (SQLite), or sent (Redis).

        Example:
            >>> with MinHashIndex("big.sqlite") as index:  # doctest: +SKIP
            ...     with index.transaction():
            ...         index.add_articles(iter_inputs(["archive/"]), jobs=8)
        """
        self._bulk += 1
        try:
            with self._store.transaction(buffer_size):
                yield self
                self._drain()
        finally:
            self._bulk -= 1

    @contextmanager
    def insertion_session(self, *, buffer_size: int | None = None) -> Iterator[InsertionSession]:
        """A bulk load, as datasketch's ``MinHashLSH.insertion_session``: inserts and adds
        are written together, in one transaction (SQLite) or in pipelined batches that
        each become visible whole (Redis).

        Example:
            >>> with index.insertion_session() as session:  # doctest: +SKIP
            ...     for key, minhash in minhashes:
            ...         session.insert(key, minhash)
        """
        with self.transaction(buffer_size=buffer_size):
            outer = self._queue
            self._queue = {} if outer is None else outer
            try:
                yield InsertionSession(self)
                self._drain()
            finally:
                self._queue = outer

    def insert(self, key: str, minhash: Any, check_duplication: bool = True) -> None:
        """Insert an entry as datasketch's ``MinHashLSH.insert`` does, from a
        ``datasketch.MinHash`` / ``LeanMinHash`` (or from text, as :meth:`add`).

        An entry made from a MinHash has no shingles: its matches are estimated from the
        signatures (``Match.estimated``). It counts as an article of its own.

        Args:
            key: the entry's key.
            minhash: a MinHash with this index's ``num_perm`` and seed, or a text.
            check_duplication: refuse a key already in the index (else replace it).

        Raises:
            IncompatibleSettingsError: the MinHash has another num_perm, seed or scheme.
            DuplicateKeyError: ``key`` is in the index (a ``ValueError``).

        Example:
            >>> m = datasketch.MinHash(num_perm=128, seed=1)  # doctest: +SKIP
            >>> m.update_batch([b"flood", b"waters", b"rose"])  # doctest: +SKIP
            >>> index.insert("doc-1", m)  # doctest: +SKIP
        """
        if not isinstance(key, str):
            raise TypeError(f"keys are text, not {type(key).__name__}")
        item: Any = minhash if isinstance(minhash, str) else \
            signature_of(minhash, self.settings, self.location)
        if check_duplication and key in self:
            raise DuplicateKeyError(f"{self.location}: {key}: the given key already exists")
        if self._queue is None:
            self._write([(key, item)])
            return
        self._queue.pop(key, None)  # a key given again moves to the end
        self._queue[key] = item
        if len(self._queue) >= SESSION_BATCH:
            self._drain()

    def _drain(self) -> None:
        """Write what an insertion session has queued."""
        if self._queue:
            queued = list(self._queue.items())
            self._queue.clear()
            self._write(queued)

    def _write(self, items: Sequence[tuple[str, Any]]) -> None:
        """Texts and signatures, in order (a key given twice keeps its last value)."""
        run: list[tuple[str, Any]] = []
        for key, item in items:
            if run and isinstance(run[-1][1], str) != isinstance(item, str):
                self._write_run(run)
                run = []
            run.append((key, item))
        if run:
            self._write_run(run)

    def _write_run(self, run: list[tuple[str, Any]]) -> None:
        if isinstance(run[0][1], str):
            self.add_articles([Article(id=k, text=t, source=k) for k, t in run],
                              batch_size=len(run))
            return
        latest = dict(run)
        sigs = np.stack(list(latest.values()))
        batch = Batch(articles=list(latest), owner=list(range(len(latest))),
                      paragraph=[None] * len(latest), sets=[_NO_SHINGLES] * len(latest),
                      keys=signature_keys(sigs, self.bands, self.rows),
                      signatures=list(sigs))
        self._store.replace(batch, self._rekey)
        self._written()

    def _written(self) -> None:
        """Outside a transaction, what was written is visible when a call returns (a
        back-end may send writes in the background; a transaction waits at its end)."""
        if not self._bulk:
            self._store.settle()

    def add(self, key: str, text: str, *, markdown: bool = False) -> int:
        """Add (or replace) one article and its paragraphs.

        Args:
            key: the article's stable key; its paragraphs get ``key#N``.
            text: the article text.
            markdown: segment the text as Markdown.

        Returns:
            The number of entries stored (the article plus its eligible paragraphs).

        Example:
            >>> index.add("news/flood.txt", text)  # doctest: +SKIP
            4
        """
        self._drain()
        return self.add_articles([Article(id=key, text=text, source=key, markdown=markdown)])

    def add_articles(self, articles: Iterable[Article], *, batch_size: int = BATCH_ARTICLES,
                     jobs: int = 1, progress: Callable[[int], None] | None = None) -> int:
        """Add (or replace) articles read by :func:`dedup.iter_inputs`, keyed by their ids.

        Each batch is one transaction, so other processes see whole articles only.

        Args:
            articles: the articles; an id given twice keeps its last text.
            batch_size: articles per transaction.
            jobs: processes analysing articles while this one writes.
            progress: called with the number of articles after each batch.

        Returns:
            The number of entries stored.

        Example:
            >>> from dedup import iter_inputs
            >>> index.add_articles(iter_inputs(["news/"]), jobs=4)  # doctest: +SKIP
            12516
        """
        self._drain()
        added = 0
        args = (self.settings, self.bands, self.rows)
        for batch in ordered_map(prepare, batched(articles, batch_size), *args, jobs=jobs):
            self._store.replace(batch, self._rekey)
            added += len(batch)
            if progress is not None:
                progress(len(batch.articles))
        self._written()
        return added

    def add_docs(self, docs: Iterable[Doc], *, batch_size: int = BATCH_ARTICLES,
                 progress: Callable[[int], None] | None = None) -> int:
        """Add (or replace) articles already analysed with this index's settings (as a scan
        keeps them)."""
        self._drain()
        added = 0
        for chunk in batched(docs, batch_size):
            batch = batch_of(chunk, self.settings, self._shingler, self.bands, self.rows)
            self._store.replace(batch, self._rekey)
            added += len(batch)
            if progress is not None:
                progress(len(chunk))
        self._written()
        return added

    def remove(self, key: str) -> int:
        """Remove an article with its paragraphs, or one paragraph (``article#N``).

        Returns:
            The number of entries removed (0 when ``key`` is not in the index).

        Example:
            >>> index.remove("news/flood.txt")  # doctest: +SKIP
            4
        """
        self._drain()
        return self._store.remove([key], self._rekey)

    # -- reading --------------------------------------------------------------------

    def query(self, text: Any, *, markdown: bool = False, exclude: str | None = None,
              limit: int | None = None) -> list[Match]:
        """Verified matches of an article or a paragraph, most similar first.

        The whole text is compared with indexed articles, and each of its eligible
        paragraphs with indexed paragraphs (``Match.query`` says which one). A
        datasketch ``MinHash`` is compared with every entry, by signature (the matches
        are estimated), as ``MinHashLSH.query`` would, but with similarities.

        Args:
            text: an article or a single paragraph, or a datasketch MinHash.
            markdown: segment the text as Markdown.
            exclude: an article key whose entries are left out (the text itself).
            limit: keep at most this many matches for each part of the query.

        Example:
            >>> [(m.key, round(m.jaccard, 2)) for m in index.query(text)]  # doctest: +SKIP
            [('news/flood.txt', 1.0), ('news/flood.txt#0', 1.0)]
        """
        if not isinstance(text, str):
            signature = signature_of(text, self.settings, self.location)
            matches = self._query_signature(signature, exclude, keep_all=False)
            return matches if limit is None else matches[:limit]
        article = Article(id="", text=text, source="<query>", markdown=markdown)
        return self.query_article(article, exclude=exclude, limit=limit)

    def query_topk(self, text: Any, k: int, *, markdown: bool = False,
                   exclude: str | None = None) -> list[Match]:
        """The ``k`` entries most similar to a text or a MinHash, of any kind, most
        similar first (as datasketch's ``MinHashLSHForest.query``).

        The whole text is one set here. Candidates are the entries sharing an LSH band
        with it, so an entry far below the banding's threshold (about Jaccard 0.2 with
        the default 42 bands of 3 rows) is rarely among them and fewer than ``k`` may
        come back. Text entries are ranked by exact Jaccard, MinHash entries (or all,
        for a MinHash query) by estimated Jaccard.

        Example:
            >>> [m.key for m in index.query_topk(text, 3)]  # doctest: +SKIP
            ['news/flood.txt', 'news/flood-2.txt', 'news/flood.txt#0']
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        if not isinstance(text, str):
            signature = signature_of(text, self.settings, self.location)
            return self._query_signature(signature, exclude, keep_all=True)[:k]
        article = Article(id="", text=text, source="<query>", markdown=markdown)
        batch = prepare([article], self.settings, self.bands, self.rows)
        if not batch.paragraph or batch.paragraph[0] is not None:
            return []  # no whole-article set: nothing to compare
        whole = batch.sets[0]
        self._drain()
        found = self._store.candidates(batch.keys[:1])[0]
        return sort_matches(verify(whole, None, found, self.settings, exclude,
                                   any_kind=True, keep_all=True))[:k]

    def _query_signature(self, signature: np.ndarray, exclude: str | None, *,
                         keep_all: bool) -> list[Match]:
        self._drain()
        keys = signature_keys(signature[None, :], self.bands, self.rows)
        found = self._store.candidates(keys)[0]
        return sort_matches(verify(_NO_SHINGLES, None, found, self.settings, exclude,
                                   query_signature=signature, any_kind=True,
                                   keep_all=keep_all))

    def query_article(self, article: Article, *, exclude: str | None = None,
                      limit: int | None = None) -> list[Match]:
        """Like :meth:`query`, for an article read by :func:`dedup.iter_inputs`.

        The article is analysed as the index analyses what it stores (its entries'
        sets and band keys are those of the full analysis, tested): no sentences,
        language or within-article statistics.
        """
        batch = prepare([article], self.settings, self.bands, self.rows)
        return self._query(batch.paragraph, batch.sets, batch.keys, exclude=exclude, limit=limit)

    def query_doc(self, doc: Doc, *, exclude: str | None = None,
                  limit: int | None = None) -> list[Match]:
        """Like :meth:`query`, for an already analysed article."""
        paragraphs, sets = doc_entries(doc, self.settings, self._shingler)
        return self._query(paragraphs, sets, self._keys(sets), exclude=exclude, limit=limit)

    def _query(self, paragraphs: Sequence[int | None], sets: Sequence[np.ndarray],
               keys: np.ndarray, *, exclude: str | None, limit: int | None) -> list[Match]:
        self._drain()
        candidates = self._store.candidates(keys)
        matches: list[Match] = []
        for part, query, found in zip(paragraphs, sets, candidates):
            verified = sort_matches(verify(query, part, found, self.settings, exclude))
            matches.extend(verified if limit is None else verified[:limit])
        return sort_matches(matches)

    def stats(self) -> Stats:
        """Counts, settings, banding and size on disk."""
        self._drain()
        articles, entries = self._store.count()
        return Stats(self.location, self._store.backend, articles, entries, self.settings,
                     self.bands, self.rows, self._store.size_bytes())

    def _keys(self, sets: list[np.ndarray]) -> np.ndarray:
        return fingerprints(sets, self.settings, self.bands, self.rows)

    def _rekey(self, items: Sequence[Stored]) -> np.ndarray:
        """Band keys of stored entries: from their signature, else their shingles."""
        keys = np.zeros((len(items), self.bands), dtype=np.uint64)
        texts = [i for i, item in enumerate(items) if item.signature is None]
        sketches = [i for i, item in enumerate(items) if item.signature is not None]
        if texts:
            keys[texts] = self._keys([items[i].shingles for i in texts])
        if sketches:
            sigs = np.stack([items[i].signature for i in sketches])  # type: ignore[misc]
            keys[sketches] = signature_keys(sigs, self.bands, self.rows)
        return keys


class InsertionSession:
    """The writer :meth:`MinHashIndex.insertion_session` yields: inserts, adds and
    removes, queued and written together."""

    def __init__(self, index: MinHashIndex) -> None:
        self.index = index

    def insert(self, key: str, minhash: Any, check_duplication: bool = True) -> None:
        """As :meth:`MinHashIndex.insert`."""
        self.index.insert(key, minhash, check_duplication)

    def add(self, key: str, text: str, *, markdown: bool = False) -> None:
        """Queue an article, as :meth:`MinHashIndex.add` (its entries are counted when
        written)."""
        if markdown:
            self.index.add(key, text, markdown=True)
        else:
            self.index.insert(key, text, check_duplication=False)

    def add_articles(self, articles: Iterable[Article], **options: Any) -> int:
        """As :meth:`MinHashIndex.add_articles`."""
        return self.index.add_articles(articles, **options)

    def remove(self, key: str) -> int:
        """As :meth:`MinHashIndex.remove`."""
        return self.index.remove(key)


def lsh_threshold(settings: Settings) -> float:
    """The Jaccard the banding is tuned for: the threshold, or lower so that a paragraph
    contained (at ``settings.containment``) in one up to ``CONTAINED_RATIO`` times as long
    is a candidate too (the seed's repeated intro has Jaccard 0.53, containment 1.0),
    but never below ``LSH_FLOOR``."""
    contained = settings.containment / (1.0 + CONTAINED_RATIO - settings.containment)
    # Below 0.5 the banding turns to 64 bands of 2 rows: unrelated news paragraphs
    # would then become candidates by the thousand, and each entry would cost 64 rows.
    return max(LSH_FLOOR, min(settings.threshold, contained))


PROBE = "The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun."


def probe(settings: Settings) -> str:
    """A digest of one known text's signature: it changes if the shingle or MinHash code
    does, which equal settings alone would not reveal."""
    shingles = Shingler(settings.shingle, settings.ngram).shingles(PROBE)
    sig = signatures([shingles], settings.num_perm, settings.seed)[0]
    return hashlib.blake2b(sig.astype("<u4").tobytes(), digest_size=8).hexdigest()


def new_meta(settings: Settings) -> dict[str, str]:
    bands, rows = bands_for_recall(lsh_threshold(settings), settings.num_perm)
    return {"format": FORMAT, "settings": settings_json(settings),
            "bands": str(bands), "rows": str(rows), "probe": probe(settings)}


def _load_meta(location: str, meta: dict[str, str],
               wanted: Settings | None) -> tuple[Settings, int, int]:
    try:
        stored = Settings.from_dict(json.loads(meta["settings"]))
        bands, rows = int(meta["bands"]), int(meta["rows"])
    except Exception as exc:  # whatever a damaged JSON text turns into
        raise DamagedIndexError(f"{location}: damaged index: bad settings ({exc})") from None
    if not (bands >= 1 and rows >= 1 and bands * rows <= stored.num_perm):
        raise DamagedIndexError(f"{location}: damaged index: banding of {bands} bands x {rows} "
                                f"rows does not fit {stored.num_perm} permutations")
    found = meta.get("probe")
    if found is not None and not (len(found) == 16 and all(c in "0123456789abcdef" for c in found)):
        raise DamagedIndexError(f"{location}: damaged index: bad probe {found!r}")
    if found is not None and found != probe(stored):
        raise IncompatibleSettingsError(
            f"{location}: index signatures were made by another version of dedup's shingle "
            "or MinHash code; rebuild the index")
    if wanted is None:
        return stored, bands, rows
    if wanted.signature_key() != stored.signature_key():
        differ = {k: v for k, v in wanted.signature_key().items()
                  if stored.signature_key()[k] != v}
        raise IncompatibleSettingsError(
            f"{location}: index was built with {describe(stored.signature_key())}, "
            f"not {describe(differ)}; use the index's settings or build a new index")
    return wanted, bands, rows
