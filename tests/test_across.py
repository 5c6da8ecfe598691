"""Across articles: containment candidates and findings that connect every cluster."""

from __future__ import annotations

import numpy as np

from dedup.detect.across import ARTICLE, Items, candidate_pairs, containment_pairs, find_across
from dedup.pipeline.scan import fingerprint
from dedup.settings import Settings


def _set(values: range | list[int]) -> np.ndarray:
    return np.unique(np.asarray(list(values), dtype=np.uint32))


def test_containment_pairs_find_a_small_set_inside_a_large_one() -> None:
    small = _set(range(100, 120))
    large = _set(list(range(100, 120)) + list(range(5000, 5200)))
    other = _set(range(9000, 9040))
    pairs = containment_pairs([large, other, small], 0.9, 64).tolist()
    assert pairs == [[0, 2]]


def test_containment_pairs_are_exact_on_random_sets() -> None:
    rng = np.random.default_rng(7)
    base = [_set(rng.integers(0, 4000, rng.integers(5, 80)).tolist()) for _ in range(40)]
    sets = base + [np.unique(np.concatenate([s[: max(1, len(s) * 19 // 20)],
                                              _set(rng.integers(0, 4000, 60).tolist())]))
                   for s in base[:20]]
    found = {tuple(p) for p in containment_pairs(sets, 0.9, 64).tolist()}
    for x in range(len(sets)):
        for y in range(x + 1, len(sets)):
            inter = len(np.intersect1d(sets[x], sets[y]))
            if inter >= 0.9 * min(len(sets[x]), len(sets[y])):
                assert (x, y) in found


def test_candidate_pairs_add_containment_pairs_lsh_misses() -> None:
    small = _set(range(100, 120))
    large = _set(list(range(100, 120)) + list(range(5000, 5200)))
    sets = [large, small]
    keys = fingerprint(sets, Settings())
    assert list(candidate_pairs(keys, sets, 64)) == []
    assert list(candidate_pairs(keys, sets, 64, 0.9)) == [(0, 1)]


def test_article_findings_connect_an_article_whose_partners_all_come_later() -> None:
    # a and b are each contained in c, but share nothing: b must still be reported.
    x, y = list(range(1000, 1050)), list(range(2000, 2050))
    sets = [_set(x + [1, 2, 3]), _set(y + [7, 8, 9]), _set(x + y)]
    settings = Settings()
    articles = Items()
    articles.extend([0, 1, 2], [ARTICLE] * 3, sets, fingerprint(sets, settings))
    findings = find_across(articles, Items(), ["a", "b", "c"], settings)
    reported = {(f.a.article, f.b.article) for f in findings}
    assert ("a", "c") in reported and ("b", "c") in reported
