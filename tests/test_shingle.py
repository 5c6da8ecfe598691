"""Vectorised shingling equals shingling one text at a time."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.sketch.shingle import Shingler, shared_shingler, split
from dedup.text.normalize import normalize, normalize_many

TEXTS = [
    "After heavy rain flooded three districts overnight, the city council opened shelters.",
    "Reuter",
    "",
    "   ",
    "two words",
    "The \u201cbig\u201d storm \u2013 the worst in years \u2013 hit on Monday.",
    "Caf\u00e9 owners in the na\u00efve r\u00e9sum\u00e9 district said trade was down 3.5% this year.",
    "x\u3000y\x1c z\u2028 tabs\tand\nnewlines",
    "snake_case words, e-mail and U.S. figures: 1,000.5",
    "\ufb01nance \u2460 full\uff37idth KELVIN \u212a",
]


def test_normalize_many_equals_normalize() -> None:
    assert normalize_many(TEXTS) == [normalize(t) for t in TEXTS]


def test_normalize_many_falls_back_when_a_text_holds_the_separator() -> None:
    texts = ["a\x00b", "c  d"]
    assert normalize_many(texts) == [normalize(t) for t in texts]


@pytest.mark.parametrize(("kind", "n"), [("word", 5), ("word", 1), ("word", 3), ("char", 5)])
def test_shingles_many_equals_one_at_a_time(kind: str, n: int) -> None:
    shingler = Shingler(kind, n)
    many = shingler.shingles_many(TEXTS)
    for text, got in zip(TEXTS, many):
        expected = shingler.shingles(text)
        assert got.dtype == expected.dtype == np.uint32
        assert np.array_equal(got, expected), text


def test_sets_many_handles_arbitrary_spans_and_the_window_cache() -> None:
    shingler = Shingler("word", 3)
    units = shingler.units(normalize(" ".join(TEXTS)))
    starts = np.array([0, 5, 5, 10, 0, len(units) - 2])
    ends = np.array([5, 5, 7, 40, len(units), len(units)])
    windows = shingler.window_hashes(units)
    for cached in (None, windows):
        flat, offsets = shingler.sets_many(units, starts, ends, cached)
        for got, s, e in zip(split(flat, offsets), starts, ends):
            assert np.array_equal(got, shingler.from_units(units[s:e]))


def test_ascii_fast_path_hashes_words_like_the_regular_expression() -> None:
    shingler = Shingler("word", 2)
    text = "under_score a-b c.d 3.5% caf\u00e9"
    ascii_part, unicode_part = shingler.units_many([normalize(text[:20]), normalize(text)])
    assert np.array_equal(ascii_part[: unicode_part[1]], shingler.units(normalize(text[:20])))


def test_shared_shingler_is_one_per_setting() -> None:
    assert shared_shingler("word", 5) is shared_shingler("word", 5)
    assert shared_shingler("word", 5) is not shared_shingler("char", 5)


def test_a_token_hash_depends_on_its_bytes_only() -> None:
    shingler = Shingler("word", 5)
    tokens = ["storm", "caf\u00e9", "a", "storm", "x" * 300]
    hashes = shingler.token_hashes(tokens)
    assert hashes[0] == hashes[3]
    assert len(set(hashes.tolist())) == 4
    assert np.array_equal(shingler.token_hashes([t.encode() for t in tokens]), hashes)
    # The same words through the ASCII and the Unicode paths of units_many.
    units, offsets = shingler.units_many(["the storm", "caf\u00e9 storm"])
    assert units[1] == units[3] == hashes[0]
    assert units[2] == hashes[1]
    assert offsets.tolist() == [0, 2, 4]
