"""The scan pipeline: read, analyse (in parallel), find within and across, collect.

``analyze_chunk`` is pure and picklable: the local engine runs it in a process pool
and the Spark engine inside its tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..clean.findings import within_findings
from ..detect.across import ARTICLE, Items, find_across
from ..detect.findings import Finding
from ..document import Article, Doc, analyze_many
from ..errors import InputError
from ..io.reader import Item, ReadOptions, iter_inputs
from ..options import CleanOptions
from ..parallel import batched, ordered_map
from ..settings import Settings
from ..sketch.minhash import band_keys, bands_for_recall, signatures
from ..sketch.sets import FlatSets
from ..sketch.shingle import shared_shingler

CHUNK_ARTICLES = 256
PROGRESS_CHUNK = 8  # articles per batch when a progress bar is shown: it moves smoothly


@dataclass
class ChunkResult:
    """What one chunk of articles contributes to a scan."""

    ids: list[str]
    paragraph_counts: list[int]
    within: list[Finding]
    article_sets: Sequence[np.ndarray]
    article_keys: np.ndarray
    paragraph_owner: list[int]  # index into this chunk's articles
    paragraph_index: list[int]
    paragraph_sets: Sequence[np.ndarray]
    paragraph_keys: np.ndarray
    docs: list[Doc] | None = None

    def __getstate__(self) -> dict[str, object]:
        # Thousands of small arrays pickle slowly: send each list as one flat array.
        state = dict(self.__dict__)
        for name in ("article_sets", "paragraph_sets"):
            table = FlatSets.of(state[name])
            state[name] = (table.flat.astype(np.uint32, copy=False), table.offsets)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name in ("article_sets", "paragraph_sets"):
            state[name] = FlatSets(*state[name])  # type: ignore[misc]
        self.__dict__.update(state)


def fingerprint(sets: list[np.ndarray], settings: Settings) -> np.ndarray:
    """LSH band keys of the given shingle sets."""
    bands, rows = bands_for_recall(settings.threshold, settings.num_perm)
    if not sets:
        return np.zeros((0, bands), dtype=np.uint64)
    return band_keys(signatures(sets, settings.num_perm, settings.seed), bands, rows)


def analyze_chunk(articles: list[Article], settings: Settings, scope: str = "all",
                  keep_docs: bool = False, options: CleanOptions | None = None) -> ChunkResult:
    shingler = shared_shingler(settings.shingle, settings.ngram)
    across = scope in ("across", "all")
    analyzed = analyze_many(articles, settings, shingler, with_articles=across)
    docs = analyzed.docs
    within: list[Finding] = []
    if scope in ("within", "all"):
        for doc in docs:
            # The cleaner's own decisions: scan reports what clean removes, and what it keeps.
            within.extend(within_findings(doc, settings,
                                          (options or CleanOptions()).for_path(doc.article.source)))
    article_sets: list[np.ndarray] = []
    owners: list[int] = []
    indices: list[int] = []
    para_sets: list[np.ndarray] = []
    if across:
        article_sets = analyzed.article_sets or []
        for k, doc in enumerate(docs):
            for i in range(len(doc.paragraphs)):
                if doc.eligible(i, settings):
                    owners.append(k)
                    indices.append(i)
                    para_sets.append(doc.shingles[i])
    return ChunkResult(
        ids=[doc.id for doc in docs],
        paragraph_counts=[len(doc.paragraphs) for doc in docs],
        within=within,
        article_sets=article_sets,
        article_keys=fingerprint(article_sets, settings),
        paragraph_owner=owners,
        paragraph_index=indices,
        paragraph_sets=para_sets,
        paragraph_keys=fingerprint(para_sets, settings),
        docs=docs if keep_docs else None,
    )


@dataclass
class ScanResult:
    articles: list[tuple[str, int]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    docs: dict[str, Doc] = field(default_factory=dict)

    @property
    def duplicates(self) -> list[Finding]:
        return [f for f in self.findings if f.is_duplicate]


Progress = Callable[[int], None]


def _articles(items: Iterable[Item], errors: list[InputError]) -> Iterator[Article]:
    """The articles of ``items``; the input errors go to ``errors``."""
    for item in items:
        if isinstance(item, InputError):
            errors.append(item)
        else:
            yield item


def map_chunks(chunks: Iterator[list[Article]], settings: Settings, scope: str, jobs: int,
               keep_docs: bool, options: CleanOptions | None = None) -> Iterator[ChunkResult]:
    """Analyse chunks in order, in ``jobs`` processes, holding a bounded window in flight."""
    return ordered_map(analyze_chunk, chunks, settings, scope, keep_docs, options, jobs=jobs)


def scan(items: Iterable[Item], settings: Settings | None = None, scope: str = "all",
         jobs: int = 1, keep_docs: bool = False, progress: Progress | None = None,
         chunk_size: int = CHUNK_ARTICLES, options: CleanOptions | None = None) -> ScanResult:
    """Find duplicates within and/or across the given articles; ``options`` say which
    rules are on (``select`` / ``ignore``), as for cleaning.

    ``progress(n)`` is called as each batch of ``n`` articles is done; batches are
    then small (:data:`PROGRESS_CHUNK`), which costs little, so the bar moves by a
    few articles at a time.
    """
    settings = settings or Settings()
    options = options or CleanOptions()
    if progress is not None:
        chunk_size = min(chunk_size, PROGRESS_CHUNK)
    result = ScanResult()
    articles, paragraphs = Items(), Items()
    ids: list[str] = []
    chunks = batched(_articles(items, result.errors), chunk_size)
    for chunk in map_chunks(chunks, settings, scope, jobs, keep_docs, options):
        base = len(ids)
        ids.extend(chunk.ids)
        result.articles.extend(zip(chunk.ids, chunk.paragraph_counts))
        result.findings.extend(chunk.within)
        if chunk.docs is not None:
            result.docs.update((doc.id, doc) for doc in chunk.docs)
        if scope in ("across", "all"):
            count = len(chunk.ids)
            articles.extend(list(range(base, base + count)), [ARTICLE] * count,
                            chunk.article_sets, chunk.article_keys)
            paragraphs.extend([base + k for k in chunk.paragraph_owner], chunk.paragraph_index,
                              chunk.paragraph_sets, chunk.paragraph_keys)
        if progress is not None:
            progress(len(chunk.ids))
    if scope in ("across", "all"):
        result.findings.extend(f for f in find_across(articles, paragraphs, ids, settings, jobs)
                               if options.on(f.rule))
    return result


def scan_paths(paths: Iterable[str], settings: Settings | None = None, scope: str = "all",
               options: ReadOptions | None = None, jobs: int = 1,
               rules: CleanOptions | None = None) -> ScanResult:
    """Scan files, directories or JSON lines for near-duplicates; ``rules`` say which
    rules are on (:class:`dedup.CleanOptions` ``select`` / ``ignore``).

    Example:
        >>> from dedup import scan_paths
        >>> result = scan_paths(["fixtures/repeated-intro.txt"], scope="within")
        >>> [(f.a.paragraph, f.b.paragraph) for f in result.duplicates]
        [(0, 2), (1, 3)]
    """
    return scan(iter_inputs(list(paths), options or ReadOptions()), settings or Settings(),
                scope=scope, jobs=jobs, keep_docs=True, options=rules)
