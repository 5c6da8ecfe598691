"""Pairs of paragraphs inside one article that share shingles, counted exactly.

An article has at most a few hundred paragraphs, so every pair that shares a
shingle is counted exactly with an inverted index: there is nothing for LSH to save
here, and exact counts give containment for free. What is *redundant* inside an
article is decided by the cleaner (:mod:`dedup.clean.engine`); scan reports its
decisions (:mod:`dedup.clean.findings`), so that both agree by construction.
"""

from __future__ import annotations

from collections import defaultdict

from ..document import Doc

PairStats = dict[tuple[int, int], int]
# A shingle in very many paragraphs says nothing about any pair.
MAX_POSTING = 64


def shared_shingles(doc: Doc, indices: list[int]) -> PairStats:
    """Intersection sizes of every pair (i < j) of the given paragraphs sharing a shingle."""
    postings: dict[int, list[int]] = defaultdict(list)
    for i in indices:
        for h in doc.shingles[i].tolist():
            postings[h].append(i)
    counts: PairStats = defaultdict(int)
    for members in postings.values():
        if len(members) < 2 or len(members) > MAX_POSTING:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                counts[(members[x], members[y])] += 1
    return counts
