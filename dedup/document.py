"""An analysed article: paragraphs, comparison text, shingles, sentences on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .joins import join_points
from .normalize import normalize, words
from .reader import Article
from .segment import Paragraph, segment
from .sentences import sentence_spans
from .settings import Settings
from .shingle import Shingler


@dataclass
class Doc:
    """One article prepared for comparison. Offsets always refer to ``article.text``."""

    article: Article
    paragraphs: list[Paragraph]
    norms: list[str]
    nwords: list[int]
    shingles: list[np.ndarray]
    _sentences: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.article.id

    def text_of(self, index: int) -> str:
        p = self.paragraphs[index]
        return self.article.text[p.start:p.end]

    def eligible(self, index: int, settings: Settings) -> bool:
        """Long enough prose to be compared by shingles (and removed when redundant)."""
        return not self.paragraphs[index].structural and self.nwords[index] >= settings.min_words

    def is_short(self, index: int, settings: Settings) -> bool:
        return (not self.paragraphs[index].structural
                and 0 < self.nwords[index] < settings.min_words)

    def sentences(self, index: int) -> list[tuple[int, int]]:
        """Absolute ``(start, end)`` spans of the paragraph's sentences (lost boundaries split)."""
        cached = self._sentences.get(index)
        if cached is None:
            cached = paragraph_sentences(self.article.text, self.paragraphs[index])
            self._sentences[index] = cached
        return cached


def paragraph_sentences(text: str, paragraph: Paragraph) -> list[tuple[int, int]]:
    body = text[paragraph.start:paragraph.end]
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(body):
        cut = start
        for point in join_points(body[start:end]):
            spans.append((cut, start + point))
            cut = start + point
        spans.append((cut, end))
    return [(paragraph.start + s, paragraph.start + e) for s, e in spans if body[s:e].strip()]


def analyze(article: Article, settings: Settings, shingler: Shingler) -> Doc:
    paragraphs = segment(article.text, article.markdown)
    norms, nwords, shingles = [], [], []
    for p in paragraphs:
        norm = normalize(article.text[p.start:p.end])
        norms.append(norm)
        nwords.append(len(words(norm)))
        shingles.append(shingler.from_units(shingler.units(norm)))
    return Doc(article, paragraphs, norms, nwords, shingles)


def article_shingles(doc: Doc, shingler: Shingler) -> np.ndarray:
    """Shingles of the whole article's prose, as one stream of words."""
    parts = [doc.norms[i] for i, p in enumerate(doc.paragraphs) if p.kind != "front_matter"]
    return shingler.from_units(shingler.units(" ".join(parts)))


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Exact ``(jaccard, containment of the smaller in the larger, intersection)``."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0, 0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    union = len(a) + len(b) - inter
    return inter / union, inter / min(len(a), len(b)), inter


def contained(small: np.ndarray, big: np.ndarray) -> float:
    """Share of ``small`` found in ``big``."""
    if len(small) == 0:
        return 0.0
    return float(np.isin(small, big, assume_unique=True).sum()) / len(small)
