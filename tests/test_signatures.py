"""Signatures are datasketch's MinHash, value for value."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from dedup.sketch.minhash import (
    band_keys,
    bands_for_recall,
    candidate_probability,
    sha1_hashes,
    signature,
    signatures,
    to_datasketch,
)
from dedup.sketch.shingle import Shingler, shingle_strings

TEXT = ("After heavy rain flooded three districts overnight, the city council has opened "
        "four shelters for families forced from their homes by the rising water.")


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 42)])
def test_signature_equals_datasketch_for_the_same_shingle_hashes(num_perm: int, seed: int) -> None:
    hashes = Shingler("word", 5).shingles(TEXT)
    reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(signature(hashes, num_perm, seed), reference.hashvalues)


def test_signature_equals_default_datasketch_minhash_of_shingle_strings() -> None:
    shingles = [s.encode() for s in shingle_strings(TEXT)]
    reference = MinHash(num_perm=128, seed=1)
    for s in shingles:
        reference.update(s)
    assert np.array_equal(signature(sha1_hashes(shingles)), reference.hashvalues)


def test_batch_signatures_match_one_at_a_time_and_empty_sets() -> None:
    shingler = Shingler()
    sets = [shingler.shingles(TEXT), np.zeros(0, np.uint32), shingler.shingles("one two three")]
    batch = signatures(sets)
    for row, hashes in zip(batch, sets):
        assert np.array_equal(row, signature(hashes))
    assert np.array_equal(batch[1], MinHash(128, 1).hashvalues)


def test_lean_minhash_round_trip_compares_with_datasketch() -> None:
    shingler = Shingler()
    a = shingler.shingles(TEXT)
    b = shingler.shingles(TEXT + " Officials said more rain is expected.")
    lean = to_datasketch(signature(a))
    other = MinHash(128, 1, hashfunc=int)
    other.update_batch(b.tolist())
    assert isinstance(lean, LeanMinHash)
    assert 0.6 < lean.jaccard(other) <= 1.0


def test_shingles_ignore_case_quotes_dashes_and_spacing() -> None:
    shingler = Shingler()
    a = shingler.shingles("The \u201cbig\u201d storm \u2013 the worst in years \u2013 hit on Monday.")
    b = shingler.shingles('the "big"   STORM - the worst in years - hit on monday.')
    assert np.array_equal(a, b)


def test_char_shingles_differ_from_word_shingles() -> None:
    word = Shingler("word", 5).shingles(TEXT)
    char = Shingler("char", 5).shingles(TEXT)
    assert len(char) > len(word) > 0


def test_banding_finds_pairs_at_the_threshold() -> None:
    bands, rows = bands_for_recall(0.8, 128)
    assert bands * rows <= 128
    assert candidate_probability(0.8, bands, rows) >= 0.995
    sigs = signatures([Shingler().shingles(TEXT)] * 2)
    keys = band_keys(sigs, bands, rows)
    assert keys.shape == (2, bands) and np.array_equal(keys[0], keys[1])


def test_flat_signatures_allow_repeats_and_large_sets() -> None:
    from dedup.sketch.minhash import signatures_flat

    rng = np.random.default_rng(3)
    big = np.unique(rng.integers(0, 2**32, 20_000, dtype=np.uint64).astype(np.uint32))
    small = np.unique(rng.integers(0, 2**32, 30, dtype=np.uint64).astype(np.uint32))
    sets = [small, big, np.zeros(0, np.uint32), small]
    flat = np.concatenate([small, big, np.concatenate([small, small])])
    offsets = np.array([0, len(small), len(small) + len(big), len(small) + len(big),
                        len(flat)])
    got = signatures_flat(flat, offsets)
    for row, hashes in zip(got, sets):
        reference = MinHash(128, 1, hashfunc=int)
        reference.update_batch(hashes.tolist())
        assert np.array_equal(row, reference.hashvalues)
