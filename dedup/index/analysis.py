"""The index's own analysis of articles: only what its entries need.

A full analysis (:func:`~dedup.document.analyze_many`) makes a
:class:`~dedup.document.Doc` per article: every paragraph normalised as text, a
shingle set for every paragraph. The index keeps only the whole article's set and
its eligible paragraphs' sets, and for those it needs the words, not the normalised
text: for ASCII text, normalising (NFKC, case folding, quotes, spaces) and keeping
the runs of word characters gives the lowercased runs of ``[A-Za-z0-9_]`` of the raw
text, which one ``bytes.translate`` yields. Other text is normalised as before. The
entries, sets and band keys equal :func:`~dedup.index.model.batch_of`'s of the full
analysis, value for value.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ..document import analyze_many
from ..io.reader import Article
from ..settings import Settings
from ..sketch.minhash import band_keys, signatures
from ..sketch.shingle import _NON_WORD_TO_SPACE, Shingler, _word_spans, hash_spans, split
from ..text.normalize import _WORD, normalize_many
from ..text.segment import Paragraph, segment
from .model import Batch, batch_of, composed_extras

# ASCII bytes to what normalising and keeping word characters makes of them: letters
# lowercased, other word characters kept, everything else a space.
_ASCII_WORDS = bytes(c + 32 if 65 <= c <= 90 else _NON_WORD_TO_SPACE[c] for c in range(256))


_SHINGLERS: dict[tuple[str, int], Shingler] = {}


def prepare(articles: Sequence[Article], settings: Settings, bands: int, rows: int) -> Batch:
    """Analyse articles into a :class:`Batch` (pure; runs in worker processes too)."""
    shingler = _SHINGLERS.setdefault((settings.shingle, settings.ngram),
                                     Shingler(settings.shingle, settings.ngram))
    with _no_collection():
        batch = index_batch(articles, settings, shingler, bands, rows)
    if batch is None:
        # One vectorised pass over all the paragraphs: several times faster than one
        # article at a time, and value for value the same.
        analyzed = analyze_many(list(articles), settings, shingler, with_articles=True)
        batch = batch_of(analyzed.docs, settings, shingler, bands, rows, analyzed.article_sets)
    return batch


@contextmanager
def _no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is analysed.

    The analysis makes no reference cycles: what it allocates is freed by reference
    counting. Left on, the collector would promote a batch's short-lived objects
    (lines, paragraphs) to the oldest generation, whose collections walk every object
    of the process: a caller holding 200,000 articles paid 4 of 32 s of analysis
    for them at 1 M paragraphs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def index_batch(articles: Sequence[Article], settings: Settings, shingler: Shingler,
                bands: int, rows: int) -> Batch | None:
    """The :class:`Batch` of ``articles`` (an id given twice keeps its last text), or
    ``None`` where this path does not apply (character shingles, front matter): the
    caller then analyses them in full."""
    if shingler.kind != "word":
        return None
    latest = list({article.id: article for article in articles}.values())
    segmented = [segment(article.text, article.markdown) for article in latest]
    if any(p.kind == "front_matter" for paragraphs in segmented for p in paragraphs):
        return None
    texts = [article.text[p.start:p.end] for article, paragraphs in zip(latest, segmented)
             for p in paragraphs]
    units, offsets = _units(texts)
    windows = shingler.window_hashes(units)
    bounds = offsets.tolist()
    counts = np.diff(offsets).tolist()
    # Spans of units: each article's whole stream, then its eligible paragraphs.
    starts: list[int] = []
    ends: list[int] = []
    owners: list[int] = []
    numbers: list[int | None] = []
    first = 0
    for owner, paragraphs in enumerate(segmented):
        last = first + len(paragraphs)
        starts.append(bounds[first])
        ends.append(bounds[last])
        owners.append(owner)
        numbers.append(None)
        for n, paragraph in enumerate(paragraphs):
            if _eligible(paragraph, counts[first + n], settings):
                starts.append(bounds[first + n])
                ends.append(bounds[first + n + 1])
                owners.append(owner)
                numbers.append(n)
        first = last
    flat, set_offsets = shingler.sets_many(units, np.asarray(starts, dtype=np.int64),
                                           np.asarray(ends, dtype=np.int64), windows)
    sets = split(flat, set_offsets)
    batch = Batch(articles=[article.id for article in latest])
    for owner, number, shingles in zip(owners, numbers, sets):
        if len(shingles):  # empty sets would share every bucket and never match
            batch.owner.append(owner)
            batch.paragraph.append(number)
            batch.sets.append(shingles)
    batch.extras = composed_extras(batch)
    batch.keys = band_keys(_signatures(batch, settings), bands, rows)
    return batch


def _signatures(batch: Batch, settings: Settings) -> np.ndarray:
    """The entries' signatures. A whole article stored as its extras has the union of
    its extras and its paragraphs' sets, so its signature is their signatures' minimum:
    the signatures hash each of its shingles once instead of twice."""
    extras = batch.extras or {}
    sets = [extras.get(i, shingles) for i, shingles in enumerate(batch.sets)]
    sigs = signatures(sets, settings.num_perm, settings.seed)
    if extras:
        # An article's entries are its whole entry and then its paragraphs.
        wholes = np.array([i for i, p in enumerate(batch.paragraph) if p is None], dtype=np.int64)
        lowest = np.minimum.reduceat(sigs, wholes, axis=0)
        composed = np.array([i in extras for i in wholes.tolist()], dtype=bool)
        sigs[wholes[composed]] = lowest[composed]
    return sigs


def _eligible(paragraph: Paragraph, words: int, settings: Settings) -> bool:
    """As :meth:`dedup.document.Doc.eligible`, from a paragraph and its word count."""
    return not paragraph.structural and words >= settings.min_words


def _units(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """What ``Shingler.units_many(normalize_many(texts))`` gives for word shingles."""
    pieces: list[bytes] = [b""] * len(texts)
    others: list[int] = []
    for i, text in enumerate(texts):
        if text.isascii():
            pieces[i] = text.encode("ascii").translate(_ASCII_WORDS)
        else:
            others.append(i)
    if others:
        findall = _WORD.findall
        for i, norm in zip(others, normalize_many([texts[i] for i in others])):
            pieces[i] = norm.encode("ascii").translate(_NON_WORD_TO_SPACE) if norm.isascii() \
                else " ".join(findall(norm)).encode("utf-8")
    buffer = np.frombuffer(b" ".join(pieces), dtype=np.uint8)
    starts, sizes = _word_spans(buffer)
    text_starts = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(p) + 1 for p in pieces], out=text_starts[1:])
    return hash_spans(buffer, starts, sizes), np.searchsorted(starts, text_starts)
