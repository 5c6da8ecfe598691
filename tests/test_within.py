"""Duplicates within one article, as a scan reports them."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import pytest
from conftest import FIXTURES, jaccard_by_hand, shared_path
from hypothesis import strategies as st

from dedup.detect.findings import Finding
from dedup.pipeline.scan import ScanResult, scan_paths


def within(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.scope == "within"]


def pairs(findings: list[Finding]) -> set[tuple[int | None, int | None]]:
    return {(f.a.paragraph, f.b.paragraph) for f in findings}




def check_seed_pattern(path: Path) -> None:
    """Paragraph 2 is contained in paragraph 0, paragraph 3 equals paragraph 1, and
    nothing else within the article is a duplicate."""
    result = scan_paths([str(path)], scope="within")
    assert result.errors == []
    found = within(result)
    assert pairs(found) == {(0, 2), (1, 3)}
    by_pair = {(f.a.paragraph, f.b.paragraph): f for f in found}
    contained, equal = by_pair[(0, 2)], by_pair[(1, 3)]
    assert contained.kind == equal.kind == "paragraph"
    assert contained.containment == 1.0 and contained.remove == "b"
    assert contained.reason == "contained"
    assert equal.jaccard == 1.0 and equal.reason == "duplicate" and equal.remove == "b"
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    assert lines[2] in lines[0] and lines[3] == lines[1]
    assert contained.jaccard == pytest.approx(jaccard_by_hand(lines[0], lines[2]), abs=0.02)
    assert contained.jaccard < 0.8  # found by containment, not by Jaccard


def test_fixture_repeated_intro() -> None:
    check_seed_pattern(FIXTURES / "repeated-intro.txt")


def test_seed_repeated_intro() -> None:
    check_seed_pattern(shared_path("seed", "repeated-intro.txt"))


def test_crlf_and_bom_change_nothing(tmp_path: Path) -> None:
    text = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    check_seed_pattern(path)


@pytest.mark.parametrize("name", ["one-per-line.txt", "bbc-blocks.txt", "wrapped-indented.txt",
                                  "article.md"])
def test_articles_without_repeats_have_no_findings(name: str) -> None:
    result = scan_paths([str(FIXTURES / name)], scope="within")
    assert result.errors == [] and within(result) == []


def test_structure_repeating_prose_is_not_a_duplicate() -> None:
    # The fenced code block in article.md quotes paragraph 2 word for word.
    text = (FIXTURES / "article.md").read_text(encoding="utf-8")
    first = text.split("\n\n")[2]
    assert text.count(first) == 2
    assert within(scan_paths([str(FIXTURES / "article.md")], scope="within")) == []


def test_a_repeated_interview_question_is_a_legitimate_repeat() -> None:
    result = scan_paths([str(FIXTURES / "interview.txt")], scope="within")
    found = within(result)
    assert pairs(found) == {(1, 3), (1, 5)}
    assert all(f.reason == "short" and f.remove is None and not f.is_duplicate for f in found)
    assert result.duplicates == []


def test_a_sentence_repeated_inside_a_new_paragraph(tmp_path: Path) -> None:
    repeated = ("The bridge will stay closed to heavy lorries until engineers have "
                "finished checking every one of its steel cables.")
    path = tmp_path / "sentence.txt"
    path.write_text(
        "The county council closed the old river bridge on Friday after an inspector found "
        f"rust on two of its main supports. {repeated}\n"
        "Buses will take a diversion through the village of Elmstead, adding about twenty "
        "minutes to the journey into town.\n"
        f"Shops near the bridge say trade has already fallen. {repeated} The council has "
        "promised an update at its next meeting in three weeks.\n", encoding="utf-8")
    found = within(scan_paths([str(path)], scope="within"))
    sentence = [f for f in found if f.kind == "sentence"]
    assert [(f.a.paragraph, f.a.sentence, f.b.paragraph, f.b.sentence) for f in sentence] == \
        [(0, 1, 2, 1)]
    assert sentence[0].jaccard == 1.0 and sentence[0].remove == "b"
    assert not [f for f in found if f.kind == "paragraph" and f.is_duplicate]


def shared_by_hand(sets: list[set[int]], indices: list[int], max_posting: int) -> dict[tuple[int, int], int]:
    """Every pair's shared hashes, leaving out hashes held by more than ``max_posting``."""
    holders: dict[int, int] = {}
    for i in indices:
        for h in sets[i]:
            holders[h] = holders.get(h, 0) + 1
    found = {}
    for x, i in enumerate(indices):
        for j in indices[x + 1:]:
            shared = sum(1 for h in sets[i] & sets[j] if holders[h] <= max_posting)
            if shared:
                found[(i, j)] = shared
    return found


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.lists(st.sets(st.integers(0, 40), max_size=12), max_size=12), st.data())
def test_shared_shingles_counts_every_pair_exactly(sets: list[set[int]], data: st.DataObject) -> None:
    from types import SimpleNamespace

    import numpy as np

    from dedup.detect import within as module

    indices = sorted(data.draw(st.sets(st.integers(0, max(0, len(sets) - 1)), max_size=len(sets)))) if sets else []
    doc = SimpleNamespace(shingles=[np.array(sorted(s), dtype=np.uint64) for s in sets])
    # A low cap, so that the hashes left out for being everywhere are exercised too.
    cap = 3
    original, module.MAX_POSTING = module.MAX_POSTING, cap
    try:
        found = dict(module.shared_shingles(doc, indices))  # type: ignore[arg-type]
    finally:
        module.MAX_POSTING = original
    assert found == shared_by_hand(sets, indices, cap)
