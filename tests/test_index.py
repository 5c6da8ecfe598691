"""MinHashIndex: verified queries, persistence across processes, SQLite and Redis alike."""

from __future__ import annotations

import inspect
import json
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import FIXTURES, shared_path

from dedup import MinHashIndex
from dedup.index import (
    DamagedIndexError,
    IncompatibleSettingsError,
    MissingIndexError,
    NotAnIndexError,
)
from dedup.io.reader import Article, iter_inputs
from dedup.settings import Settings

FLOOD = """Heavy rain flooded three districts of the city overnight, forcing hundreds of families to leave their homes before dawn.

The city council opened four emergency shelters in schools and sports halls, and volunteers handed out blankets and hot meals until the morning.

Forecasters expect the river to keep rising until Thursday, when a band of dry weather should finally reach the region from the west.
"""

UNRELATED = """The orchestra's new conductor chose an unusual programme for her first concert, pairing a rarely heard baroque suite with two modern works.

Critics praised the string section's precision and the audience gave the soloist a standing ovation that lasted several minutes.
"""

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "an", "el", "or", "ub", "ze", "pa"]


def synthetic_article(rng: random.Random, paragraphs: int = 3) -> str:
    """Random words in paragraphs long enough to be indexed, unrelated to each other."""
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return "\n\n".join(" ".join(word() for _ in range(rng.randint(20, 40)))
                       for _ in range(paragraphs)) + "\n"


