"""The cleaner's shortcut: an article that repeats nothing is returned as it is.

``repeats_nothing`` spares most articles the rule loops; these tests hold that it
changes nothing: with and without it, the canonical text, the edits and the repeats
kept are the same, on the fixtures and on the shared data.
"""

from __future__ import annotations

import itertools
import json

import pytest
from conftest import FIXTURES, SHARED, shared_sample

import dedup.clean.engine as engine
from dedup import Article, Settings, analyze
from dedup.clean.engine import Canonical, canonicalize
from dedup.clean.repeats import repeats_nothing
from dedup.detect.templates import TRAILER, strip_trailer
from dedup.sketch.shingle import shared_shingler

SETTINGS = Settings()
SHINGLER = shared_shingler(SETTINGS.shingle, SETTINGS.ngram)


def nothing(text: str, settings: Settings = SETTINGS) -> bool:
    doc = analyze(Article("a", text, "a"), settings)
    return repeats_nothing(doc, settings, shared_shingler(settings.shingle, settings.ngram))


def both(text: str, monkeypatch: pytest.MonkeyPatch, markdown: bool = False) -> tuple[Canonical, Canonical]:
    """The canonical version with the shortcut, and without it."""
    fast = canonicalize(analyze(Article("a", text, "a", markdown=markdown), SETTINGS), SETTINGS)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "repeats_nothing", lambda *args: False)
        full = canonicalize(analyze(Article("a", text, "a", markdown=markdown), SETTINGS), SETTINGS)
    return fast, full


def assert_same(text: str, monkeypatch: pytest.MonkeyPatch, markdown: bool = False) -> None:
    fast, full = both(text, monkeypatch, markdown)
    assert fast.text == full.text
    assert fast.edits == full.edits
    assert list(fast.kept) == list(full.kept)


PROSE = ("The council met on Tuesday to discuss the new budget for the town.\n\n"
         "Residents asked why the library would close two days each week.\n\n"
         "The mayor said the decision had not been taken lightly by anyone.")


def test_an_article_without_repeats_repeats_nothing() -> None:
    assert nothing(PROSE)


def test_a_paragraph_pasted_twice_is_a_repeat() -> None:
    first = PROSE.split("\n\n")[0]
    assert not nothing(PROSE + "\n\n" + first)


def test_a_run_doubled_inside_one_line_is_a_repeat() -> None:
    title = "Floods close the main road into town"
    assert not nothing(f"{title} {title}\n\n{PROSE}")


def test_a_short_phrase_repeated_over_a_line_is_a_repeat() -> None:
    assert not nothing("Created with Sketch. " * 6 + "\n\n" + PROSE)


def test_shingles_longer_than_the_shortest_paragraph_decide_nothing() -> None:
    # A sentence of min_words words has no n-gram of its own when n > min_words.
    settings = Settings(ngram=8, min_words=6)
    assert not nothing(PROSE, settings)


def test_a_caption_is_also_compared_without_its_credit() -> None:
    # Without "(Photo: AP)" the caption is four words: one shingle its line lacks,
    # which the body's four words share.
    caption = "Floods close main road (Photo: AP)"
    assert strip_trailer(caption) != caption
    assert not nothing(f"{caption}\n\nFloods close main road\n\n{PROSE}")


def test_strip_trailer_agrees_with_the_trailer_pattern() -> None:
    lines = ["A boat on the river. (Photo: John Locher, AP)", "The airport termin...",
             "Plain text without any credit", "[File: Reuters]", "", "x" * 500 + " (AP)"]
    for line in lines:
        assert strip_trailer(line) == TRAILER.sub("", line)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".txt", ".md")))
def test_the_shortcut_changes_nothing_on_the_fixtures(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / name
    assert_same(path.read_text(encoding="utf-8"), monkeypatch, markdown=path.suffix == ".md")


def test_the_shortcut_changes_nothing_on_single_paragraphs_of_the_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
    for text in texts:
        for paragraph in text.split("\n\n"):
            assert_same(paragraph, monkeypatch)


@pytest.mark.shared
@pytest.mark.parametrize(("folder", "pattern", "count"), [
    ("extraction/input", "*/*.txt", 60),
    ("extraction-more/input", "*/*", 60),
    ("trafilatura-eval/input", "*/*.txt", 40),
    ("bbc", "*/*.txt", 60),
])
def test_the_shortcut_changes_nothing_on_the_shared_data(folder: str, pattern: str, count: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for path in shared_sample(folder, pattern, count, seed=29):
        assert_same(path.read_text(encoding="utf-8", errors="replace"), monkeypatch, markdown=path.suffix == ".md")


@pytest.mark.shared
def test_the_shortcut_changes_nothing_on_reuters(monkeypatch: pytest.MonkeyPatch) -> None:
    path = SHARED / "reuters21578" / "reuters21578.jsonl"
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, 300)]
    texts = [r["text"] for r in records if r.get("text")]
    assert sum(nothing(t) for t in texts) > len(texts) // 2  # the shortcut is taken
    for text in texts:
        assert_same(text, monkeypatch)
