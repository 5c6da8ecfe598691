"""Containment candidates: pairs in which a small set may lie almost wholly inside a
larger one, which LSH on Jaccard cannot see, found by vectorised prefix filtering.

A set contained at ``c`` in a larger one shares at least one of its
``|x| - ceil(c * |x|) + 1`` rarest shingles with it, so only those are looked up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..sketch.sets import FlatSets, ranges, runs_of, unique

BLOCK = 1 << 20  # elements per step of the passes over every shingle: bounds their temporaries
_LOW = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


def containment_pairs(sets: Sequence[np.ndarray], share: float, max_bucket: int,
                      members: np.ndarray | None = None, block: int = BLOCK) -> np.ndarray:
    """Pairs ``(x, y)`` (an ``(n, 2)`` array) in which the smaller set may hold ``share``
    of its shingles in the larger: prefix filtering, vectorised. ``members`` (indices
    into ``sets``) restricts the search to those sets; ``x`` and ``y`` are then
    positions in ``members``.

    Each set's prefix is its ``|x| - ceil(share * |x|) + 1`` rarest shingles (rarest in
    these sets, ties by value); a pair qualifies when a prefix shingle of the smaller
    set is anywhere in the larger. A shingle held by more than ``4 * max_bucket`` sets
    is left out of the pairing (it says little and would make the work quadratic).

    Every shingle of the corpus passes through here, which sets the scan's peak
    memory: one 8-byte ``(value, position)`` key per shingle, sorted in place, one
    4-byte column at a time beside it, and 12 bytes per distinct value (about 20
    bytes per shingle in all on a corpus of copies); every other step runs in blocks
    of ``block`` elements.
    """
    table = FlatSets.of(sets)
    chosen = np.arange(len(table), dtype=np.int64) if members is None else \
        np.asarray(members, dtype=np.int64)
    sizes = table.sizes[chosen]
    count, total = len(chosen), int(sizes.sum())
    if count < 2 or total == 0:
        return np.zeros((0, 2), dtype=np.int64)
    ends = np.cumsum(sizes)
    firsts = ends - sizes
    values = table.flat
    if values.dtype.itemsize > 4 and int(values.max(initial=0)) >= 1 << 32:
        values = _dense(values)  # order-preserving 32-bit codes
    # Each shingle as (value, position in member order): one in-place sort groups the
    # holders of every value, in member order.
    keys = np.empty(total, dtype=np.uint64)
    origins = table.offsets[chosen]
    for m0, m1 in runs_of(ends, block):
        lo, hi = int(firsts[m0]), int(ends[m1 - 1])
        part = values[ranges(origins[m0:m1], sizes[m0:m1])].astype(np.uint64)
        part <<= _S32
        part |= np.arange(lo, hi, dtype=np.uint64)
        keys[lo:hi] = part
    keys.sort()
    # Runs of one value: where each starts; a run's number (its value's rank by
    # value) is found block by block from those starts, never held per shingle.
    index = np.int32 if total < 1 << 31 else np.int64
    starts: list[np.ndarray] = []
    for lo in range(0, total, block):
        hi = min(total, lo + block)
        new = np.empty(hi - lo, dtype=bool)
        new[0] = lo == 0 or (keys[lo] >> _S32) != (keys[lo - 1] >> _S32)
        np.not_equal(keys[lo + 1:hi] >> _S32, keys[lo:hi - 1] >> _S32, out=new[1:])
        starts.append(np.flatnonzero(new).astype(index) + lo)
    group_start = np.concatenate(starts)
    del starts
    nvalues = len(group_start)
    counts = np.empty(nvalues, dtype=np.int32)
    np.subtract(group_start[1:], group_start[:-1], out=counts[:-1], casting="unsafe")
    counts[-1] = total - int(group_start[-1])
    runs = [(lo, min(total, lo + block)) for lo in range(0, total, block)]

    def groups(lo: int, hi: int) -> np.ndarray:
        at = int(np.searchsorted(group_start, lo, "right")) - 1
        inside = group_start[at + 1: int(np.searchsorted(group_start, hi))] - lo
        flags = np.zeros(hi - lo, dtype=np.int64)
        flags[inside] = 1
        found = np.cumsum(flags)
        found += at
        return found

    value_rank = _rarity_ranks(counts, 4 * max_bucket + 1, block)
    # Per set, the rank of its k-th rarest shingle: its prefix is every shingle ranked
    # up to that. Ranks go back to member order, where each set is one run.
    rank = np.empty(total, dtype=np.int32)
    for lo, hi in runs:
        rank[(keys[lo:hi] & _LOW).astype(np.int64)] = value_rank[groups(lo, hi)]
    prefix_len = np.minimum(sizes - np.ceil(share * sizes - 1e-9).astype(np.int64) + 1, sizes)
    kth = np.full(count, -1, dtype=np.int32)
    for m0, m1 in runs_of(ends, block):
        lo, hi = int(firsts[m0]), int(ends[m1 - 1])
        local = np.repeat(np.arange(m1 - m0, dtype=np.int64), sizes[m0:m1])
        local *= nvalues
        local += rank[lo:hi]
        local.sort()
        full = sizes[m0:m1] > 0
        at = (firsts[m0:m1] - lo + prefix_len[m0:m1] - 1)[full]
        kth[m0:m1][full] = local[at] % nvalues
    del rank
    owner = np.repeat(np.arange(count, dtype=np.int32), sizes)
    found: list[np.ndarray] = []
    for lo, hi in runs:
        g = groups(lo, hi)
        x = owner[(keys[lo:hi] & _LOW).astype(np.int64)]
        held = counts[g]
        probe = np.flatnonzero((value_rank[g] <= kth[x]) & (held > 1) & (held <= 4 * max_bucket))
        found.extend(_holder_pairs(probe + lo, x[probe], g[probe], group_start, counts, keys,
                                   owner, sizes, count, block))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = unique(np.concatenate(found))
    return np.stack((pairs // count, pairs % count), axis=1)


def _rarity_ranks(counts: np.ndarray, cap: int, block: int) -> np.ndarray:
    """Each value's rank by how many sets hold it, rarest first, ties by value (by its
    position in ``counts``): a counting sort, in blocks. Counts of ``cap`` or more
    tie, ranked last by value: such values are never probed, and every rarer value
    still ranks before them, so no set's prefix changes for the rarer ones."""
    clipped = np.minimum(counts, cap)
    histogram = np.bincount(clipped, minlength=cap + 1)
    seen = np.cumsum(histogram) - histogram  # values of smaller count come first
    ranks = np.empty(len(counts), dtype=np.int32)
    for g0 in range(0, len(counts), block):
        part = clipped[g0:g0 + block]
        order = np.argsort(part, kind="stable")
        ordered = part[order]
        starts = np.flatnonzero(np.diff(ordered, prepend=-1))
        within = np.arange(len(ordered)) - np.repeat(starts, np.diff(np.append(starts, len(ordered))))
        ranks[g0 + order] = seen[ordered] + within
        seen += np.bincount(part, minlength=cap + 1)
    return ranks


