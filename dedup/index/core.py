"""``MinHashIndex``: a persistent, incremental index of articles and their paragraphs."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType

import numpy as np

from ..document import Doc, analyze
from ..io.reader import Article
from ..parallel import batched, ordered_map
from ..settings import Settings
from ..sketch.minhash import bands_for_recall, signatures
from ..sketch.shingle import Shingler
from .model import (
    FORMAT,
    DamagedIndexError,
    IncompatibleSettingsError,
    Match,
    MissingIndexError,
    Stats,
    batch_of,
    describe,
    doc_entries,
    fingerprints,
    prepare,
    settings_json,
    sort_matches,
    verify,
)
from .store import Store

DEFAULT_LOCATION = os.path.join(".dedup", "index.sqlite")
REDIS_SCHEMES = ("redis://", "rediss://")
BATCH_ARTICLES = 256
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

    Args:
        location: an SQLite file path (default ``.dedup/index.sqlite``) or a Redis URL
            such as ``redis://localhost:6379/0``.
        settings: the settings of a new index, or the ones to check an existing index
            against (thresholds may differ; shingle and MinHash settings may not).
            ``None`` uses the stored settings (or the defaults for a new index).
        name: the key prefix of the index in Redis (ignored for SQLite).
        create: create the index when it does not exist (else :class:`MissingIndexError`).
        busy_timeout: seconds to wait for another process's write lock (SQLite).
        cache_mb: SQLite page cache; a bulk load in one :meth:`transaction` wants it
            larger than the file.

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
        except BaseException:
            self._store.close()
            raise
        self._shingler = Shingler(self.settings.shingle, self.settings.ngram)

    # -- protocol -------------------------------------------------------------------

    def __enter__(self) -> MinHashIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        """The number of articles."""
        return self._store.count()[0]

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is an indexed article or paragraph (``article#N``)."""
        return isinstance(key, str) and self._store.contains(key)

    def __iter__(self) -> Iterator[str]:
        """The article keys, in sorted order."""
        return self._store.articles()

    def __repr__(self) -> str:
        return f"MinHashIndex({self.location!r})"

    def close(self) -> None:
        self._store.close()

    # -- writing --------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[MinHashIndex]:
        """Group adds and removes into one transaction (SQLite): all or nothing, and a
        much faster bulk load, while other writers wait.

        Example:
            >>> with MinHashIndex("big.sqlite", cache_mb=2048) as index:  # doctest: +SKIP
            ...     with index.transaction():
            ...         index.add_articles(iter_inputs(["archive/"]), jobs=8)
        """
        with self._store.transaction():
            yield self

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
        added = 0
        args = (self.settings, self.bands, self.rows)
        for batch in ordered_map(prepare, batched(articles, batch_size), *args, jobs=jobs):
            self._store.replace(batch, self._keys)
            added += len(batch)
            if progress is not None:
                progress(len(batch.articles))
        return added

    def add_docs(self, docs: Iterable[Doc], *, batch_size: int = BATCH_ARTICLES,
                 progress: Callable[[int], None] | None = None) -> int:
        """Add (or replace) articles already analysed with this index's settings (as a scan
        keeps them)."""
        added = 0
        for chunk in batched(docs, batch_size):
            batch = batch_of(chunk, self.settings, self._shingler, self.bands, self.rows)
            self._store.replace(batch, self._keys)
            added += len(batch)
            if progress is not None:
                progress(len(chunk))
        return added

    def remove(self, key: str) -> int:
        """Remove an article with its paragraphs, or one paragraph (``article#N``).

        Returns:
            The number of entries removed (0 when ``key`` is not in the index).

        Example:
            >>> index.remove("news/flood.txt")  # doctest: +SKIP
            4
        """
        return self._store.remove([key], self._keys)

    # -- reading --------------------------------------------------------------------

    def query(self, text: str, *, markdown: bool = False, exclude: str | None = None,
              limit: int | None = None) -> list[Match]:
        """Verified matches of an article or a paragraph, most similar first.

        The whole text is compared with indexed articles, and each of its eligible
        paragraphs with indexed paragraphs (``Match.query`` says which one).

        Args:
            text: an article or a single paragraph.
            markdown: segment the text as Markdown.
            exclude: an article key whose entries are left out (the text itself).
            limit: keep at most this many matches for each part of the query.

        Example:
            >>> [(m.key, round(m.jaccard, 2)) for m in index.query(text)]  # doctest: +SKIP
            [('news/flood.txt', 1.0), ('news/flood.txt#0', 1.0)]
        """
        article = Article(id="", text=text, source="<query>", markdown=markdown)
        return self.query_doc(analyze(article, self.settings, self._shingler),
                              exclude=exclude, limit=limit)

    def query_article(self, article: Article, *, exclude: str | None = None,
                      limit: int | None = None) -> list[Match]:
        """Like :meth:`query`, for an article read by :func:`dedup.iter_inputs`."""
        return self.query_doc(analyze(article, self.settings, self._shingler),
                              exclude=exclude, limit=limit)

    def query_doc(self, doc: Doc, *, exclude: str | None = None,
                  limit: int | None = None) -> list[Match]:
        """Like :meth:`query`, for an already analysed article."""
        paragraphs, sets = doc_entries(doc, self.settings, self._shingler)
        candidates = self._store.candidates(self._keys(sets))
        matches: list[Match] = []
        for part, query, found in zip(paragraphs, sets, candidates):
            verified = sort_matches(verify(query, part, found, self.settings, exclude))
            matches.extend(verified if limit is None else verified[:limit])
        return sort_matches(matches)

    def stats(self) -> Stats:
        """Counts, settings, banding and size on disk."""
        articles, entries = self._store.count()
        return Stats(self.location, self._store.backend, articles, entries, self.settings,
                     self.bands, self.rows, self._store.size_bytes())

    def _keys(self, sets: list[np.ndarray]) -> np.ndarray:
        return fingerprints(sets, self.settings, self.bands, self.rows)


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
    except (KeyError, ValueError, TypeError) as exc:
        raise DamagedIndexError(f"{location}: damaged index: bad settings ({exc})") from None
    if "probe" in meta and meta["probe"] != probe(stored):
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
