"""An article as read (:class:`Article`) and analysed once (:class:`Doc`): paragraphs,
comparison text, shingles, sentences on demand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .settings import Settings
from .sketch.shingle import Shingler, shared_shingler, split
from .text.joins import join_points
from .text.language import UNDETERMINED, code_of, identify, sample
from .text.normalize import normalize, normalize_many, words
from .text.segment import Paragraph, segment
from .text.sentences import sentence_spans


@dataclass
class Article:
    """One article: its id, its decoded text (line endings kept) and where it came from.

    ``text`` is the file's content after its byte-order mark (``bom`` says whether
    there was one), decoded from ``encoding``; ``line`` is the record's line number
    for JSON lines, ``record`` the whole decoded record.
    """

    id: str
    text: str
    source: str
    line: int | None = None
    date: str | None = None
    bom: bool = False
    markdown: bool = False
    record: dict[str, Any] | None = field(default=None, repr=False)
    encoding: str = "utf-8"
    # ISO 639 code when the input says it (a record's "language" field).
    language: str | None = None


@dataclass
class Memo:
    """What a paragraph's text gives, kept for the later rounds of cleaning one
    article: most of its paragraphs come back unchanged. ``sentences`` holds the
    sentence spans of a paragraph's text in a language; ``parsed``, the cleaner's
    own views of a paragraph's text; ``figures``, the figures of a comparison text; ``word_counts``, its number of words."""

    sentences: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)
    # The figures of a normalised text (read only: shared by every round).
    figures: dict[str, Counter[str]] = field(default_factory=dict)
    # How many words a normalised sentence has (asked of every sentence every round).
    word_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Doc:
    """One article prepared for comparison. Offsets always refer to ``article.text``."""

    article: Article
    paragraphs: list[Paragraph]
    norms: list[str]
    nwords: list[int]
    shingles: list[np.ndarray]
    # Settings.language: "auto" or the code every article is taken to be in.
    requested: str = "auto"
    _sentences: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    _language: str | None = field(default=None, repr=False)
    _spans: dict[tuple[int, int, str, int], tuple[str, np.ndarray]] = field(default_factory=dict, repr=False)
    # While the article is cleaned, shared with the analyses of its cleaned versions.
    memo: Memo | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.article.id

    @cached_property
    def starts(self) -> list[int]:
        """Where each paragraph starts, in order (for a search by offset)."""
        return [p.start for p in self.paragraphs]

    def text_of(self, index: int) -> str:
        p = self.paragraphs[index]
        return self.article.text[p.start:p.end]

    def eligible(self, index: int, settings: Settings) -> bool:
        """Long enough prose to be compared by shingles (and removed when redundant)."""
        return not self.paragraphs[index].structural and self.nwords[index] >= settings.min_words

    def is_short(self, index: int, settings: Settings) -> bool:
        return (not self.paragraphs[index].structural
                and 0 < self.nwords[index] < settings.min_words)

    @property
    def language(self) -> str:
        """The article's language (ISO 639), or ``"und"`` when it cannot be told.

        The setting when it names one, else the article's own field, else identified
        from a sample of its prose paragraphs (once: the result is kept).
        """
        if self._language is None:
            if self.requested != "auto":
                self._language = self.requested
            elif self.article.language and (given := code_of(self.article.language)):
                self._language = given
            else:
                prose = [self.text_of(i) for i, p in enumerate(self.paragraphs) if not p.structural]
                self._language = identify(sample(prose)) or UNDETERMINED
        return self._language

    def sentences(self, index: int) -> list[tuple[int, int]]:
        """Absolute ``(start, end)`` spans of the paragraph's sentences (lost boundaries split)."""
        cached = self._sentences.get(index)
        if cached is None:
            paragraph, language = self.paragraphs[index], self.language
            if self.memo is None:
                cached = paragraph_sentences(self.article.text, paragraph, language)
            else:
                key = (self.article.text[paragraph.start:paragraph.end], language)
                relative = self.memo.sentences.get(key)
                if relative is None:
                    relative = self.memo.sentences[key] = paragraph_sentences(key[0], Paragraph(0, len(key[0])),
                                                                              language)
                cached = [(paragraph.start + start, paragraph.start + end) for start, end in relative]
            self._sentences[index] = cached
        return cached

    def span(self, start: int, end: int, shingler: Shingler) -> tuple[str, np.ndarray]:
        """The comparison text of ``article.text[start:end]`` and its shingles, kept:
        the cleaner compares the same sentences again at every pass."""
        key = (start, end, shingler.kind, shingler.n)
        cached = self._spans.get(key)
        if cached is None:
            norm = normalize(self.article.text[start:end])
            cached = self._spans[key] = (norm, shingler.from_units(shingler.units(norm)))
        return cached

    def spans(self, spans: list[tuple[int, int]], shingler: Shingler) -> None:
        """Computes and keeps what :meth:`span` gives for each of ``spans``, the ones not
        kept yet in one vectorised pass (the same values, without a numpy call per
        sentence: a long paragraph has thousands)."""
        kind, n = shingler.kind, shingler.n
        missing = list(dict.fromkeys(s for s in spans if (*s, kind, n) not in self._spans))
        if not missing:
            return
        norms = normalize_many([self.article.text[start:end] for start, end in missing])
        units, offsets = shingler.units_many(norms)
        flat, bounds = shingler.sets_many(units, offsets[:-1], offsets[1:])
        for (start, end), norm, shingles in zip(missing, norms, split(flat, bounds)):
            self._spans[(start, end, kind, n)] = (norm, shingles)


