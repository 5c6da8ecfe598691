"""The cleaner's coverage counts: what share of a sentence the rest of the kept text holds."""

from __future__ import annotations

from collections import Counter

import numpy as np
from conftest import FIXTURES

from dedup import Article, Settings, analyze
from dedup.clean.engine import _Coverage
from dedup.document import analyze_many


def by_hand(sets: dict[int, np.ndarray], owners: list[int], shingles: np.ndarray) -> float:
    others = {h for k, s in sets.items() if k not in owners for h in s.tolist()}
    return sum(h in others for h in shingles.tolist()) / len(shingles)


def test_covered_by_others_counts_what_the_other_paragraphs_hold() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        sets = {k: np.unique(rng.integers(0, 60, rng.integers(1, 30)).astype(np.uint32)) for k in range(5)}
        coverage = _Coverage(sets, {k: Counter() for k in sets})
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
