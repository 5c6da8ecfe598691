"""Near-duplicates across articles: LSH candidates, exact verification, union-find.

Items (whole articles, or long-enough paragraphs) are first grouped by an exact hash
of their shingle set, so a thousand copies of one paragraph cost one LSH entry;
then each band's buckets give candidate pairs, oversized buckets being paired
against their first members only. LSH on Jaccard cannot see a short text wholly
inside a much longer one (their Jaccard is low), so containment candidates come
from prefix filtering: a set contained at ``c`` in a larger one shares at least one
of its ``|x| - ceil(c * |x|) + 1`` rarest shingles with it. Every candidate is
verified exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..document import overlap
from ..settings import Settings
from .findings import Finding, Ref
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


def candidate_pairs(keys: np.ndarray, sets: list[np.ndarray], max_bucket: int,
                    containment: float | None = None) -> Iterator[tuple[int, int]]:
    """Candidate pairs ``(x, y)``, ``x < y``: identical sets, then LSH band collisions,
    then (with ``containment``) every pair where the smaller set may be contained in
    the larger at that share (see :func:`containment_pairs`)."""
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
    if containment is not None:
        for x, y in containment_pairs([sets[i] for i in reps], containment, max_bucket).tolist():
            pair = (reps[x], reps[y]) if reps[x] < reps[y] else (reps[y], reps[x])
            if pair not in seen:
                seen.add(pair)
                yield pair


def containment_pairs(sets: list[np.ndarray], share: float, max_bucket: int) -> np.ndarray:
    """Pairs ``(x, y)`` (an ``(n, 2)`` array) in which the smaller set may hold ``share``
    of its shingles in the larger: prefix filtering, vectorised.

    Each set's prefix is its ``|x| - ceil(share * |x|) + 1`` rarest shingles (rarest in
    these sets, ties by value); a pair qualifies when a prefix shingle of the smaller
    set is anywhere in the larger. A shingle held by more than ``4 * max_bucket`` sets
    is left out of the pairing (it says little and would make the work quadratic).
    """
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    if len(sets) < 2 or sizes.sum() == 0:
        return np.zeros((0, 2), dtype=np.int64)
    count = len(sets)
    owner = np.repeat(np.arange(count, dtype=np.int32), sizes)
    values, inverse, counts = np.unique(np.concatenate(sets), return_inverse=True,
                                        return_counts=True)
    inverse = inverse.astype(np.int32)
    nvalues = len(values)
    del values
    # Each distinct shingle's rank, rarest first (ties by value); then, per set, the
    # rank of its k-th rarest shingle: its prefix is every shingle ranked up to that.
    value_rank = np.empty(nvalues, dtype=np.int64)
    value_rank[np.argsort(counts, kind="stable")] = np.arange(nvalues)
    element_rank = value_rank[inverse]
    del value_rank
    keys = owner.astype(np.int64) * nvalues + element_rank
    keys.sort()
    firsts = np.cumsum(sizes) - sizes
    prefix_len = sizes - np.ceil(share * sizes - 1e-9).astype(np.int64) + 1
    nonempty = sizes > 0
    kth = np.full(count, -1, dtype=np.int64)
    kth[nonempty] = keys[firsts[nonempty] + np.minimum(prefix_len, sizes)[nonempty] - 1] % nvalues
    del keys
    in_prefix = element_rank <= kth[owner]
    del element_rank
    # Postings: every holder of a shingle, grouped by shingle.
    holders = owner[np.argsort(inverse, kind="stable")]
    post_end = np.cumsum(counts)
    post_start = post_end - counts
    probe = np.flatnonzero(in_prefix & (counts[inverse] > 1) & (counts[inverse] <= 4 * max_bucket))
    probe_value = inverse[probe]
    lengths = counts[probe_value]
    xs = np.repeat(owner[probe], lengths)
    starts = np.repeat(post_start[probe_value] - (np.cumsum(lengths) - lengths), lengths)
    ys = holders[np.arange(len(xs), dtype=np.int64) + starts]
    # Keep pairs where x is the smaller set (ties: the lower index).
    keep = (sizes[ys] > sizes[xs]) | ((sizes[ys] == sizes[xs]) & (ys > xs))
    xs, ys = xs[keep], ys[keep]
    xs, ys = xs.astype(np.int64), ys.astype(np.int64)
    pairs = np.unique(np.minimum(xs, ys) * count + np.maximum(xs, ys))
    return np.stack((pairs // count, pairs % count), axis=1)


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
    article_pairs = verify(articles, candidate_pairs(keys, articles.sets, settings.max_bucket,
                                                     settings.containment), settings)
    clusters: UnionFind[int] = UnionFind()
    best: dict[int, Verified] = {}
    for pair in article_pairs:
        a, b = articles.owners[pair.x], articles.owners[pair.y]
        clusters.union(a, b)
        later = max(a, b)
        if later not in best or min(articles.owners[best[later].x], articles.owners[best[later].y]) > min(a, b):
            best[later] = pair
    # One finding per later article (its earliest partner), plus the few pairs still
    # needed so that the findings connect every cluster (an article whose only
    # partners are later ones would otherwise be reported nowhere).
    chosen = [pair for _, pair in sorted(best.items())]
    reported: UnionFind[int] = UnionFind()
    for pair in chosen:
        reported.union(articles.owners[pair.x], articles.owners[pair.y])
    for pair in sorted(article_pairs, key=lambda p: (max(articles.owners[p.x], articles.owners[p.y]),
                                                     min(articles.owners[p.x], articles.owners[p.y]))):
        a, b = articles.owners[pair.x], articles.owners[pair.y]
        if reported.find(a) != reported.find(b):
            reported.union(a, b)
            chosen.append(pair)
    chosen.sort(key=lambda p: (max(articles.owners[p.x], articles.owners[p.y]),
                               min(articles.owners[p.x], articles.owners[p.y])))
    for pair in chosen:
        a, b = sorted((articles.owners[pair.x], articles.owners[pair.y]))
        size_a, size_b = len(articles.sets[pair.x]), len(articles.sets[pair.y])
        if articles.owners[pair.x] != a:
            size_a, size_b = size_b, size_a
        reason = "duplicate" if pair.jaccard >= settings.threshold else "contained"
        remove = "b" if reason == "duplicate" or size_b <= size_a else "a"
        findings.append(Finding("article", "across", Ref(ids[a]), Ref(ids[b]),
                                pair.jaccard, pair.containment, reason, remove,  # type: ignore[arg-type]
                                rule="DUP401"))

    pkeys = paragraphs.key_matrix()
    shared = verify(paragraphs, candidate_pairs(pkeys, paragraphs.sets, settings.max_bucket,
                                                settings.containment), settings)
    earliest: dict[int, tuple[int, Verified]] = {}
    ordered: list[tuple[int, int, Verified]] = []
    for pair in shared:
        ox, oy = paragraphs.owners[pair.x], paragraphs.owners[pair.y]
        if clusters.find(ox) == clusters.find(oy):
            continue  # already reported as whole near-duplicate articles
        x, y = (pair.x, pair.y) if (ox, paragraphs.paragraphs[pair.x]) < (oy, paragraphs.paragraphs[pair.y]) else (pair.y, pair.x)
        ordered.append((y, x, pair))
        if y not in earliest or earliest[y][0] > x:
            earliest[y] = (x, pair)
    # As for articles: each later paragraph's earliest match, plus the pairs still
    # needed for the findings to connect every group of shared paragraphs.
    linked: UnionFind[int] = UnionFind()
    for y, (x, _) in earliest.items():
        linked.union(x, y)
    links = {(y, x): pair for y, (x, pair) in earliest.items()}
    for y, x, pair in sorted(ordered, key=lambda t: (t[0], t[1])):
        if linked.find(x) != linked.find(y):
            linked.union(x, y)
            links[(y, x)] = pair
    for (y, x), pair in sorted(links.items()):
        reason = "duplicate" if pair.jaccard >= settings.threshold else "contained"
        findings.append(Finding(
            "paragraph", "across",
            Ref(ids[paragraphs.owners[x]], paragraphs.paragraphs[x]),
            Ref(ids[paragraphs.owners[y]], paragraphs.paragraphs[y]),
            pair.jaccard, pair.containment, reason, None, rule="DUP402"))  # type: ignore[arg-type]
    return findings
