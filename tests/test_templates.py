"""Telling a page's structure from its artifacts (dedup.detect.templates)."""

from __future__ import annotations

import pytest

from dedup.detect.templates import is_markup
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
