"""Cleaning a corpus: canonical articles, across-article drops, and the new file contents.

:func:`clean_inputs` writes nothing: it returns, for each input file, what it holds
and will hold and what happened to each article; the command line decides whether
to write (:func:`write_outcome`), diff or check. A JSON lines file is not held in
memory: its new content is streamed from the file, record by record, with only the
text of the changed records replaced in their original bytes.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

import numpy as np

from ..clean.engine import Canonical, canonicalize
from ..clean.keep import PairTable, Record, survivors
from ..detect.across import ARTICLE, Items, candidate_pairs, verify_table
from ..document import Article, Doc, analyze_many, article_shingles
from ..errors import InputError, WriteRefused
from ..io.reader import ReadOptions, Source, display_name, iter_inputs
from ..io.writer import CHANGED, atomic_write, encode_text, file_digest, rewrite_jsonl
from ..options import CleanOptions
from ..parallel import batched, ordered_map
from ..settings import Settings
from ..sketch.sets import first_copies
from ..sketch.shingle import shared_shingler
from .scan import fingerprint

CHUNK = 128
PROGRESS_CHUNK = 16  # articles per batch sent to a worker when a progress bar is shown


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
    """One input and its new content.

    A text file (or stdin text) holds its bytes before and after (``old_text``,
    ``new_text``). A JSON lines file holds only its ``changes``: line number to new
    text, or ``None`` for a dropped record; :meth:`write_new` streams the new file
    from the old one. ``source`` is what was read from the file, to check before
    replacing it that it is still that file.
    """

    path: str
    articles: list[ArticleOutcome] = field(default_factory=list)
    source: Source | None = None
    old_text: bytes | None = None
    new_text: bytes | None = None
    changes: dict[int, str | None] = field(default_factory=dict)
    text_field: str = "text"
    stdin: bytes | None = field(default=None, repr=False)

    @property
    def jsonl(self) -> bool:
        return self.old_text is None

    @property
    def changed(self) -> bool:
        return bool(self.changes) if self.jsonl else self.old_text != self.new_text

    @property
    def encoding(self) -> str:
        return self.articles[0].article.encoding if self.articles else "utf-8"

    def open_old(self) -> IO[bytes]:
        """The old content (decompressed), as a binary stream."""
        if self.old_text is not None:
            return io.BytesIO(self.old_text)
        if self.stdin is not None:
            return io.BytesIO(self.stdin)
        if self.path.lower().endswith(".gz"):
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return open(self.path, "rb")

    def write_new(self, out: IO[bytes]) -> None:
        """Write the new content (decompressed) to ``out``."""
        if self.new_text is not None:
            out.write(self.new_text)
            return
        with self.open_old() as old:
            rewrite_jsonl(old, out, self.changes, self.text_field)

    @property
    def old(self) -> bytes:
        """The whole old content (decompressed): for diffs; a large file is streamed
        by :meth:`write_new` instead."""
        with self.open_old() as handle:
            return handle.read()

    @property
    def new(self) -> bytes:
        if self.new_text is not None:
            return self.new_text
        buffer = io.BytesIO()
        self.write_new(buffer)
        return buffer.getvalue()

    @property
    def bytes_saved(self) -> int:
        if self.old_text is not None and self.new_text is not None:
            return len(self.old_text) - len(self.new_text)
        if not self.changes:
            return 0
        counter = _Counter()
        self.write_new(counter)  # type: ignore[arg-type]
        with self.open_old() as handle:
            old = sum(len(chunk) for chunk in iter(lambda: handle.read(1 << 16), b""))
        return old - counter.size


class _Counter(io.RawIOBase):
    """A sink that counts what is written to it."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def write_outcome(outcome: FileOutcome, target: str | None = None) -> bool:
    """Write a file's new content: in place (``target`` ``None`` or the file itself),
    only when it changed and only over the very file that was read; or as a new copy
    at ``target``. ``True`` when a file was written; :class:`WriteRefused` or
    ``OSError`` when it could not be."""
    compress = outcome.path.lower().endswith(".gz")
    payload = outcome.new_text if outcome.new_text is not None else outcome.write_new
    in_place = target is None or os.path.realpath(target) == os.path.realpath(outcome.path)
    if not in_place:
        assert target is not None
        return atomic_write(target, payload, compress=compress)
    if not outcome.changed:
        return False
    source = outcome.source
    if source is None or not source.complete:
        raise WriteRefused("not read completely; not written")
    try:
        return atomic_write(outcome.path, payload, expect=source, compress=compress)
    except (OSError, EOFError, zlib.error):
        # Reading the old content again failed: say so if the file is not what was read.
        if not _still(source):
            raise WriteRefused(CHANGED) from None
        raise


