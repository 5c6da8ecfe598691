"""Runs of words repeated inside a paragraph: the search for copies back to back."""

from __future__ import annotations

import random
import re

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.clean import spans
from dedup.clean.spans import Words, pasted_runs, repeated_windows, tandem_repeats


def tandem_by_hand(keys: list[str], min_period: int) -> list[tuple[int, int, int]]:
    """From the left, the shortest period of at least ``min_period`` words that repeats
    straight away, and how many times; then on after the last copy."""
    found, position = [], 0
    while position < len(keys):
        for period in range(min_period, (len(keys) - position) // 2 + 1):
            if keys[position:position + period] == keys[position + period:position + 2 * period]:
                copies = 2
                while keys[position:position + period] == keys[position + copies * period:
                                                                position + (copies + 1) * period]:
                    copies += 1
                found.append((position, period, copies))
                position += period * copies
                break
        else:
            position += 1
    return found


texts = st.lists(st.sampled_from("abcd"), max_size=60).flatmap(
    lambda base: st.tuples(st.just(base), st.integers(0, max(0, len(base))), st.integers(0, 12), st.integers(1, 3)))


@settings(max_examples=1000, deadline=None)
@given(texts, st.integers(1, 5))
def test_tandem_repeats_finds_the_copies_a_search_by_hand_finds(text: tuple[list[str], int, int, int],
                                                               min_period: int) -> None:
    base, at, length, times = text
    keys = base[:at] + base[at:at + length] * times + base[at:]  # some copies back to back
    assert tandem_repeats(keys, min_period) == tandem_by_hand(keys, min_period)


def test_a_common_phrase_is_no_copy_but_a_doubled_run_with_it_is() -> None:
    # "of the" before every other word: every position has hundreds of later
    # occurrences of its first words to try, and none is a copy.
    keys = [w for i in range(500) for w in ("of", "the", f"w{i}")]
    assert tandem_repeats(keys, 2) == []
    doubled = keys[:30] + keys[:30] + keys[30:]
    assert tandem_repeats(doubled, 2) == [(0, 30, 2)]
    assert tandem_repeats(doubled, 2) == tandem_by_hand(doubled, 2)


def test_shouting_is_measured_once_per_paragraph() -> None:
    words = Words.of("THE MARKET FELL today as TRADERS SOLD shares")
    assert words.shouting is True
    assert "shouting" in words.__dict__  # cached: asked for every candidate run
    assert Words.of("The market fell today").shouting is False


def windows_by_hand(paragraphs: list[list[str]], size: int) -> list[list[int]]:
    """Each window of ``size`` words inside one paragraph whose words recur as another
    such window, anywhere."""
    seen: dict[tuple[str, ...], int] = {}
    for keys in paragraphs:
        for at in range(len(keys) - size + 1):
            window = tuple(keys[at:at + size])
            seen[window] = seen.get(window, 0) + 1
    return [[at for at in range(len(keys) - size + 1) if seen[tuple(keys[at:at + size])] > 1]
            for keys in paragraphs]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abc"), max_size=14), max_size=6), st.integers(1, 4))
def testrepeated_windows_are_the_windows_said_twice(paragraphs: list[list[str]], size: int) -> None:
    # A small alphabet makes repeats, and runs that would repeat only across a
    # paragraph break, common; the hashed search must find exactly the repeats.
    assert repeated_windows(paragraphs, size) == windows_by_hand(paragraphs, size)


def test_a_run_across_a_paragraph_break_is_no_repeated_window() -> None:
    # "c d" ends one paragraph and starts nothing: its only other copy spans a break.
    assert repeated_windows([["a", "b", "c", "d"], ["x", "c"], ["d", "y"]], 2) == [[], [], []]
    assert repeated_windows([["a", "b", "c"], ["q", "b", "c"]], 2) == [[1], [1]]


def every_window(paragraphs: list[list[str]], size: int) -> list[list[int]]:
    return [list(range(len(keys) - size + 1)) for keys in paragraphs]


def test_pasted_runs_skip_no_run_that_trying_every_window_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs of fixture text glued into other paragraphs mid-sentence, before a capital,
    # once or twice, some also doubled in place: the hover-card shape DUP304 cuts.
    prose = [line for path in sorted(FIXTURES.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if len(line.split()) > 12]
    rng = random.Random(7)
    found = 0
    for _ in range(400):
        piece = [re.sub(r"\W", "", w) or "x" for w in rng.choice(prose).split()[:rng.randint(6, 30)]]
        piece[0] = piece[0].capitalize()
        texts = []
        for _ in range(rng.randint(1, 6)):
            words = rng.choice(prose).split()
            for _ in range(rng.randint(0, 2)):
                at = rng.randint(1, len(words) - 1)
                words[at] = words[at].capitalize()
                words[at - 1] = re.sub(r"\W$", "", words[at - 1])
                words = words[:at] + piece + words[at:]
            texts.append(" ".join(words))
        min_words = rng.choice([3, 5, 8])
        runs = pasted_runs({3 * k: Words.of(t) for k, t in enumerate(texts)}, min_words)
        with monkeypatch.context() as patched:  # the reference: every window tried in turn
            patched.setattr(spans, "repeated_windows", every_window)
            assert runs == pasted_runs({3 * k: Words.of(t) for k, t in enumerate(texts)}, min_words)
        found += len(runs)
    assert found > 100  # the cases do exercise the cut
