"""Across articles: containment candidates and findings that connect every cluster."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.detect.across import ARTICLE, Items, candidate_pairs, containment_pairs, find_across
from dedup.pipeline.scan import fingerprint
from dedup.settings import Settings
from dedup.sketch.sets import FlatSets


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


def _reference_containment_pairs(sets: list[np.ndarray], share: float, max_bucket: int) -> list[list[int]]:
    """Prefix filtering written out directly, set by set."""
    counts: dict[int, int] = {}
    for s in sets:
        for v in s.tolist():
            counts[v] = counts.get(v, 0) + 1
    pairs = set()
    for x, s in enumerate(sets):
        ranked = sorted(s.tolist(), key=lambda v: (counts[v], v))
        prefix = ranked[:len(ranked) - int(np.ceil(share * len(ranked) - 1e-9)) + 1]
        for v in prefix:
            if not 1 < counts[v] <= 4 * max_bucket:
                continue
            for y, other in enumerate(sets):
                bigger = len(other) > len(s) or (len(other) == len(s) and y > x)
                if bigger and v in set(other.tolist()):
                    pairs.add((min(x, y), max(x, y)))
    return [list(pair) for pair in sorted(pairs)]


@given(st.lists(st.lists(st.integers(0, 60), max_size=25), min_size=2, max_size=25),
       st.sampled_from([0.5, 0.8, 0.9]), st.integers(1, 4), st.sampled_from([1, 7, 1 << 21]))
def test_containment_pairs_follow_the_prefix_rule(values: list[list[int]], share: float,
                                                  max_bucket: int, block: int) -> None:
    # Small blocks cut sets, value groups and holder lists across the passes' steps.
    sets = [_set(v) for v in values]
    if sum(map(len, sets)) == 0:
        return
    expected = _reference_containment_pairs(sets, share, max_bucket)
    assert containment_pairs(sets, share, max_bucket, block=block).tolist() == expected
    # The same search over a subset of a larger table, as the scan runs it.
    table = FlatSets.of([_set([999])] + sets)
    members = np.arange(1, len(sets) + 1)
    assert containment_pairs(table, share, max_bucket, members, block).tolist() == expected


def test_candidate_pairs_add_containment_pairs_lsh_misses() -> None:
    small = _set(range(100, 120))
    large = _set(list(range(100, 120)) + list(range(5000, 5200)))
    sets = [large, small]
    keys = fingerprint(sets, Settings())
    assert candidate_pairs(keys, sets, 64).tolist() == []
    assert candidate_pairs(keys, sets, 64, 0.9).tolist() == [[0, 1]]


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


def _reference_band_pairs(keys: np.ndarray, sets: list[np.ndarray], cap: int) -> set[tuple[int, int]]:
    """The band rule written out directly: identical sets pair with their first copy;
    each bucket of first copies pairs its first ``cap`` members with every later one."""
    first: dict[bytes, int] = {}
    pairs: set[tuple[int, int]] = set()
    for item, values in enumerate(sets):
        if len(values):
            rep = first.setdefault(values.tobytes(), item)
            if rep != item:
                pairs.add((rep, item))
    reps = sorted(first.values())
    for band in range(keys.shape[1]):
        buckets: dict[int, list[int]] = {}
        for item in reps:
            buckets.setdefault(int(keys[item, band]), []).append(item)
        for members in buckets.values():
            for position, x in enumerate(members[:cap]):
                pairs.update((x, y) for y in members[position + 1:])
    return pairs


def test_candidate_pairs_follow_the_band_rule_on_random_buckets() -> None:
    rng = np.random.default_rng(11)
    sets = [np.unique(rng.integers(0, 30, size=int(rng.integers(0, 6))).astype(np.uint32))
            for _ in range(120)]
    keys = rng.integers(0, 5, size=(120, 4)).astype(np.uint64)
    for cap in (2, 3, 64):
        pairs = candidate_pairs(keys, sets, cap)
        assert pairs.tolist() == sorted(map(list, _reference_band_pairs(keys, sets, cap)))


def test_a_cluster_of_near_identical_items_costs_cap_pairs_per_item() -> None:
    # 3,000 items in one bucket of every band: pairs grow with cap * n, not n * n.
    n, cap = 3000, 8
    sets = [_set([i, 10_000 + i]) for i in range(n)]
    keys = np.zeros((n, 16), dtype=np.uint64)
    pairs = candidate_pairs(keys, sets, cap)
    assert len(pairs) == sum(n - 1 - k for k in range(cap))
    assert (pairs[:, 0] < pairs[:, 1]).all()


def test_intersection_sizes_match_python_sets() -> None:
    from dedup.sketch.sets import intersection_sizes

    rng = np.random.default_rng(3)
    sets = [_set(rng.integers(0, 300, int(rng.integers(0, 120))).tolist()) for _ in range(50)]
    xs = rng.integers(0, 50, 400)
    ys = rng.integers(0, 50, 400)
    expected = [len(set(sets[x].tolist()) & set(sets[y].tolist())) for x, y in zip(xs, ys)]
    for budget in (1, 500, 1 << 22):
        assert intersection_sizes(sets, xs, ys, budget).tolist() == expected


def test_items_keep_every_set_and_key_across_many_chunks() -> None:
    # Columns grow by doubling: thousands of small chunks must come back intact.
    rng = np.random.default_rng(7)
    items = Items()
    sets: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for chunk in range(300):
        part = [_set(rng.integers(0, 10_000, int(rng.integers(0, 40))).tolist()) for _ in range(7)]
        part_keys = rng.integers(0, 2**63, (7, 5), dtype=np.uint64)
        items.extend([chunk] * 7, list(range(7)), part, part_keys)
        sets.extend(part)
        keys.append(part_keys)
    assert len(items) == len(items.sets) == 2100
    assert all(np.array_equal(a, b) for a, b in zip(items.sets, sets))
    assert items.sets.sizes.tolist() == [len(s) for s in sets]
    assert items.owners.tolist() == [k // 7 for k in range(2100)]
    # Folded keys: equal rows stay equal, and the rows of one key matrix keep their order.
    folded, original = items.key_matrix(), np.concatenate(keys)
    assert folded.shape == original.shape and folded.dtype == np.uint32
    same = (original[:, None, 0] == original[None, :, 0])
    assert ((folded[:, None, 0] == folded[None, :, 0]) | ~same).all()


def test_flat_sets_index_like_a_list() -> None:
    joined = FlatSets.of([_set([1, 2]), _set([]), _set([5, 9, 11])])
    assert [s.tolist() for s in joined] == [[1, 2], [], [5, 9, 11]]
    assert [joined[i].tolist() for i in range(len(joined))] == [[1, 2], [], [5, 9, 11]]
    assert joined.sizes.tolist() == [2, 0, 3]


def _first_copies_by_bytes(sets: list[np.ndarray]) -> list[int]:
    seen: dict[bytes, int] = {}
    return [seen.setdefault(s.tobytes(), i) if len(s) else i for i, s in enumerate(sets)]


@given(st.lists(st.lists(st.integers(0, 6), max_size=4), max_size=40), st.sampled_from([64, 1 << 20]))
def test_first_copies_name_the_first_equal_set(values: list[list[int]], block: int) -> None:
    from dedup.sketch.sets import first_copies

    sets = [_set(v) for v in values]
    assert first_copies(sets, block).tolist() == _first_copies_by_bytes(sets)


def test_first_copies_stay_exact_when_digests_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.sketch.sets as sets_module

    # With no mixing, every set of one size and one sum shares a digest.
    monkeypatch.setattr(sets_module, "_MIX1", np.uint64(0))
    sets = [_set([1, 4]), _set([2, 3]), _set([1, 4]), _set([]), _set([2, 3]), _set([5])]
    assert sets_module.first_copies(sets).tolist() == [0, 1, 0, 3, 1, 5]
