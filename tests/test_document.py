"""Analysing many articles at once equals analysing them one by one."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.document import analyze, analyze_many, article_shingles, contained, overlap
from dedup.io.reader import Article
from dedup.settings import Settings
from dedup.sketch.shingle import Shingler
from dedup.text.normalize import normalize, words
from dedup.text.segment import segment

ARTICLES = [
    Article("a", "First paragraph with quite a few words in it for shingles.\n\n"
                 "Second paragraph, also long enough to count as prose here.\n\nReuter", "a"),
    Article("b", "---\ntitle: x\n---\n\n# Heading\n\nBody text of a markdown article with words.\n",
            "b.md", markdown=True),
    Article("c", "", "c"),
    Article("d", "one two", "d"),
    Article("e", "    Indented start of a hard wrapped paragraph that goes on\n"
                 "and on for a while.\n    Another one starts here and is long.\n", "e"),
]


@pytest.mark.parametrize("kind", ["word", "char"])
def test_analyze_many_equals_analyze(kind: str) -> None:
    settings = Settings(shingle=kind)  # type: ignore[arg-type]
    shingler = Shingler(kind, settings.ngram)
    many = analyze_many(ARTICLES, settings, shingler, with_articles=True)
    assert many.article_sets is not None
    for article, doc, article_set in zip(ARTICLES, many.docs, many.article_sets):
        one = analyze(article, settings, shingler)
        paragraphs = segment(article.text, article.markdown)
        norms = [normalize(article.text[p.start:p.end]) for p in paragraphs]
        assert doc.paragraphs == one.paragraphs == paragraphs
        assert doc.norms == one.norms == norms
        assert doc.nwords == one.nwords == [len(words(norm)) for norm in norms]
        # One paragraph at a time, by the shingler's scalar path.
        by_hand = [shingler.from_units(shingler.units(norm)) for norm in norms]
        assert all(np.array_equal(x, y) and np.array_equal(x, z)
                   for x, y, z in zip(doc.shingles, one.shingles, by_hand, strict=True))
        assert np.array_equal(article_set, article_shingles(one, shingler))


def test_overlap_and_contained_are_exact_for_small_and_large_sets() -> None:
    rng = np.random.default_rng(0)
    for size in (10, 5000):
        a = np.unique(rng.integers(0, 10 * size, size, dtype=np.uint64).astype(np.uint32))
        b = np.unique(np.concatenate([a[: len(a) // 2], rng.integers(0, 10 * size, size // 2,
                                                                       dtype=np.uint64).astype(np.uint32)]))
        inter = len(np.intersect1d(a, b))
        jaccard, containment, got = overlap(a, b)
        assert got == inter
        assert jaccard == inter / (len(a) + len(b) - inter)
        assert containment == inter / min(len(a), len(b))
        assert contained(a, b) == inter / len(a)
    assert overlap(np.zeros(0, np.uint32), np.ones(3, np.uint32)) == (0.0, 0.0, 0)
