"""Chunk results survive the trip to and from worker processes unchanged."""

from __future__ import annotations

import pickle

import numpy as np

from dedup.io.reader import Article
from dedup.pipeline.scan import analyze_chunk, scan
from dedup.settings import Settings

BODY = ("The council voted on Tuesday to approve the new budget for schools, roads and parks "
        "after a long debate that lasted into the night.")
ARTICLES = [
    Article("a", BODY + "\n\nA second paragraph that says something else entirely, at length.", "a"),
    Article("b", "Unrelated opening paragraph about the weather and the harvest this year.\n\n" + BODY, "b"),
    Article("c", BODY + "\n\nA second paragraph that says something else entirely, at length.", "c"),
    Article("d", "short", "d"),
]


def test_chunk_result_pickles_its_sets_exactly() -> None:
    result = analyze_chunk(ARTICLES, Settings())
    back = pickle.loads(pickle.dumps(result))
    assert back.ids == result.ids
    for name in ("article_sets", "paragraph_sets"):
        assert len(getattr(back, name)) == len(getattr(result, name))
        assert all(np.array_equal(x, y) for x, y in zip(getattr(back, name), getattr(result, name)))
    assert np.array_equal(back.paragraph_keys, result.paragraph_keys)


def test_two_jobs_find_what_one_job_finds() -> None:
    one = scan(ARTICLES * 3, Settings(), jobs=1, chunk_size=2)
    two = scan(ARTICLES * 3, Settings(), jobs=2, chunk_size=2)
    assert one.findings == two.findings
    assert any(f.kind == "article" and f.scope == "across" for f in one.findings)
