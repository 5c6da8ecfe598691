"""Pairs of paragraphs inside one article that share shingles, counted exactly.

An article has at most a few hundred paragraphs, so every pair that shares a
shingle is counted exactly with an inverted index: there is nothing for LSH to save
here, and exact counts give containment for free. What is *redundant* inside an
article is decided by the cleaner (:mod:`dedup.clean.engine`); scan reports its
decisions (:mod:`dedup.clean.findings`), so that both agree by construction.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..document import Doc

PairStats = dict[tuple[int, int], int]
# A shingle in very many paragraphs says nothing about any pair.
MAX_POSTING = 64


def shared_shingles(doc: Doc, indices: list[int]) -> PairStats:
    """Intersection sizes of every pair (i, j) of the given paragraphs sharing a
    shingle, ``i`` before ``j`` in ``indices``; shingles in more than
    ``MAX_POSTING`` of them are left out.

    Vectorised: the paragraphs' hashes are sorted once and each run of equal hashes
    (its paragraphs in the order given) yields its pairs; most hashes are in one
    paragraph only, and a Python posting list per hash cost more than the rest of a
    cleaning round on long articles.
    """
    counts: PairStats = defaultdict(int)
    sets = [doc.shingles[i] for i in indices]
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    if int(lengths.sum()) == 0:
        return counts
    values = np.concatenate(sets)
    owners = np.repeat(np.asarray(indices, dtype=np.int64), lengths)
    order = np.argsort(values, kind="stable")  # stable: a run's paragraphs stay in order
    values, owners = values[order], owners[order]
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    sizes = np.diff(np.append(starts, len(values)))
    firsts, seconds = [], []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= MAX_POSTING)]).tolist():
        at = starts[sizes == size]
        x, y = np.triu_indices(size, 1)
        firsts.append(owners[at[:, None] + x[None, :]].ravel())
        seconds.append(owners[at[:, None] + y[None, :]].ravel())
    if not firsts:
        return counts
    base = int(owners.max()) + 1
    keys, found = np.unique(np.concatenate(firsts) * base + np.concatenate(seconds), return_counts=True)
    counts.update(zip(zip((keys // base).tolist(), (keys % base).tolist()), found.tolist()))
    return counts
