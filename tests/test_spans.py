"""Runs of words repeated inside a paragraph: the search for copies back to back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.clean.spans import Words, tandem_repeats


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