def paragraph_sentences(text: str, paragraph: Paragraph,
                        language: str = "en") -> list[tuple[int, int]]:
    body = text[paragraph.start:paragraph.end]
    spans: list[tuple[int, int]] = []
    # Text in an unknown language is split as English (the model with most abbreviations).
    for start, end in sentence_spans(body, "en" if language == UNDETERMINED else language):
        cut = start
        for point in join_points(body[start:end]):
            spans.append((cut, start + point))
            cut = start + point
        spans.append((cut, end))
    return [(paragraph.start + s, paragraph.start + e) for s, e in spans if body[s:e].strip()]


def analyze(article: Article, settings: Settings, shingler: Shingler | None = None) -> Doc:
    """Segment, normalise and shingle one article with the shingles ``settings`` name.

    A ``shingler`` may be passed to reuse one, but it must agree with ``settings``.
    """
    return analyze_many([article], settings, shingler).docs[0]  # vectorised over its paragraphs


@dataclass
class Analyzed:
    """Many articles analysed at once; ``article_sets`` when asked for."""

    docs: list[Doc]
    article_sets: list[np.ndarray] | None = None


def analyze_many(articles: list[Article], settings: Settings, shingler: Shingler | None = None,
                 with_articles: bool = False) -> Analyzed:
    """``[analyze(a, ...) for a in articles]`` (and, with ``with_articles``, each
    article's :func:`article_shingles`) with one normalisation pass and one
    vectorised shingling pass over all the paragraphs of all the articles."""
    shingler = _shingler_for(settings, shingler)
    segmented = [segment(article.text, article.markdown) for article in articles]
    texts = [article.text[p.start:p.end] for article, paragraphs in zip(articles, segmented)
             for p in paragraphs]
    norms = normalize_many(texts)
    units, offsets = shingler.units_many(norms)
    windows = shingler.window_hashes(units)
    flat, set_offsets = shingler.sets_many(units, offsets[:-1], offsets[1:], windows)
    sets = split(flat, set_offsets)
    if shingler.kind == "word":
        counts = np.diff(offsets).tolist()
    else:
        counts = [len(words(norm)) for norm in norms]
    docs = []
    first = 0
    for article, paragraphs in zip(articles, segmented):
        last = first + len(paragraphs)
        docs.append(Doc(article, paragraphs, norms[first:last], counts[first:last], sets[first:last],
                        settings.language))
        first = last
    if not with_articles:
        return Analyzed(docs)
    # An article's word stream is its paragraphs' streams end to end (front matter,
    # which can only come first, left out), so its shingles are the windows of one
    # contiguous span of ``units``.
    starts, ends, slow = [], [], []
    first = 0
    for k, doc in enumerate(docs):
        kinds = [p.kind for p in doc.paragraphs]
        skip = 1 if kinds[:1] == ["front_matter"] else 0
        if shingler.kind != "word" or "front_matter" in kinds[skip:]:
            slow.append(k)
        starts.append(int(offsets[first + skip]) if len(kinds) > skip else int(offsets[first]))
        first += len(kinds)
        ends.append(int(offsets[first]))
    flat, set_offsets = shingler.sets_many(units, np.asarray(starts), np.asarray(ends), windows)
    article_sets = split(flat, set_offsets)
    for k in slow:
        article_sets[k] = article_shingles(docs[k], shingler)
    return Analyzed(docs, article_sets)


def _shingler_for(settings: Settings, shingler: Shingler | None) -> Shingler:
    if shingler is None:
        return shared_shingler(settings.shingle, settings.ngram)
    if (shingler.kind, shingler.n) != (settings.shingle, settings.ngram):
        raise ValueError(f"the shingler ({shingler.kind} {shingler.n}-grams) does not match "
                         f"the settings ({settings.shingle} {settings.ngram}-grams)")
    return shingler


def article_shingles(doc: Doc, shingler: Shingler) -> np.ndarray:
    """Shingles of the whole article's prose, as one stream of words."""
    parts = [doc.norms[i] for i, p in enumerate(doc.paragraphs) if p.kind != "front_matter"]
    return shingler.from_units(shingler.units(" ".join(parts)))


# Below this many hashes, Python sets beat numpy's per-call overhead.
_SMALL = 4096


def intersection_size(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two arrays of unique hashes share."""
    if len(a) + len(b) <= _SMALL:
        if len(a) > len(b):
            a, b = b, a
        return len(set(b.tolist()).intersection(a.tolist()))
    return int(np.intersect1d(a, b, assume_unique=True).size)


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Exact ``(jaccard, containment of the smaller in the larger, intersection)``."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0, 0
    inter = intersection_size(a, b)
    union = len(a) + len(b) - inter
    return inter / union, inter / min(len(a), len(b)), inter


def contained(small: np.ndarray, big: np.ndarray) -> float:
    """Share of ``small`` found in ``big``."""
    if len(small) == 0:
        return 0.0
    if len(small) + len(big) <= _SMALL:
        members = set(big.tolist())
        return sum(map(members.__contains__, small.tolist())) / len(small)
    return float(np.isin(small, big, assume_unique=True).sum()) / len(small)
