"""Telling a page's structure from its artifacts (dedup.detect.templates)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.detect.templates import _densest_run, is_markup
from dedup.text.normalize import normalize, words


def markup(text: str) -> bool:
    return is_markup(text, len(words(normalize(text))), 6)


@pytest.mark.parametrize("text", [
    "* [Facebook](https://example.com/share?u=1) | [Twitter](https://example.com/t)",
    "[12]: https://example.com/2019/11/18/a-long-article-address-with-many-words/",
    '<div class="related-stories" data-id="42">',
    ".sticky-header .main-menu a, .sticky-header .logo img",
    "var settings = {ajax: true, url: 'https://example.com/wp-admin/admin-ajax.php'};",
    "https://example.com/news/2019/11/18/one-more-address-of-the-page",
    "* [首页](https://example.cn/) | [新闻](https://example.cn/news/)",
])
def test_navigation_and_code_are_markup(text: str) -> None:
    assert markup(text)


@pytest.mark.parametrize("text", [
    "Die Regierung in Berlin hat am Montag neue Regeln für den Wohnungsbau beschlossen.",
    "Read the full report at the ministry's site, the spokeswoman said on Tuesday.",
    "Portions: 1 protein, 2 vegetables, 1 tsp. fat",
    "Breakfast",
    "El gobierno anunció el lunes un nuevo plan para las escuelas rurales del país.",
    "政府周一宣布了新的农村学校计划，学生将免费乘坐校车。",
])
def test_prose_in_any_language_is_not_markup(text: str) -> None:
    assert not markup(text)


def by_hand(order: list[int], repeated: set[int], share: float) -> tuple[int, int] | None:
    """Every run tried: the largest sum, the earliest and shortest of equal ones."""
    best, found = 0.0, None
    for a in range(len(order)):
        for b in range(a, len(order)):
            total = sum(1 - share if i in repeated else -share for i in order[a:b + 1])
            if total > best + 1e-9:
                best, found = total, (order[a], order[b])
    return found


@given(st.lists(st.booleans(), max_size=30), st.sampled_from([0.5, 0.6, 0.75]))
def test_the_densest_run_has_the_largest_excess_of_repeats(marks: list[bool], share: float) -> None:
    order = [3 * k for k in range(len(marks))]
    repeated = {i for i, mark in zip(order, marks) if mark}
    found, expected = _densest_run(order, repeated, share), by_hand(order, repeated, share)

    def excess(run: tuple[int, int] | None) -> float:
        if run is None:
            return 0.0
        return sum(1 - share if i in repeated else -share for i in order if run[0] <= i <= run[1])

    assert (found is None) == (expected is None)
    assert excess(found) == pytest.approx(excess(expected))
