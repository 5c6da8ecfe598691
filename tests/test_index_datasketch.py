"""datasketch's surface on MinHashIndex, with real datasketch objects, on SQLite and Redis."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import test_index
from test_index import FLOOD, UNRELATED, synthetic_article

from dedup import MinHashIndex
from dedup.index import DuplicateKeyError, IncompatibleSettingsError, Match
from dedup.sketch.minhash import signatures, to_datasketch
from dedup.sketch.shingle import Shingler

datasketch = pytest.importorskip("datasketch")
location = test_index.location  # a fixture: an index on SQLite and on Redis

WORDS = ["river", "flood", "shelter", "council", "rain", "family", "school", "volunteer",
         "blanket", "meal", "morning", "forecast", "weather", "region", "west", "district",
         "night", "dawn", "home", "hall", "sport"]


def minhash_of(tokens: list[str], num_perm: int = 128, seed: int = 1) -> object:
    """A MinHash made the datasketch way: its own sha1 hashing of byte strings."""
    m = datasketch.MinHash(num_perm=num_perm, seed=seed)
    m.update_batch([t.encode() for t in tokens])
    return m


def token_sets(rng: random.Random, count: int, size: int = 60) -> list[list[str]]:
    return [[f"{rng.choice(WORDS)}-{rng.randrange(10_000)}" for _ in range(size)]
            for _ in range(count)]


def text_minhash(text: str) -> object:
    """A LeanMinHash of a text's shingles as the index makes them (comparable with its
    text entries)."""
    shingles = Shingler("word", 5).shingles(text)
    return to_datasketch(signatures([shingles], 128, 1)[0], 1)


def test_insert_and_query_minhashes_like_datasketch(location: tuple[str, str]) -> None:
    url, name = location
    rng = random.Random(5)
    sets = token_sets(rng, 40)
    near = sets[7][:54] + ["changed-1", "changed-2", "changed-3", "changed-4", "changed-5", "changed-6"]
    lsh = datasketch.MinHashLSH(threshold=0.5, num_perm=128)
    with MinHashIndex(url, name=name) as index:
        for i, tokens in enumerate(sets):
            m = minhash_of(tokens)
            index.insert(f"doc-{i}", m)
            lsh.insert(f"doc-{i}", m)
        lean = datasketch.LeanMinHash(minhash_of(sets[3]))
        index.insert("lean-3", lean)
        assert "doc-7" in index and "lean-3" in index and "doc-99" not in index
        assert len(index) == 41

        query = minhash_of(near)
        matches = index.query(query)
        assert [m.key for m in matches] == ["doc-7"]
        match = matches[0]
        assert isinstance(match, Match) and match.estimated and match.kind == "article"
        # The estimate is datasketch's own.
        assert match.jaccard == pytest.approx(query.jaccard(minhash_of(sets[7])))
        assert match.reason == "duplicate" and match.to_json()["estimated"] is True
        assert "doc-7" in lsh.query(query)

        same = [m.key for m in index.query(minhash_of(sets[3]))]
        assert same[:2] == ["doc-3", "lean-3"] or same[:2] == ["lean-3", "doc-3"]
        assert index.query(minhash_of(token_sets(random.Random(9), 1)[0])) == []


def test_mismatched_minhashes_are_refused(tmp_path: Path) -> None:
    with MinHashIndex(tmp_path / "i.sqlite") as index:
        tokens = token_sets(random.Random(1), 1)[0]
        with pytest.raises(IncompatibleSettingsError, match="num_perm=64"):
            index.insert("a", minhash_of(tokens, num_perm=64))
        with pytest.raises(IncompatibleSettingsError, match="seed=2"):
            index.query(minhash_of(tokens, seed=2))
        legacy = datasketch.MinHash(num_perm=128, seed=1, scheme="legacy")
        legacy.update(b"x")
        with pytest.raises(IncompatibleSettingsError, match="scheme=legacy"):
            index.insert("b", legacy)
        with pytest.raises(TypeError, match="datasketch MinHash"):
            index.query_topk(42, 3)
        assert len(index) == 0


def test_duplicate_keys_remove_and_replace(location: tuple[str, str]) -> None:
    url, name = location
    sets = token_sets(random.Random(2), 2)
    with MinHashIndex(url, name=name) as index:
        index.insert("a", minhash_of(sets[0]))
        with pytest.raises(DuplicateKeyError, match="already exists") as info:
            index.insert("a", minhash_of(sets[1]))
        assert isinstance(info.value, ValueError)  # what datasketch raises
        index.insert("a", minhash_of(sets[1]), check_duplication=False)  # replaces
        assert [m.key for m in index.query(minhash_of(sets[1]))] == ["a"]
        assert index.query(minhash_of(sets[0])) == []
        assert index.stats().entries == 1
        assert index.remove("a") == 1 and "a" not in index
        assert index.query(minhash_of(sets[1])) == [] and len(index) == 0


def test_text_and_minhash_entries_meet_by_estimate(location: tuple[str, str]) -> None:
    url, name = location
    with MinHashIndex(url, name=name) as index:
        index.add("flood", FLOOD)
        index.insert("flood-sketch", text_minhash(FLOOD))
        index.add("concert", UNRELATED)
        # A text query meets the MinHash entry by signature, the text entry exactly.
        matches = [m for m in index.query(FLOOD) if m.kind == "article"]
        assert {m.key: m.estimated for m in matches} == {"flood": False, "flood-sketch": True}
        assert all(m.jaccard == 1.0 for m in matches)
        # A MinHash query meets every kind of entry, by estimate.
        found = {m.key: m.reason for m in index.query(text_minhash(FLOOD))}
        assert found.pop("flood") == found.pop("flood-sketch") == "duplicate"
        # Paragraphs are contained in the whole text (as far as their LSH bands and
        # estimated sizes tell: one may be missed).
        assert found and set(found) <= {"flood#0", "flood#1", "flood#2"}
        assert set(found.values()) == {"contained"}
        assert all(m.estimated and m.query is None for m in index.query(text_minhash(FLOOD)))


def test_insertion_session_writes_everything_once(location: tuple[str, str]) -> None:
    url, name = location
    rng = random.Random(3)
    sets = token_sets(rng, 300)
    texts = [synthetic_article(rng) for _ in range(20)]
    with MinHashIndex(url, name=name) as index:
        with index.insertion_session(buffer_size=50) as session:
            for i, tokens in enumerate(sets):
                session.insert(f"m{i}", minhash_of(tokens))
            for i, text in enumerate(texts):
                session.add(f"t{i}", text)
            assert "m299" in index and "t19" in index  # queued entries are known
            with pytest.raises(DuplicateKeyError):
                session.insert("m0", minhash_of(sets[1]))
        assert len(index) == 320
        assert all(f"m{i}" in [m.key for m in index.query(minhash_of(sets[i]))]
                   for i in range(0, 300, 37))
        assert index.query(texts[4])[0].key in ("t4", "t4#0", "t4#1", "t4#2")


def test_a_failed_session_writes_nothing(tmp_path: Path) -> None:
    sets = token_sets(random.Random(4), 30)
    with MinHashIndex(tmp_path / "i.sqlite") as index:
        index.insert("kept", minhash_of(sets[0]))
        with pytest.raises(RuntimeError), index.insertion_session() as session:
            for i, tokens in enumerate(sets[1:]):
                session.insert(f"lost{i}", minhash_of(tokens))
            index.query(minhash_of(sets[3]))  # a read inside writes the queue first
            raise RuntimeError("stop")
        assert list(index) == ["kept"]
        assert index.query(minhash_of(sets[3])) == []


def test_query_topk_ranks_the_nearest_entries(location: tuple[str, str]) -> None:
    url, name = location
    rng = random.Random(6)
    words = synthetic_article(rng, 1).split()
    with MinHashIndex(url, name=name) as index:
        # Copies of one paragraph with more and more words replaced.
        for changed in (0, 2, 4, 6, 30):
            copy = list(words)
            for i in range(changed):
                copy[(i * 7) % len(copy)] = f"other{i}"
            index.add(f"copy-{changed}", " ".join(copy))
        index.add("unrelated", synthetic_article(rng))
        top = index.query_topk(" ".join(words), 3)
        assert [m.article for m in top][:1] == ["copy-0"]
        assert len(top) == 3 and all(not m.estimated for m in top)
        assert [m.jaccard for m in top] == sorted((m.jaccard for m in top), reverse=True)
        assert {m.article for m in top} <= {"copy-0", "copy-2", "copy-4"}
        # Below both thresholds a top-k result says so.
        far = index.query_topk(" ".join(words), 20)
        assert "unrelated" not in {m.article for m in far}
        assert any(m.reason == "similar" for m in far) or len(far) < 20
        by_minhash = index.query_topk(text_minhash(" ".join(words)), 2)
        assert by_minhash[0].article == "copy-0" and by_minhash[0].estimated
        with pytest.raises(ValueError, match="k must be"):
            index.query_topk(" ".join(words), 0)


def test_estimates_agree_with_datasketch_over_many_pairs(tmp_path: Path) -> None:
    """Our estimated Jaccard is datasketch's, and every pair datasketch's LSH finds
    at or above the threshold is a match of ours."""
    rng = random.Random(8)
    base = token_sets(rng, 30)
    with MinHashIndex(tmp_path / "i.sqlite") as index:
        lsh = datasketch.MinHashLSH(num_perm=128, params=(index.bands, index.rows))
        stored = {}
        for i, tokens in enumerate(base):
            for variant in range(3):
                cut = rng.randrange(0, 20)
                m = minhash_of(tokens[cut:] + [f"v{variant}-{j}" for j in range(cut)])
                stored[f"{i}/{variant}"] = m
                index.insert(f"{i}/{variant}", m)
                lsh.insert(f"{i}/{variant}", m)
        for i in range(0, 30, 3):
            query = minhash_of(base[i])
            ours = {m.key: m.jaccard for m in index.query(query)}
            theirs = {k for k in lsh.query(query) if query.jaccard(stored[k]) >= 0.8}
            assert theirs <= set(ours)
            assert all(ours[k] == pytest.approx(query.jaccard(stored[k])) for k in ours)


def test_stored_signatures_round_trip_exactly(tmp_path: Path) -> None:
    m = minhash_of(token_sets(random.Random(11), 1)[0])
    with MinHashIndex(tmp_path / "i.sqlite") as index:
        index.insert("a", m)
    with MinHashIndex(tmp_path / "i.sqlite", create=False) as index:
        match = index.query(m)[0]
    assert match.jaccard == 1.0 and match.estimated
    assert abs(match.size - m.count()) <= 1  # datasketch's cardinality estimate
    assert np.array_equal(np.asarray(m.hashvalues, dtype=np.uint32), m.hashvalues)
