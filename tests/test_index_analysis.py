"""The index's own analysis gives the entries, sets and band keys of the full analysis."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, shared_path, shared_sample

from dedup.document import analyze_many
from dedup.index.analysis import index_batch, prepare
from dedup.index.model import Batch, batch_of
from dedup.io.reader import Article
from dedup.settings import Settings
from dedup.sketch.shingle import Shingler

SETTINGS = Settings()
BANDS, ROWS = 42, 3


def full(articles: list[Article], settings: Settings = SETTINGS) -> Batch:
    shingler = Shingler(settings.shingle, settings.ngram)
    analyzed = analyze_many(articles, settings, shingler, with_articles=True)
    return batch_of(analyzed.docs, settings, shingler, BANDS, ROWS, analyzed.article_sets)


def assert_same(articles: list[Article], settings: Settings = SETTINGS) -> None:
    light, reference = prepare(articles, settings, BANDS, ROWS), full(articles, settings)
    assert light.articles == reference.articles
    assert light.owner == reference.owner
    assert light.paragraph == reference.paragraph
    assert len(light.sets) == len(reference.sets)
    for ours, theirs in zip(light.sets, reference.sets):
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
    assert np.array_equal(light.keys, reference.keys)


def fixture_articles() -> list[Article]:
    out = [Article(path.name, path.read_text(encoding="utf-8"), str(path))
           for path in sorted(FIXTURES.glob("*.txt"))]
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            record = json.loads(line)
            out.append(Article(f"{path.name}:{n}", record["text"], str(path)))
    return out


EDGES = {
    "empty": "",
    "blank": " \n\n\t\n",
    "short": "Too short.\nAlso short.",
    "quotes": "\u201cIt\u2019s back,\u201d said the minister \u2014 after `twelve` years of talks in the capital.",
    "accents": "Le ministre a déclaré que la réforme serait votée avant l'été, selon le journal.",
    "unspaced": "今天下雨了，但是比赛还是按时开始了，观众很多。\n\nThe match started on time despite the rain.",
    "cases": "THE FED RAISED RATES BY A QUARTER POINT ON WEDNESDAY, ITS THIRD RISE THIS YEAR.",
    "controls": "Output\x1crose\x1d2.4\x1epct\x1fin March\x00 from February, the office said today.",
    "ligature": "The \ufb01nal \ufb01gures for the \ufb01rst quarter were published by the office today.",
    "soft hyphen": "The co\u00adoperative said its mem\u00adbers voted for the merger by a wide margin.",
    "wide": "Ｔｈｅ ｃｏｍｐａｎｙ ｓａｉｄ ｐｒｏｆｉｔ ｒｏｓｅ ｓｉｘ ｐｅｒｃｅｎｔ in the quarter.",
}


def test_same_as_the_full_analysis_on_fixtures() -> None:
    articles = fixture_articles()
    assert len(articles) >= 10
    assert index_batch(articles, SETTINGS, Shingler(), BANDS, ROWS) is not None
    assert_same(articles)


@pytest.mark.parametrize("name", sorted(EDGES))
def test_same_as_the_full_analysis_on_edge_cases(name: str) -> None:
    text = EDGES[name]
    # Alone, and among ASCII articles (one text of a batch taking the slow road).
    assert_same([Article(name, text, name)])
    plain = (FIXTURES / "wrapped-indented.txt").read_text(encoding="utf-8")
    assert_same([Article("a", plain, "a"), Article(name, text, name),
                 Article("b", text + "\n\n" + plain, "b")])


def test_an_id_given_twice_keeps_its_last_text() -> None:
    one, two = (FIXTURES / "one-per-line.txt").read_text(), (FIXTURES / "bbc-blocks.txt").read_text()
    articles = [Article("x", one, "x"), Article("y", two, "y"), Article("x", two, "x")]
    assert_same(articles)
    assert prepare(articles, SETTINGS, BANDS, ROWS).articles == ["x", "y"]


def test_character_shingles_and_front_matter_take_the_full_analysis() -> None:
    chars = Settings(shingle="char", ngram=7)
    articles = fixture_articles()
    assert index_batch(articles, chars, Shingler("char", 7), BANDS, ROWS) is None
    assert_same(articles, chars)
    markdown = (FIXTURES / "article.md").read_text(encoding="utf-8")
    front = [Article("md", "---\ntitle: x\n---\n" + markdown, "md", markdown=True)]
    assert index_batch(front, SETTINGS, Shingler(), BANDS, ROWS) is None
    assert_same(front + [Article("md2", markdown, "md2", markdown=True)])


@pytest.mark.shared
def test_same_as_the_full_analysis_on_real_news() -> None:
    reuters = shared_path("reuters21578", "reuters21578.jsonl")
    lines = reuters.read_text(encoding="utf-8").splitlines()
    rng = random.Random(16)
    stories = [json.loads(line) for line in rng.sample(lines, min(1500, len(lines)))]
    articles = [Article(str(s["id"]), s["text"], "reuters") for s in stories]
    articles += [Article(str(p), p.read_text(encoding="utf-8", errors="replace"), str(p))
                 for p in shared_sample("bbc", "*/*.txt", 500)]
    for start in range(0, len(articles), 500):
        assert_same(articles[start: start + 500])


def test_the_index_built_from_both_analyses_answers_alike(tmp_path: Path) -> None:
    from dedup.index import MinHashIndex

    articles = fixture_articles()
    with MinHashIndex(tmp_path / "i.sqlite") as index:
        index.add_articles(articles)
        query = articles[0].text.replace(" the ", " a ", 2)
        found = [(m.key, m.query, round(m.jaccard, 6)) for m in index.query(query)]
        index.add_docs(analyze_many(articles, index.settings).docs)
        again = [(m.key, m.query, round(m.jaccard, 6)) for m in index.query(query)]
    assert found and found == again


def test_a_text_query_answers_as_the_query_of_its_full_analysis(tmp_path: Path) -> None:
    from dedup.document import analyze
    from dedup.index import MinHashIndex

    articles = fixture_articles()
    queries = [a.text.replace(" the ", " a ", 2) for a in articles] + list(EDGES.values())
    with MinHashIndex(tmp_path / "i.sqlite") as index:
        index.add_articles(articles)
        answered = 0
        for text in queries:
            light = [(m.key, m.query, m.jaccard, m.containment) for m in index.query(text)]
            doc = analyze(Article("", text, "<query>"), index.settings)
            assert light == [(m.key, m.query, m.jaccard, m.containment)
                             for m in index.query_doc(doc)]
            answered += bool(light)
    assert answered >= len(articles) // 2


def test_the_analysis_makes_no_reference_cycles_and_leaves_the_collector_as_it_was() -> None:
    # prepare() pauses the cyclic collector (so a caller's large heap is not walked
    # batch after batch): that is safe only if reference counting frees all it makes.
    import gc

    articles = fixture_articles() + [Article(name, text, name) for name, text in EDGES.items()]
    shingler = Shingler(SETTINGS.shingle, SETTINGS.ngram)
    index_batch(articles, SETTINGS, shingler, BANDS, ROWS)  # caches filled once
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            index_batch(articles, SETTINGS, shingler, BANDS, ROWS)
        assert gc.collect() == 0
    finally:
        gc.enable()
    prepare(articles, SETTINGS, BANDS, ROWS)
    assert gc.isenabled()
    gc.disable()
    try:
        prepare(articles, SETTINGS, BANDS, ROWS)
        assert not gc.isenabled()
    finally:
        gc.enable()
