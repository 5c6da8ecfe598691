"""Near-duplicates across articles: LSH candidates, exact verification, union-find.

Items (whole articles, or long-enough paragraphs) are first grouped by an exact hash
of their shingle set, so a thousand copies of one paragraph cost one LSH entry;
then each band's buckets give candidate pairs, oversized buckets being paired
against their first members only; every candidate is verified exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .document import overlap
from .findings import Finding, Ref
from .settings import Settings
from .unionfind import UnionFind

ARTICLE = -1


@dataclass
class Items:
    """A growing table of comparable items: who owns each, its shingles, its band keys."""

    owners: list[int] = field(default_factory=list)
    paragraphs: list[int] = field(default_factory=list)
    sets: list[np.ndarray] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)

    def extend(self, owners: list[int], paragraphs: list[int], sets: list[np.ndarray],
               keys: np.ndarray) -> None:
        self.owners.extend(owners)
        self.paragraphs.extend(paragraphs)
        self.sets.extend(sets)
        if len(owners):
            self.keys.append(keys)

    def __len__(self) -> int:
        return len(self.owners)

    def key_matrix(self) -> np.ndarray:
        if not self.keys:
            return np.zeros((0, 1), dtype=np.uint64)
        return np.concatenate(self.keys)


def set_hash(values: np.ndarray) -> int:
    """An exact-identity hash of a sorted shingle set."""
    return hash(values.tobytes())


def candidate_pairs(keys: np.ndarray, sets: list[np.ndarray], max_bucket: int) -> Iterator[tuple[int, int]]:
    """Candidate pairs ``(x, y)``, ``x < y``: identical sets, then LSH band collisions."""
    n = keys.shape[0]
    representative: dict[int, int] = {}
    reps: list[int] = []
    seen: set[tuple[int, int]] = set()
    for item in range(n):
        if len(sets[item]) == 0:
            continue
        digest = set_hash(sets[item])
        first = representative.setdefault(digest, item)
        if first == item:
            reps.append(item)
        else:
            seen.add((first, item))
            yield first, item
    if len(reps) < 2:
        return
    rep_index = np.asarray(reps, dtype=np.int64)
    for band in range(keys.shape[1]):
        column = keys[rep_index, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [len(ordered)]))
        for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
            members = np.sort(rep_index[order[start:end]]).tolist()
            heads = members[:max_bucket] if len(members) > max_bucket else members
            for x_pos, x in enumerate(heads):
                for y in members[x_pos + 1:]:
                    if (x, y) not in seen:
                        seen.add((x, y))
                        yield x, y


@dataclass(frozen=True)
class Verified:
    x: int
    y: int
    jaccard: float
    containment: float


def verify(items: Items, pairs: Iterator[tuple[int, int]], settings: Settings,
           same_owner_ok: bool = False) -> list[Verified]:
    out = []
    for x, y in pairs:
        if not same_owner_ok and items.owners[x] == items.owners[y]:
            continue
        jaccard, containment, _ = overlap(items.sets[x], items.sets[y])
        if jaccard >= settings.threshold or containment >= settings.containment:
            out.append(Verified(x, y, jaccard, containment))
    return out


def find_across(articles: Items, paragraphs: Items, ids: list[str], settings: Settings) -> list[Finding]:
    """Whole near-duplicate articles, then paragraphs shared by otherwise different articles."""
    findings: list[Finding] = []
    keys = articles.key_matrix()
    article_pairs = verify(articles, candidate_pairs(keys, articles.sets, settings.max_bucket), settings)
    clusters: UnionFind[int] = UnionFind()
    best: dict[int, Verified] = {}
    for pair in article_pairs:
        a, b = articles.owners[pair.x], articles.owners[pair.y]
        clusters.union(a, b)
        later = max(a, b)
        if later not in best or min(articles.owners[best[later].x], articles.owners[best[later].y]) > min(a, b):
            best[later] = pair
    for _, pair in sorted(best.items()):
        a, b = sorted((articles.owners[pair.x], articles.owners[pair.y]))
        size_a, size_b = len(articles.sets[pair.x]), len(articles.sets[pair.y])
        if articles.owners[pair.x] != a:
            size_a, size_b = size_b, size_a
        reason = "duplicate" if pair.jaccard >= settings.threshold else "contained"
        remove = "b" if reason == "duplicate" or size_b <= size_a else "a"
        findings.append(Finding("article", "across", Ref(ids[a]), Ref(ids[b]),
                                pair.jaccard, pair.containment, reason, remove))  # type: ignore[arg-type]

    pkeys = paragraphs.key_matrix()
    shared = verify(paragraphs, candidate_pairs(pkeys, paragraphs.sets, settings.max_bucket), settings)
    earliest: dict[int, tuple[int, Verified]] = {}
    for pair in shared:
        ox, oy = paragraphs.owners[pair.x], paragraphs.owners[pair.y]
        if clusters.find(ox) == clusters.find(oy):
            continue  # already reported as whole near-duplicate articles
        x, y = (pair.x, pair.y) if (ox, paragraphs.paragraphs[pair.x]) < (oy, paragraphs.paragraphs[pair.y]) else (pair.y, pair.x)
        if y not in earliest or earliest[y][0] > x:
            earliest[y] = (x, pair)
    for y, (x, pair) in sorted(earliest.items()):
        reason = "duplicate" if pair.jaccard >= settings.threshold else "contained"
        findings.append(Finding(
            "paragraph", "across",
            Ref(ids[paragraphs.owners[x]], paragraphs.paragraphs[x]),
            Ref(ids[paragraphs.owners[y]], paragraphs.paragraphs[y]),
            pair.jaccard, pair.containment, reason, None))  # type: ignore[arg-type]
    return findings