def corpus(folder: Path) -> Path:
    """A small fixture corpus: the seed article, a flood story and synthetic ones."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "repeated-intro.txt", folder / "seed.txt")
    (folder / "flood.txt").write_text(FLOOD, encoding="utf-8")
    rng = random.Random(4)
    for i in range(5):
        (folder / f"synthetic-{i}.txt").write_text(synthetic_article(rng), encoding="utf-8")
    return folder


def articles(*paths: Path) -> list[Article]:
    return [a for a in iter_inputs([str(p) for p in paths]) if isinstance(a, Article)]


# -- Redis, started on 127.0.0.1 for this module -------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """``(location, name)`` of a fresh index on each back-end."""
    if request.param == "redis":
        return request.getfixturevalue("redis_url"), f"test-{uuid.uuid4().hex[:8]}"
    return str(tmp_path / ".dedup" / "index.sqlite"), "dedup"


# -- the API -----------------------------------------------------------------------


def test_query_returns_verified_matches_sorted_by_similarity(location: tuple[str, str], tmp_path: Path) -> None:
    url, name = location
    with MinHashIndex(url, name=name) as index:
        index.add_articles(articles(corpus(tmp_path / "corpus")))
        seed = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
        # The seed's third paragraph is its first minus one sentence: Jaccard ~0.5, contained.
        third = seed.split("\n")[2]
        matches = [m for m in index.query(third) if m.kind == "paragraph"]
    keys = [(m.key.rsplit("/", 1)[-1], m.reason) for m in matches]
    assert keys == [("seed.txt#2", "duplicate"), ("seed.txt#0", "contained")]
    assert matches[0].jaccard == 1.0 and matches[1].containment == 1.0
    assert matches[1].jaccard < 0.8 and matches[0].kind == "paragraph"


def test_whole_article_query_matches_article_and_paragraphs(location: tuple[str, str]) -> None:
    url, name = location
    with MinHashIndex(url, name=name) as index:
        index.add("flood", FLOOD)
        edited = FLOOD.replace("four emergency shelters", "five emergency shelters")
        matches = index.query(edited)
        assert matches[0].key in ("flood", "flood#0", "flood#2") and matches[0].jaccard == 1.0
        # One word changed in a short paragraph drops five of its ~22 shingles: not a match.
        assert {m.key for m in matches} == {"flood", "flood#0", "flood#2"}
        article = next(m for m in matches if m.kind == "article")
        assert 0.8 <= article.jaccard < 1.0 and article.query is None
        assert index.query(UNRELATED) == []
        assert index.query(edited, exclude="flood") == []


def test_len_in_iter_remove_and_replace(location: tuple[str, str]) -> None:
    url, name = location
    rng = random.Random(1)
    with MinHashIndex(url, name=name) as index:
        assert len(index) == 0 and list(index) == []
        assert index.add("b", synthetic_article(rng)) == 4
        assert index.add("a", synthetic_article(rng, 2)) == 3
        assert len(index) == 2 and list(index) == ["a", "b"]
        assert "a" in index and "a#1" in index and "a#2" not in index and "c" not in index
        assert index.stats().entries == 7
        assert index.add("a", synthetic_article(rng, 1)) == 2  # replaces, never duplicates
        assert index.stats().entries == 6
        assert index.remove("b#0") == 1 and "b#0" not in index and "b" in index
        assert index.remove("b") == 3 and "b" not in index and "b#1" not in index
        assert index.remove("b") == 0
        assert list(index) == ["a"] and index.stats().entries == 2


def test_a_transaction_is_all_or_nothing(location: tuple[str, str]) -> None:
    url, name = location
    if url.startswith("redis://"):
        pytest.skip("Redis writes are applied batch by batch")
    rng = random.Random(3)
    with MinHashIndex(url, name=name) as index:
        index.add("kept", synthetic_article(rng))
        with pytest.raises(RuntimeError), index.transaction():
            index.add("lost", synthetic_article(rng))
            index.remove("kept")
            raise RuntimeError("stop")
        assert list(index) == ["kept"] and index.stats().entries == 4
        with index.transaction():
            index.add_articles(Article(f"a{i}", synthetic_article(rng), "-") for i in range(5))
            index.remove("kept")
            index.add("flood", FLOOD)
            assert index.query(FLOOD)[0].key == "flood"  # sees its own writes
        assert len(index) == 6


def test_parallel_analysis_stores_the_same_entries(tmp_path: Path) -> None:
    docs = articles(corpus(tmp_path / "corpus"))
    stats = []
    for jobs in (1, 2):
        with MinHashIndex(tmp_path / f"jobs{jobs}.sqlite") as index:
            assert index.add_articles(docs, jobs=jobs, batch_size=2) == 34
            stats.append((list(index), index.query(FLOOD)))
    assert stats[0] == stats[1]


def test_sqlite_and_redis_give_the_same_matches(redis_url: str, tmp_path: Path) -> None:
    docs = articles(corpus(tmp_path / "corpus"))
    seed = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    results = []
    for url, name in ((str(tmp_path / "i.sqlite"), "dedup"), (redis_url, "same")):
        with MinHashIndex(url, name=name) as index:
            index.add_articles(docs)
            results.append([index.query(seed), index.query(FLOOD), index.query(UNRELATED)])
    assert results[0] == results[1]
    assert results[0][0] and results[0][1] and not results[0][2]


def test_settings_are_stored_and_incompatible_ones_refused(location: tuple[str, str]) -> None:
    url, name = location
    with MinHashIndex(url, Settings(ngram=4, threshold=0.7), name=name) as index:
        index.add("flood", FLOOD)
    with MinHashIndex(url, name=name, create=False) as index:
        assert index.settings.ngram == 4 and index.settings.threshold == 0.7
    with MinHashIndex(url, Settings(ngram=4, threshold=0.9), name=name) as index:
        assert index.settings.threshold == 0.9  # thresholds may differ per query
        assert [m.key for m in index.query(FLOOD)][:1] == ["flood"]
    with pytest.raises(IncompatibleSettingsError, match=r"ngram=4 .*not ngram=5"):
        MinHashIndex(url, Settings(), name=name)


def test_signatures_from_other_hashing_code_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with MinHashIndex(path) as index:
        index.add("flood", FLOOD)
    with sqlite3.connect(path) as db:  # as if written by a version that hashed differently
        db.execute("UPDATE meta SET value = '0000000000000000' WHERE name = 'probe'")
    with pytest.raises(IncompatibleSettingsError, match="another version"):
        MinHashIndex(path)


def test_missing_index_is_an_error_when_not_creating(location: tuple[str, str]) -> None:
    url, name = location
    with pytest.raises(MissingIndexError, match="no index"):
        MinHashIndex(url, name=name, create=False)


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n")
    with pytest.raises(NotAnIndexError, match="notes.txt: not a dedup index"):
        MinHashIndex(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(NotAnIndexError, match="other.sqlite: not a dedup index"):
        MinHashIndex(other)
    with pytest.raises(NotAnIndexError, match="is a directory"):
        MinHashIndex(tmp_path)


def test_a_damaged_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    rng = random.Random(2)
    with MinHashIndex(path) as index:
        index.add_articles(Article(f"a{i}", synthetic_article(rng), f"a{i}") for i in range(300))
    data = path.read_bytes()
    assert len(data) > 100_000
    broken = bytearray(data)
    broken[8192:len(data) - 8192] = b"\x5a" * (len(data) - 16384)  # scribble over the pages
    path.write_bytes(bytes(broken))
    with pytest.raises(DamagedIndexError, match="index.sqlite: damaged index"), MinHashIndex(path) as index:
        index.query(synthetic_article(rng))
        index.stats()
    path.write_bytes(data[:4096])  # truncated
    with pytest.raises(DamagedIndexError, match="index.sqlite: damaged index"), MinHashIndex(path) as index:
        index.query(synthetic_article(rng))


def test_no_pickle_in_the_index_package() -> None:
    package = Path(__file__).resolve().parent.parent / "dedup" / "index"
    for source in package.glob("*.py"):
        assert "import pickle" not in source.read_text(encoding="utf-8"), source


# -- several processes --------------------------------------------------------------

ADDER = f"""
import random, sys
from dedup import MinHashIndex
from dedup.io.reader import Article
SYLLABLES = {SYLLABLES!r}
{inspect.getsource(synthetic_article)}
prefix, path = sys.argv[1], sys.argv[2]
rng = random.Random(prefix)
with MinHashIndex(path) as index:
    for i in range(0, 120, 4):
        index.add_articles(Article(f"{{prefix}}{{j}}", synthetic_article(rng, 2), "-")
                           for j in range(i, i + 4))
        index.query(synthetic_article(rng, 1))