def _still(source: Source) -> bool:
    try:
        return source.same_stat(os.stat(source.path)) and file_digest(source.path) == source.digest
    except OSError:
        return False


@dataclass
class CleanResult:
    files: list[FileOutcome] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    # The analyses of the cleaned articles, in input order, kept only for an index.
    docs: list[Doc | None] = field(default_factory=list, repr=False)

    @property
    def articles(self) -> list[ArticleOutcome]:
        return [a for f in self.files for a in f.articles]


Progress = Callable[[int], None]


@dataclass
class Cleaned:
    """What the workers return for one article: its canonical version and, for the
    comparison across articles, the shingles of the text it keeps."""

    paragraphs: int
    canonical: Canonical
    article_set: np.ndarray | None = None


def clean_batch(articles: list[Article], settings: Settings, options: CleanOptions,
                keep_docs: bool = False,
                progress: Progress | None = None) -> tuple[list[Cleaned], np.ndarray]:
    """Analyse and clean each article once; with ``options.across``, also the shingles
    and band keys of what it keeps. Analyses travel back only with ``keep_docs``.
    ``progress`` (in this process only) is told of each article as it is done."""
    shingler = shared_shingler(settings.shingle, settings.ngram)
    out: list[Cleaned] = []
    # One vectorised shingling pass over the batch (scan's), then each article alone.
    for doc in analyze_many(articles, settings, shingler).docs:
        article = doc.article
        canonical = (canonicalize(doc, settings, options.for_path(article.source)) if options.within
                     else Canonical(article.text, doc=doc))
        kept = canonical.doc
        assert kept is not None
        article_set = article_shingles(kept, shingler) if options.across else None
        if not keep_docs:
            canonical = replace(canonical, doc=None)
        out.append(Cleaned(len(doc.paragraphs), canonical, article_set))
        if progress is not None:
            progress(1)
    sets = [c.article_set for c in out if c.article_set is not None]
    return out, fingerprint(sets, settings)


def clean_all(articles: Sequence[Article], settings: Settings, options: CleanOptions, *,
              jobs: int = 1, keep_docs: bool = False,
              progress: Progress | None = None) -> tuple[list[Cleaned], Items]:
    """Every article cleaned, in order, in ``jobs`` processes; with ``options.across``,
    the items (shingles and band keys of what each keeps) to compare across them."""
    cleaned: list[Cleaned] = []
    items = Items()
    # In this process, the batch reports each article; from workers, each batch.
    here = progress if jobs <= 1 else None
    size = PROGRESS_CHUNK if progress is not None and here is None else CHUNK
    for part, keys in ordered_map(clean_batch, batched(articles, size), settings, options,
                                  keep_docs, here, jobs=jobs):
        if options.across:
            base = len(cleaned)
            items.extend(list(range(base, base + len(part))), [ARTICLE] * len(part),
                         [c.article_set for c in part if c.article_set is not None], keys)
        cleaned.extend(part)
        if progress is not None and here is None:
            progress(len(part))
    return cleaned, items


def across_drops(items: Items, records: list[Record], ids: Sequence[str], settings: Settings,
                 keep: str) -> dict[int, Dropped]:
    """Articles (by position) that duplicate a kept article, under the keep policy."""
    candidates = candidate_pairs(items.key_matrix(), items.sets, settings.max_bucket)
    x, y, jaccard, containment = verify_table(items, candidates, settings)
    sizes = items.sets.sizes
    table = PairTable(x, y, jaccard, containment, sizes[x], sizes[y])
    return {d.dropped: Dropped(ids[d.kept], d.jaccard, d.containment)
            for d in survivors(records, table, settings, keep, copies=first_copies(items.sets).tolist())}


