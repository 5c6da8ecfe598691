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

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..parallel import in_background
from ..settings import Settings
from ..sketch.sets import FlatSets, first_copies, intersection_sizes, union, unique
from .containment import containment_pairs
from .findings import Finding, Ref
from .unionfind import UnionFind

ARTICLE = -1


class Items:
    """A growing table of comparable items: who owns each, its shingles, its band keys.

    Memory per item is what a million paragraphs can afford: every column is one
    array that grows by doubling (its unused tail is never written, so it costs no
    memory), shingles are one flat array (see :class:`FlatSets`), and band keys are
    folded to 32 bits (a bucket only needs equal keys to stay equal; a chance
    collision costs one more candidate, which verification drops).
    """

    def __init__(self) -> None:
        self.owners = array("q")
        self.paragraphs = array("q")
        self._flat = Column(np.uint32)
        self._ends = Column(np.int64)
        self._keys: Column | None = None
        self._table: FlatSets | None = None

    def extend(self, owners: list[int], paragraphs: list[int], sets: Sequence[np.ndarray],
               keys: np.ndarray) -> None:
        if not len(owners):
            return
        table = FlatSets.of(sets)
        self.owners.extend(owners)
        self.paragraphs.extend(paragraphs)
        self._ends.extend(table.offsets[1:] + len(self._flat))
        self._flat.extend(table.flat)
        if self._keys is None:
            self._keys = Column(np.uint32, keys.shape[1])
        self._keys.extend(fold(keys))

    def __len__(self) -> int:
        return len(self.owners)

    @property
    def sets(self) -> FlatSets:
        """Every item's shingle set."""
        if self._table is None or len(self._table) != len(self):
            self._table = FlatSets(self._flat.values(), np.concatenate(([0], self._ends.values())))
        return self._table

    def key_matrix(self) -> np.ndarray:
        if self._keys is None:
            return np.zeros((0, 1), dtype=np.uint32)
        return self._keys.values()


class Column:
    """A numpy array (of rows of ``width``, if given) that grows by doubling."""

    def __init__(self, dtype: type[np.generic], width: int | None = None) -> None:
        self._shape: tuple[int, ...] = () if width is None else (width,)
        self._data = np.empty((1024, *self._shape), dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values: np.ndarray) -> None:
        end = self._size + len(values)
        if end > len(self._data):
            # np.empty of a large array maps fresh pages: the tail costs nothing
            # until written, and the old array is returned whole once copied.
            grown = np.empty((max(end, 2 * len(self._data)), *self._shape), dtype=self._data.dtype)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:end] = values
        self._size = end

    def values(self) -> np.ndarray:
        """The values so far (a view: valid until the next ``extend``)."""
        return self._data[:self._size]


def fold(keys: np.ndarray) -> np.ndarray:
    """64-bit band keys as 32-bit ones (equal keys stay equal)."""
    if keys.dtype == np.uint32:
        return keys
    high = keys >> np.uint64(32)
    folded: np.ndarray = (high ^ keys).astype(np.uint32)  # the low 32 bits of the xor
    return folded


def candidate_pairs(keys: np.ndarray, sets: Sequence[np.ndarray], max_bucket: int,
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


def start_candidates(keys: np.ndarray, sets: Sequence[np.ndarray], max_bucket: int,
                     containment: float | None = None, jobs: int = 1) -> Callable[[], np.ndarray]:
    """:func:`candidate_pairs` in two steps: this call finds the first copies of
    identical sets and, with ``jobs`` > 1, starts the containment candidates in a
    forked process; the function it returns pairs the bands and joins the two."""
    n = keys.shape[0]
    table = FlatSets.of(sets)
    first = first_copies(table)
    own = first == np.arange(n)
    reps = np.flatnonzero(own & (table.sizes > 0))
    copies = first[~own] * n + np.flatnonzero(~own)
    share = containment if len(reps) >= 2 else None

    def contained() -> np.ndarray:
        assert share is not None
        return containment_pairs(table, share, max_bucket, reps)

    pending = in_background(contained) if share is not None and jobs > 1 else contained

    def pairs() -> np.ndarray:
        codes = unique(copies)
        if len(reps) >= 2:
            for band in range(keys.shape[1]):
                codes = union(codes, _bucket_pairs(keys[reps, band], reps, max_bucket, n))
            if share is not None:
                found = pending()
                x, y = reps[found[:, 0]], reps[found[:, 1]]
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


@dataclass(frozen=True, slots=True)
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
        owners = np.frombuffer(items.owners, dtype=np.int64)
        pairs = pairs[owners[pairs[:, 0]] != owners[pairs[:, 1]]]
    xs, ys = pairs[:, 0], pairs[:, 1]
    sizes = items.sets.sizes
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
    # Paragraphs of articles already reported as whole near-duplicates are left out
    # before they are verified: with many copies of a corpus, that is most pairs.
    candidates = paragraph_candidates()
    if len(candidates) and len(article_pairs):
        cluster = np.arange(len(ids), dtype=np.int64)
        for members in clusters.groups():
            cluster[members] = members[0]
        owners = np.frombuffer(paragraphs.owners, dtype=np.int64)
        candidates = candidates[cluster[owners[candidates[:, 0]]] != cluster[owners[candidates[:, 1]]]]
    shared = verify(paragraphs, candidates, settings)
    earliest: dict[int, tuple[int, Verified]] = {}
    ordered: list[tuple[int, int, Verified]] = []
    for pair in shared:
        ox, oy = paragraphs.owners[pair.x], paragraphs.owners[pair.y]
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