"""


def test_two_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", ADDER, prefix, str(path)])
             for prefix in ("left-", "right-")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with MinHashIndex(path, create=False) as index:
        assert len(index) == 240
        assert all(f"{side}{i}" in index for side in ("left-", "right-") for i in range(120))
        assert index.stats().entries == 240 * 3


QUERY = """
import json, sys
from dedup import MinHashIndex
with MinHashIndex(sys.argv[1], name=sys.argv[2], create=False) as index:
    out = {}
    for label, path in (("near", sys.argv[3]), ("unrelated", sys.argv[4])):
        out[label] = [m.to_json() for m in index.query(open(path, encoding="utf-8").read())]
    out["len"] = len(index)
print(json.dumps(out))
"""


def _query_in_new_process(url: str, name: str, near: Path, unrelated: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", QUERY, url, name, str(near), str(unrelated)],
                          capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_fixture_corpus_queried_from_a_new_process(location: tuple[str, str], tmp_path: Path) -> None:
    url, name = location
    folder = corpus(tmp_path / "corpus")
    with MinHashIndex(url, name=name) as index:
        index.add_articles(articles(folder))
    near = tmp_path / "near.txt"
    near.write_text(FLOOD.replace("hundreds of families", "hundreds of local families"))
    unrelated = tmp_path / "unrelated.txt"
    unrelated.write_text(UNRELATED)
    result = _query_in_new_process(url, name, near, unrelated)
    assert result["len"] == 7 and result["unrelated"] == []
    found = result["near"]
    assert isinstance(found, list)
    best = found[0] if found[0]["kind"] == "article" else next(m for m in found if m["kind"] == "article")
    assert best["key"].endswith("flood.txt") and best["jaccard"] >= 0.8


@pytest.mark.slow
@pytest.mark.shared
def test_bbc_corpus_queried_from_a_new_process(location: tuple[str, str], tmp_path: Path) -> None:
    bbc = shared_path("bbc")
    url, name = location
    folder = corpus(tmp_path / "corpus")
    with MinHashIndex(url, name=name) as index:
        index.add_articles(articles(bbc, folder))
        count = len(index)
    assert count > 2200
    original = bbc / "tech" / "050.txt"
    text = original.read_text(encoding="utf-8")
    lines = text.split("\n")
    # A re-sent copy: a new headline, the last paragraph dropped, one figure changed.
    near_text = "\n".join(["UPDATED: " + lines[0], *lines[1:]]).rsplit("\n\n", 1)[0]
    near = tmp_path / "near.txt"
    near.write_text(near_text.replace(" the ", " the ", 1).replace("1", "2", 1), encoding="utf-8")
    unrelated = tmp_path / "unrelated.txt"
    unrelated.write_text(UNRELATED, encoding="utf-8")
    result = _query_in_new_process(url, name, near, unrelated)
    assert result["len"] == count and result["unrelated"] == []
    found = result["near"]
    assert isinstance(found, list)
    article_matches = [m for m in found if m["kind"] == "article"]
    assert str(original) in [m["key"] for m in article_matches]
    assert all(m["jaccard"] >= 0.8 or m["containment"] >= Settings().containment for m in found)
    assert any(m["key"].startswith(str(original) + "#") for m in found)