def _holder_pairs(at: np.ndarray, xs: np.ndarray, groups: np.ndarray, group_start: np.ndarray,
                  counts: np.ndarray, keys: np.ndarray, owner: np.ndarray, sizes: np.ndarray,
                  count: int, block: int) -> Iterator[np.ndarray]:
    """Each probing shingle's set ``xs[k]`` paired with every larger holder of its value
    (encoded ``x * count + y``, smaller index first), in batches of about ``block``."""
    lengths = counts[groups].astype(np.int64)
    reach = np.cumsum(lengths)
    first = 0
    while first < len(at):
        done = int(reach[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(reach, done + block, "right")))
        span = lengths[first:last]
        ys = owner[(keys[ranges(group_start[groups[first:last]], span)] & _LOW).astype(np.int64)]
        x = np.repeat(xs[first:last], span).astype(np.int64)
        y = ys.astype(np.int64)
        keep = (sizes[y] > sizes[x]) | ((sizes[y] == sizes[x]) & (y > x))
        x, y = x[keep], y[keep]
        yield unique(np.minimum(x, y) * count + np.maximum(x, y))
        first = last


def _dense(values: np.ndarray) -> np.ndarray:
    """Values replaced by their rank among the distinct values (order kept)."""
    distinct = unique(values)
    return np.searchsorted(distinct, values).astype(np.uint32)