def index_drops(docs: Sequence[Doc], index: Any, skip: Iterable[int] = ()) -> dict[int, Dropped]:
    """Articles (by position) that repeat an article already in the corpus ``index``."""
    from ..index.link import doc_findings

    skipped = set(skip)
    drops: dict[int, Dropped] = {}
    for position, doc in enumerate(docs):
        if position in skipped:
            continue
        for finding in doc_findings(index, doc):
            if finding.kind == "article" and finding.remove == "b":
                drops[position] = Dropped(finding.a.article, finding.jaccard, finding.containment)
                break
    return drops


def clean_inputs(paths: Iterable[str], settings: Settings, read: ReadOptions | None = None,
                 options: CleanOptions | None = None, *, jobs: int = 1,
                 progress: Progress | None = None, stdin: bytes | None = None,
                 index: Any = None, keep_docs: bool = False) -> CleanResult:
    """Clean every article under ``paths``; return the new content of every input file.

    Each article is analysed once; the analysis of its cleaned text serves the
    comparison across articles. With an ``index`` (a :class:`dedup.index.MinHashIndex`),
    an article that repeats one already in the corpus is treated like a duplicate of
    a kept article. With ``keep_docs`` (or an index), the result carries the analysis
    of every cleaned article (``docs``), to add them to an index.
    """
    read = read or ReadOptions()
    options = options or CleanOptions()
    result = CleanResult()
    articles: list[Article] = []
    source = io.BytesIO(stdin) if stdin is not None else None
    sources: dict[str, Source] = {}
    for item in iter_inputs(list(paths), read, stdin=source, sources=sources):
        if isinstance(item, InputError):
            result.errors.append(item)
        else:
            articles.append(item)
    keep_docs = keep_docs or index is not None
    cleaned, items = clean_all(articles, settings, options, jobs=jobs, keep_docs=keep_docs,
                               progress=progress)
    result.docs = [c.canonical.doc for c in cleaned] if keep_docs else []
    # Across articles, compare what each article keeps, not the copies it drops.
    drops: dict[int, Dropped] = {}
    if options.across and options.on("DUP401"):
        records = [Record(i, len(c.canonical.text), a.date)
                   for i, (a, c) in enumerate(zip(articles, cleaned))]
        drops = across_drops(items, records, [a.id for a in articles], settings, options.keep)
    if index is not None and options.on("DUP401"):
        drops.update(index_drops([d for d in result.docs if d is not None], index, skip=drops))
    # Records of a JSON lines corpus are dropped; a file is never deleted, only reported.
    outcomes = [ArticleOutcome(a, c.paragraphs, c.canonical,
                               dropped=drops.get(i) if a.record is not None else None,
                               duplicate=drops.get(i) if a.record is None else None)
                for i, (a, c) in enumerate(zip(articles, cleaned))]
    by_source: dict[str, list[ArticleOutcome]] = {}
    for outcome in outcomes:
        by_source.setdefault(outcome.article.source, []).append(outcome)
    for path, group in by_source.items():
        known = sources.get(path)
        if path != "-" and (known is None or not known.complete):
            continue  # not read to its end: its error is reported, it is not rewritten
        try:
            result.files.append(_file_outcome(path, group, read, stdin, known))
        except UnicodeEncodeError as exc:
            result.errors.append(InputError(display_name(path), "the cleaned text cannot be "
                                            f"written back in {exc.encoding}"))
    return result


def _file_outcome(path: str, group: list[ArticleOutcome], options: ReadOptions,
                  stdin: bytes | None, source: Source | None) -> FileOutcome:
    first = group[0].article
    if first.record is None:  # one article per file (or stdin text)
        old = encode_text(first.text, first.bom, first.encoding)
        new = encode_text(group[0].canonical.text, first.bom, first.encoding)
        return FileOutcome(path, group, source, old_text=old, new_text=new)
    changes: dict[int, str | None] = {}
    for outcome in group:
        article = outcome.article
        if article.line is None:
            continue
        if outcome.dropped is not None:
            changes[article.line] = None
        elif outcome.canonical.text != article.text:
            changes[article.line] = outcome.canonical.text
    return FileOutcome(path, group, source, changes=changes, text_field=options.text_field,
                       stdin=stdin if path == "-" else None)
