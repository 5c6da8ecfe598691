"""Cleaning a corpus: canonical articles, across-article drops, and the new file contents.

Nothing here writes: :func:`clean_inputs` returns, for each input file, its old and
new bytes and what happened to each article; the command line decides whether to
write, diff or check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

from ..clean.engine import Canonical, canonicalize
from ..clean.keep import Pair, Record, survivors
from ..detect.across import ARTICLE, Items, candidate_pairs, verify
from ..document import analyze
from ..io.reader import Article, InputError, ReadOptions, iter_inputs
from ..io.writer import encode_text, jsonl_lines, rewrite_jsonl
from ..settings import Settings
from ..sketch.shingle import Shingler
from .scan import analyze_chunk

CHUNK = 128
MAX_COPIES = 32  # identical copies paired with each other, beyond which the first few stand in


@dataclass(frozen=True)
class Dropped:
    """A whole article that duplicates an article that is kept."""

    kept: str
    jaccard: float
    containment: float


@dataclass
class ArticleOutcome:
    article: Article
    paragraphs: int
    canonical: Canonical
    dropped: Dropped | None = None
    duplicate: Dropped | None = None  # a whole file that repeats another (reported, kept)

    @property
    def changed(self) -> bool:
        return self.dropped is not None or self.canonical.text != self.article.text


@dataclass
class FileOutcome:
    """One input: its content before and after (decompressed for .jsonl.gz)."""

    path: str
    old: bytes
    new: bytes
    articles: list[ArticleOutcome] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass
class CleanResult:
    files: list[FileOutcome] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)

    @property
    def articles(self) -> list[ArticleOutcome]:
        return [a for f in self.files for a in f.articles]


Progress = Callable[[int], None]


def _canonicalize_chunk(articles: list[Article], settings: Settings, keep: str,
                        fix_joins: bool) -> list[tuple[int, Canonical]]:
    shingler = Shingler(settings.shingle, settings.ngram)
    out = []
    for article in articles:
        doc = analyze(article, settings, shingler)
        out.append((len(doc.paragraphs), canonicalize(doc, settings, keep, fix_joins)))
    return out


def _chunks(articles: Sequence[Article], size: int) -> Iterator[list[Article]]:
    for start in range(0, len(articles), size):
        yield list(articles[start:start + size])


def canonical_all(articles: Sequence[Article], settings: Settings, keep: str, fix_joins: bool,
                  jobs: int = 1, progress: Progress | None = None) -> list[tuple[int, Canonical]]:
    """Canonical versions of every article, in order, in ``jobs`` processes."""
    results: list[tuple[int, Canonical]] = []
    if jobs <= 1:
        for chunk in _chunks(articles, CHUNK):
            results.extend(_canonicalize_chunk(chunk, settings, keep, fix_joins))
            if progress:
                progress(len(chunk))
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_canonicalize_chunk, chunk, settings, keep, fix_joins)
                   for chunk in _chunks(articles, CHUNK)]
        for future in futures:
            part = future.result()
            results.extend(part)
            if progress:
                progress(len(part))
    return results


def across_drops(articles: Sequence[Article], settings: Settings, keep: str) -> dict[int, Dropped]:
    """Articles (by position) that duplicate a kept article, under the keep policy."""
    items = Items()
    for base in range(0, len(articles), CHUNK):
        chunk = analyze_chunk(list(articles[base:base + CHUNK]), settings, scope="across")
        count = len(chunk.ids)
        items.extend(list(range(base, base + count)), [ARTICLE] * count,
                     chunk.article_sets, chunk.article_keys)
    verified = verify(items, candidate_pairs(items.key_matrix(), items.sets, settings.max_bucket),
                      settings)
    pairs = [Pair(x, y, jaccard, containment, len(items.sets[x]), len(items.sets[y]))
             for x, y, jaccard, containment in _with_identical(items, verified)]
    records = [Record(i, len(a.text), a.date) for i, a in enumerate(articles)]
    return {d.dropped: Dropped(articles[d.kept].id, d.jaccard, d.containment)
            for d in survivors(records, pairs, settings, keep)}


def index_drops(articles: Sequence[Article], settings: Settings, index: Any,
                skip: Iterable[int] = ()) -> dict[int, Dropped]:
    """Articles (by position) that repeat an article already in the corpus ``index``."""
    from ..index.link import doc_findings

    shingler = Shingler(settings.shingle, settings.ngram)
    skipped = set(skip)
    drops: dict[int, Dropped] = {}
    for position, article in enumerate(articles):
        if position in skipped:
            continue
        for finding in doc_findings(index, analyze(article, settings, shingler), shingler):
            if finding.kind == "article" and finding.remove == "b":
                drops[position] = Dropped(finding.a.article, finding.jaccard, finding.containment)
                break
    return drops


def _with_identical(items: Items, verified: Sequence[Any]) -> list[tuple[int, int, float, float]]:
    """Verified pairs, extended to every copy of an identical article.

    LSH sees one copy of identical articles; the keep policy must see them all,
    since the copy it would keep may itself go.
    """
    groups: dict[bytes, list[int]] = {}
    for item, shingles in enumerate(items.sets):
        if len(shingles):
            groups.setdefault(shingles.tobytes(), []).append(item)
    group_of = {item: members[:MAX_COPIES] for members in groups.values() for item in members}
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for members in groups.values():
        for a, b in combinations(members[:MAX_COPIES], 2):
            out[(a, b)] = (1.0, 1.0)
    for v in verified:
        for a in group_of.get(v.x, [v.x]):
            for b in group_of.get(v.y, [v.y]):
                if a != b:
                    out.setdefault((min(a, b), max(a, b)), (v.jaccard, v.containment))
    return [(x, y, j, c) for (x, y), (j, c) in sorted(out.items())]


def clean_inputs(paths: Iterable[str], settings: Settings, options: ReadOptions | None = None,
                 keep: str = "first", scope: str = "all", fix_joins: bool = True, jobs: int = 1,
                 progress: Progress | None = None, stdin: bytes | None = None,
                 index: Any = None) -> CleanResult:
    """Clean every article under ``paths``; return the new content of every input file.

    With an ``index`` (a :class:`dedup.index.MinHashIndex`), an article that repeats
    one already in the corpus is treated like a duplicate of a kept article.
    """
    import io

    result = CleanResult()
    articles: list[Article] = []
    source = io.BytesIO(stdin) if stdin is not None else None
    for item in iter_inputs(list(paths), options or ReadOptions(), stdin=source):
        if isinstance(item, InputError):
            result.errors.append(item)
        else:
            articles.append(item)
    within = scope in ("within", "all")
    if within:
        canon = canonical_all(articles, settings, keep, fix_joins, jobs, progress)
    else:
        canon = [(0, Canonical(a.text)) for a in articles]
    # Across articles, compare what each article keeps, not the copies it drops.
    cleaned = [replace(a, text=c.text) for a, (_, c) in zip(articles, canon)]
    drops = across_drops(cleaned, settings, keep) if scope in ("across", "all") else {}
    if index is not None:
        drops.update(index_drops(cleaned, settings, index, skip=drops))
    # Records of a JSON lines corpus are dropped; a file is never deleted, only reported.
    outcomes = [ArticleOutcome(a, count, c,
                               dropped=drops.get(i) if a.record is not None else None,
                               duplicate=drops.get(i) if a.record is None else None)
                for i, (a, (count, c)) in enumerate(zip(articles, canon))]
    by_source: dict[str, list[ArticleOutcome]] = {}
    for outcome in outcomes:
        by_source.setdefault(outcome.article.source, []).append(outcome)
    for path, group in by_source.items():
        try:
            result.files.append(_file_outcome(path, group, options or ReadOptions(), stdin))
        except OSError as exc:
            result.errors.append(InputError(path, f"cannot read back: {exc.strerror or exc}"))
    return result


def _file_outcome(path: str, group: list[ArticleOutcome], options: ReadOptions,
                  stdin: bytes | None) -> FileOutcome:
    first = group[0].article
    if first.record is None:  # one article per file (or stdin text)
        old = encode_text(first.text, first.bom)
        new = encode_text(group[0].canonical.text, first.bom)
        return FileOutcome(path, old, new, group)
    lines = stdin.splitlines(keepends=True) if path == "-" and stdin is not None else jsonl_lines(path)
    changed: dict[int, dict | None] = {}
    for outcome in group:
        article = outcome.article
        if article.line is None or article.record is None:
            continue
        if outcome.dropped is not None:
            changed[article.line] = None
        elif outcome.canonical.text != article.text:
            changed[article.line] = {**article.record, options.text_field: outcome.canonical.text}
    return FileOutcome(path, b"".join(lines), rewrite_jsonl(lines, changed), group)
