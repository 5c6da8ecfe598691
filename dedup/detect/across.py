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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..parallel import in_background
from ..settings import Settings
from ..sketch.sets import intersection_sizes, union, unique
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
                    containment: float | None = None) -> np.ndarray:
    """Candidate pairs ``(x, y)``, ``x < y``, as an ``(m, 2)`` array sorted by ``x`` then
    ``y``: identical sets, LSH band collisions and (with ``containment``) every pair
    where the smaller set may be contained in the larger at that share (see
    :func:`containment_pairs`).

    Only the first copy of identical sets enters LSH. A band bucket pairs each of its
    first ``max_bucket`` members (in item order) with every later member, so a
    cluster of ``n`` near-identical items costs at most ``max_bucket * n`` pairs,
    held as integers, not as Python objects.
    """
    return start_candidates(keys, sets, max_bucket, containment)()


def start_candidates(keys: np.ndarray, sets: list[np.ndarray], max_bucket: int,
                     containment: float | None = None, jobs: int = 1) -> Callable[[], np.ndarray]:
    """:func:`candidate_pairs` in two steps: this call finds the first copies of
    identical sets and, with ``jobs`` > 1, starts the containment candidates in a
    forked process; the function it returns pairs the bands and joins the two."""
    n = keys.shape[0]
    representative: dict[int, int] = {}
    reps: list[int] = []
    copies: list[int] = []
    for item in range(n):
        if len(sets[item]) == 0:
            continue
        first = representative.setdefault(set_hash(sets[item]), item)
        if first == item:
            reps.append(item)
        else:
            copies.append(first * n + item)
    share = containment if len(reps) >= 2 else None

    def contained() -> np.ndarray:
        assert share is not None
        return containment_pairs([sets[i] for i in reps], share, max_bucket)

    pending = in_background(contained) if share is not None and jobs > 1 else contained

    def pairs() -> np.ndarray:
        codes = unique(np.asarray(copies, dtype=np.int64))
        if len(reps) >= 2:
            rep_index = np.asarray(reps, dtype=np.int64)
            for band in range(keys.shape[1]):
                codes = union(codes, _bucket_pairs(keys[rep_index, band], rep_index,
                                                   max_bucket, n))
            if share is not None:
                found = pending()
                x, y = rep_index[found[:, 0]], rep_index[found[:, 1]]
                codes = union(codes, np.minimum(x, y) * n + np.maximum(x, y))
        return np.stack((codes // max(n, 1), codes % max(n, 1)), axis=1)

    return pairs


def _bucket_pairs(column: np.ndarray, members: np.ndarray, max_bucket: int,
                  n: int) -> np.ndarray:
    """The pairs one band gives, encoded ``x * n + y``: within each bucket (items with
    one key), each of the first ``max_bucket`` members with every later member.
    ``members`` is sorted."""
    order = np.lexsort((members, column))
    ordered = column[order]
    items = members[order]
    size = len(items)
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [size]))
    group_start = np.repeat(starts, ends - starts)
    group_end = np.repeat(ends, ends - starts)
    position = np.arange(size, dtype=np.int64)
    later = np.where(position - group_start < max_bucket, group_end - position - 1, 0)
    total = int(later.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    xs = np.repeat(items, later)
    step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(later) - later, later)
    ys = items[np.repeat(position, later) + 1 + step]
    return unique(xs * n + ys)


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
    # Distinct shingles by one stable sort, in 4-byte arrays where they fit: the
    # corpus's every shingle is held a few times over here, which sets the scan's peak.
    flat = np.concatenate(sets)
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    del flat
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    del ordered
    counts = np.diff(np.append(np.flatnonzero(first), len(first)))
    nvalues = len(counts)
    inverse = np.empty(len(first), dtype=np.int32)
    inverse[order] = np.cumsum(first, dtype=np.int32) - 1
    del first
    # Every holder of a shingle, grouped by shingle (the sort was stable: in set order).
    holders = owner[order]
    del order
    # Each distinct shingle's rank, rarest first (ties by value); then, per set, the
    # rank of its k-th rarest shingle: its prefix is every shingle ranked up to that.
    value_rank = np.empty(nvalues, dtype=np.int32)
    value_rank[np.argsort(counts, kind="stable")] = np.arange(nvalues, dtype=np.int32)
    element_rank = value_rank[inverse]
    del value_rank
    keys = owner.astype(np.int64)
    keys *= nvalues
    keys += element_rank
    keys.sort()
    firsts = np.cumsum(sizes) - sizes
    prefix_len = sizes - np.ceil(share * sizes - 1e-9).astype(np.int64) + 1
    nonempty = sizes > 0
    kth = np.full(count, -1, dtype=np.int32)
    kth[nonempty] = keys[firsts[nonempty] + np.minimum(prefix_len, sizes)[nonempty] - 1] % nvalues
    del keys
    in_prefix = element_rank <= kth[owner]
    del element_rank
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
    pairs = unique(np.minimum(xs, ys) * count + np.maximum(xs, ys))
    return np.stack((pairs // count, pairs % count), axis=1)


@dataclass(frozen=True)
class Verified:
    x: int
    y: int
    jaccard: float
    containment: float


def verify(items: Items, pairs: np.ndarray, settings: Settings,
           same_owner_ok: bool = False) -> list[Verified]:
    """The candidate ``pairs`` that are near-duplicates or contained, measured exactly."""
    x, y, jaccard, containment = verify_table(items, pairs, settings, same_owner_ok)
    return [Verified(*row) for row in zip(x.tolist(), y.tolist(), jaccard.tolist(),
                                          containment.tolist())]


def verify_table(items: Items, pairs: np.ndarray, settings: Settings,
                 same_owner_ok: bool = False) -> tuple[np.ndarray, ...]:
    """As :func:`verify`, as arrays ``(x, y, jaccard, containment)``."""
    if not same_owner_ok and len(pairs):
        owners = np.asarray(items.owners, dtype=np.int64)
        pairs = pairs[owners[pairs[:, 0]] != owners[pairs[:, 1]]]
    xs, ys = pairs[:, 0], pairs[:, 1]
    sizes = np.fromiter(map(len, items.sets), dtype=np.int64, count=len(items.sets))
    inter = intersection_sizes(items.sets, xs, ys)
    union_size = sizes[xs] + sizes[ys] - inter
    smaller = np.minimum(sizes[xs], sizes[ys])
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union_size > 0, inter / np.maximum(union_size, 1), 0.0)
        containment = np.where(smaller > 0, inter / np.maximum(smaller, 1), 0.0)
    keep = (jaccard >= settings.threshold) | (containment >= settings.containment)
    return pairs[keep, 0], pairs[keep, 1], jaccard[keep], containment[keep]


def find_across(articles: Items, paragraphs: Items, ids: list[str], settings: Settings,
                jobs: int = 1) -> list[Finding]:
    """Whole near-duplicate articles, then paragraphs shared by otherwise different
    articles; with ``jobs`` > 1, in two processes (see :func:`candidate_pairs`)."""
    findings: list[Finding] = []
    keys = articles.key_matrix()
    article_candidates = start_candidates(keys, articles.sets, settings.max_bucket,
                                          settings.containment, jobs)
    # In parallel, both levels' containment candidates are under way at once; alone,
    # the paragraphs' band keys are gathered only once the articles are done with.
    paragraph_candidates = start_candidates(paragraphs.key_matrix(), paragraphs.sets,
                                            settings.max_bucket, settings.containment,
                                            jobs) if jobs > 1 else None
    article_pairs = verify(articles, article_candidates(), settings)
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

    if paragraph_candidates is None:
        paragraph_candidates = start_candidates(paragraphs.key_matrix(), paragraphs.sets,
                                                settings.max_bucket, settings.containment)
    shared = verify(paragraphs, paragraph_candidates(), settings)
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
