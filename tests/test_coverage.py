"""The cleaner's coverage counts: what share of a sentence the rest of the kept text holds."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from conftest import FIXTURES

from dedup import Article, Settings, analyze
from dedup.clean.coverage import Coverage, KeptSentences, figures_of
from dedup.document import Doc, analyze_many
from dedup.sketch.shingle import Shingler
from dedup.text.normalize import normalize, words


def by_hand(sets: dict[int, np.ndarray], owners: list[int], shingles: np.ndarray) -> float:
    others = {h for k, s in sets.items() if k not in owners for h in s.tolist()}
    return sum(h in others for h in shingles.tolist()) / len(shingles)


def test_covered_by_others_counts_what_the_other_paragraphs_hold() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        sets = {k: np.unique(rng.integers(0, 60, rng.integers(1, 30)).astype(np.uint32)) for k in range(5)}
        coverage = Coverage(sets, {k: Counter() for k in sets})
        shingles = np.unique(rng.integers(0, 60, 12).astype(np.uint32))
        owner, *exclude = (int(k) for k in rng.permutation(5)[:rng.integers(1, 4)])
        expected = by_hand(sets, [owner, *exclude], shingles)
        assert coverage.covered_by_others(owner, shingles, set(), exclude) == expected


def test_paragraph_shingles_are_sorted_as_the_binary_search_needs() -> None:
    settings = Settings()
    articles = [Article(p.name, p.read_text(encoding="utf-8"), p.name) for p in sorted(FIXTURES.glob("*.txt"))]
    docs = [analyze(a, settings) for a in articles] + analyze_many(articles, settings).docs
    for doc in docs:
        for shingles in doc.shingles:
            assert np.all(shingles[1:] > shingles[:-1])


def _kept_text(doc: Doc, alive: list[int]) -> str:
    """The paragraph's kept sentences as the coverage reads them: joined by spaces."""
    spans = doc.sentences(0)
    return normalize(" ".join(doc.article.text[spans[m][0]:spans[m][1]] for m in alive))


def _one_paragraph_docs() -> list[Doc]:
    """Every fixture's text on one line: paragraphs of many sentences, some repeated."""
    docs = []
    for path in sorted(FIXTURES.glob("*.txt")):
        flat = " ".join(path.read_text(encoding="utf-8").split())
        docs.append(analyze(Article(path.name, flat, path.name), Settings()))
    return docs


@pytest.mark.parametrize("kind,n", [("word", 5), ("word", 2), ("char", 5)])
def test_removing_sentences_one_by_one_keeps_the_entry_of_the_sentences_left(kind: str, n: int) -> None:
    shingler = Shingler(kind, n)
    rng = random.Random(3)
    tested = 0
    for doc in _one_paragraph_docs():
        spans = doc.sentences(0)
        if len(spans) < 3:
            continue
        tested += 1
        coverage = Coverage({0: doc.shingles[0]}, {0: figures_of(doc.norms[0])})
        kept = KeptSentences(doc, 0, shingler)
        alive = list(range(len(spans)))
        for k in rng.sample(alive, len(alive) - 1):
            alive.remove(k)
            assert kept.words_without(k) == len(words(_kept_text(doc, alive)))
            kept.remove(k, coverage)
            rest = _kept_text(doc, alive)
            expected = shingler.from_units(shingler.units(rest))
            # What the engine asks of the entry while the paragraph is being tested ...
            held = coverage._held([0], expected)
            assert held.all() and coverage.counts == Counter(expected.tolist()) + Counter()
            assert coverage.figures[0] == figures_of(rest)
        kept.settle(coverage)
        # ... and the sorted array it becomes afterwards.
        assert np.array_equal(coverage.sets[0], expected)
    assert tested >= 5  # the fixtures on one line: paragraphs of many sentences


def test_sharing_finds_every_paragraph_that_holds_a_shingle() -> None:
    rng = np.random.default_rng(8)
    for _ in range(100):
        sets = {k: np.unique(rng.integers(0, 80, rng.integers(1, 20)).astype(np.uint32)) for k in range(8)}
        coverage = Coverage(sets, {k: Counter() for k in sets})
        for _ in range(3):  # entries change: some go, some come back with new shingles
            k = int(rng.integers(0, 8))
            new = np.unique(rng.integers(0, 120, rng.integers(1, 20)).astype(np.uint32))
            coverage.replace(k, new if rng.random() < 0.7 else None, Counter() if rng.random() < 0.7 else None)
        asked = np.unique(rng.integers(0, 120, 10).astype(np.uint32))
        holding = [k for k, s in coverage.sets.items() if np.intersect1d(s, asked).size]
        found = coverage.sharing(asked)
        assert set(holding) <= set(found) <= set(coverage.sets)
        assert found == [k for k in coverage.sets if k in found]  # in the order of the entries


def test_vectorised_sentence_shingles_equal_one_at_a_time() -> None:
    for kind in ("word", "char"):
        shingler = Shingler(kind, 5)
        for doc in _one_paragraph_docs():
            spans = doc.sentences(0)
            batch = analyze(doc.article, Settings())
            batch.spans(spans, shingler)
            for start, end in spans:
                norm, shingles = batch.span(start, end, shingler)
                fresh = analyze(doc.article, Settings()).span(start, end, shingler)
                assert norm == fresh[0] and np.array_equal(shingles, fresh[1])
