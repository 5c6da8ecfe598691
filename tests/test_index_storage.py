"""The SQLite layout: packed chunks that always hold exactly the stored entries' band keys,
bulk and incremental loads alike, atomic creation, and the upgrade of schema 1 and 2 files."""

from __future__ import annotations

import io
import json
import random
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, ROOT
from test_index import FLOOD, UNRELATED, articles, corpus, synthetic_article

from dedup import MinHashIndex
from dedup.document import analyze_many
from dedup.index import IndexVersionError, postings
from dedup.index.model import COMPOSED, Stored
from dedup.io.reader import Article


def chunk_records(path: Path) -> set[tuple[int, int, int]]:
    """``(band, key32, entry)`` of every record in the chunks."""
    with sqlite3.connect(path) as db:
        bits = int(db.execute("SELECT value FROM meta WHERE name = 'prefix_bits'").fetchone()[0])
        out = set()
        for chunk, data in db.execute("SELECT id, records FROM chunks"):
            keys, ids = postings.unpack_chunk(chunk, data, bits)
            out.update((chunk >> 16, int(k), int(i)) for k, i in zip(keys, ids))
    return out


def expected_records(path: Path) -> set[tuple[int, int, int]]:
    """What the chunks must hold: every stored entry's band keys, recomputed."""
    with MinHashIndex(path, create=False) as index:
        rows = whole_rows(index)
        keys = index._rekey([Stored("", None, r.shingles, r.signature) for r in rows]) \
            if rows else np.zeros((0, 1), np.uint64)
    out = set()
    for entry, row in zip([r.id for r in rows], postings.key32(keys)):
        out.update((band, int(k), entry) for band, k in enumerate(row))
    return out


def whole_rows(index: MinHashIndex) -> list:
    """Every entry as stored, with the whole sets of articles kept as their extras."""
    return index._store._resolve(index._store.db.execute(
        "SELECT id, article, paragraph, shingles, signature FROM entries").fetchall())


def prefix_bits(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT value FROM meta WHERE name = 'prefix_bits'").fetchone()[0])


def synthetic(count: int, seed: int, prefix: str = "a") -> list[Article]:
    rng = random.Random(seed)
    return [Article(f"{prefix}{i}", synthetic_article(rng, rng.randint(1, 4)), f"{prefix}{i}")
            for i in range(count)]


def results(index: MinHashIndex, texts: list[str]) -> list[list[tuple[str, float, float]]]:
    return [[(m.key, m.jaccard, m.containment) for m in index.query(t)] for t in texts]


def test_bulk_and_incremental_loads_store_the_same(tmp_path: Path) -> None:
    docs = synthetic(300, 1) + articles(corpus(tmp_path / "corpus"))
    probes = [d.text for d in docs[::23]] + [FLOOD, UNRELATED]
    with MinHashIndex(tmp_path / "bulk.sqlite") as bulk, bulk.insertion_session():
        bulk.add_articles(docs)
    with MinHashIndex(tmp_path / "bulk.sqlite") as bulk:
        bulk_results = results(bulk, probes)
    with MinHashIndex(tmp_path / "one.sqlite") as one:
        for doc in docs:
            one.add(doc.id, doc.text)
        one_results = results(one, probes)
    assert bulk_results == one_results and all(bulk_results[:-1])
    for path in (tmp_path / "bulk.sqlite", tmp_path / "one.sqlite"):
        assert chunk_records(path) == expected_records(path)


def test_chunks_follow_removals_replacements_and_growth(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    with MinHashIndex(path) as index:
        index.add_articles(synthetic(5, 2))
        small = prefix_bits(path)
        for start in range(0, 600, 50):  # grows in many commits: regrouped on the way
            index.add_articles(synthetic(50, 3 + start, prefix=f"g{start}-"))
        assert prefix_bits(path) >= small + 2
        assert chunk_records(path) == expected_records(path)
        for key in ("a0", "g0-3", "g50-7#0", "g100-1#1"):
            index.remove(key)
        changed = synthetic(20, 99, prefix="g200-")  # new texts under old keys
        index.add_articles(changed)
        assert chunk_records(path) == expected_records(path)
        for doc in changed[:5]:
            assert any(m.article == doc.id for m in index.query(doc.text))
        for key in list(index):
            index.remove(key)
    assert len(chunk_records(path)) == 0 and len(expected_records(path)) == 0


def test_readding_unchanged_articles_keeps_their_entries(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    docs = synthetic(40, 4)
    with MinHashIndex(path) as index:
        index.add_articles(docs)
    with sqlite3.connect(path) as db:
        before = dict(db.execute("SELECT id, paragraph FROM entries"))
    edited = list(docs)
    paragraphs = docs[3].text.split("\n\n")
    edited[3] = Article("a3", "\n\n".join(paragraphs[:-1] + ["A new closing paragraph, "
                                                             "long enough to be indexed on its own."]),
                        "a3")
    with MinHashIndex(path) as index:
        index.add_articles(edited)
    with sqlite3.connect(path) as db:
        after = dict(db.execute("SELECT id, paragraph FROM entries"))
    kept = set(before) & set(after)
    # Only article a3's whole entry and its last paragraph changed.
    assert len(set(before) - kept) == 2 and len(set(after) - kept) == 2
    assert chunk_records(path) == expected_records(path)


def test_articles_are_stored_as_what_their_paragraphs_lack(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    docs = synthetic(30, 8)
    with MinHashIndex(path) as index:
        index.add_articles(docs)
        rows = {r.id: r for r in whole_rows(index)}
        composed = [r for r in rows.values() if r.paragraph == COMPOSED]
        assert composed  # every article with indexed paragraphs
        with sqlite3.connect(path) as db:
            ids = dict(db.execute("SELECT a.key, e.id FROM entries e JOIN articles a"
                                  " ON a.id = e.article WHERE e.paragraph = ?", (COMPOSED,)))
        for doc in docs:
            analysed = analyze_many([doc], index.settings, index._shingler, with_articles=True)
            whole = analysed.article_sets[0]  # type: ignore[index]  # the full analysis's
            if doc.id in ids:  # stored as its extras, read back whole
                row = rows[ids[doc.id]]
                assert np.array_equal(row.shingles, whole) and len(row.data) < 4 * len(whole)
        article = next(iter(ids))
        before = [(m.key, m.jaccard) for m in index.query(next(d.text for d in docs if d.id == article))]
        assert index.remove(f"{article}#0") == 1  # the article keeps its whole set
        after = [(m.key, m.jaccard) for m in index.query(next(d.text for d in docs if d.id == article))]
        assert (article, 1.0) in after and len(after) == len(before) - 1
        assert chunk_records(path) == expected_records(path)


def test_a_spilled_bulk_load_equals_an_unspilled_one(tmp_path: Path) -> None:
    docs = synthetic(200, 5)
    probes = [d.text for d in docs[::17]]
    out = []
    for buffer_size in (7, None):
        path = tmp_path / f"b{buffer_size}.sqlite"
        with MinHashIndex(path) as index:
            with index.transaction(buffer_size=buffer_size):
                index.add_articles(docs[:150], batch_size=10)
                index.remove("a4")
                index.remove("a140")  # written in this transaction, maybe spilled
                index.add_articles(docs[150:], batch_size=10)
            out.append(results(index, probes))
        assert chunk_records(path) == expected_records(path)
    assert out[0] == out[1]


def test_the_file_is_wal_and_plain_data(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    with MinHashIndex(path) as index:
        index.add("flood", FLOOD)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        types = {t for (t,) in db.execute("SELECT DISTINCT typeof(records) FROM chunks")}
        assert types == {"blob"}
        version = db.execute("SELECT version FROM schema_version").fetchone()[0]
        assert version == 3


CREATOR = """
import sys
from dedup import MinHashIndex
from dedup.document import analyze_many
with MinHashIndex(sys.argv[1]) as index:
    index.add(sys.argv[2], sys.argv[3])
"""


def test_processes_creating_one_index_at_once_share_it(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "new.sqlite"
    rng = random.Random(6)
    procs = [subprocess.Popen([sys.executable, "-c", CREATOR, str(path), f"p{i}",
                               synthetic_article(rng)]) for i in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 4
    with MinHashIndex(path, create=False) as index:
        assert sorted(index) == ["p0", "p1", "p2", "p3"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["new.sqlite"]


# -- schema 1 files, made by the code that wrote them ----------------------------------

V1_WRITER = """
import json, sys
from dedup import Article, MinHashIndex, iter_inputs
path, folder, probes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with MinHashIndex(path) as index:
    index.add_articles(a for a in iter_inputs([folder]) if isinstance(a, Article))
    index.add("gone", probes[0])
    index.remove("gone")
    print(json.dumps([[(m.key, m.jaccard, m.containment) for m in index.query(t)]
                      for t in probes]))
"""


def _old_code(target: Path, change: str, path: str) -> Path:
    """The dedup package as of the commit before the last one that changed the number
    of occurrences of ``change`` in ``path`` (the code that wrote an older schema)."""
    try:
        found = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%H", "-S", change, "--", path],
            capture_output=True, text=True, check=True)
        commit = found.stdout.strip()
        if not commit:
            pytest.skip(f"no commit in the history changed {change!r}")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", f"{commit}^", "dedup"],
                                 capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs the git history of dedup (the code of the older schema)")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def _schema_1_code(target: Path) -> Path:
    """The dedup package as of the last commit whose index wrote schema 1."""
    return _old_code(target, "SCHEMA_VERSION = 1", "dedup/index/model.py")


def _schema_2_code(target: Path) -> Path:
    """The dedup package as of the last commit whose SQLite index wrote schema 2."""
    return _old_code(target, "SCHEMA_VERSION = 3", "dedup/index/sqlite.py")


def test_a_schema_1_index_is_upgraded_in_place(tmp_path: Path) -> None:
    code = _schema_1_code(tmp_path / "v1")
    folder = corpus(tmp_path / "corpus")
    seed = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    probes = [FLOOD.replace("four", "five"), seed, seed.split("\n")[2], UNRELATED]
    path = tmp_path / "old.sqlite"
    made = subprocess.run([sys.executable, "-c", V1_WRITER, str(path), str(folder),
                           json.dumps(probes)], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"}, timeout=300,
                          cwd=tmp_path)  # not the checkout: `-c` puts the cwd first on the path
    before = [[tuple(m) for m in found] for found in json.loads(made.stdout)]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM bands").fetchone()[0] > 0

    with MinHashIndex(path, create=False) as index:
        after = results(index, probes)
        assert len(index) == 7
    assert after == before and after[0] and not after[-1]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 3
        tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0  # vacuumed
    assert "bands" not in tables and "chunks" in tables
    assert chunk_records(path) == expected_records(path)
    with MinHashIndex(path) as index:  # and it goes on as a schema 3 index
        index.add("flood-2", FLOOD)
        assert {m.article for m in index.query(FLOOD) if m.kind == "article"} >= {"flood-2"}


def test_opening_and_querying_read_only_what_they_need(tmp_path: Path) -> None:
    """What the pre-commit hook does with a large index (open, query a few articles)
    searches by key: no statement scans a table, so the work does not grow with it."""
    path = tmp_path / "i.sqlite"
    docs = synthetic(300, 7)
    with MinHashIndex(path) as index, index.insertion_session():
        index.add_articles(docs)
    statements: list[str] = []
    with MinHashIndex(path, create=False) as index:
        index._store.db.set_trace_callback(statements.append)
        index.query(docs[5].text)
        index.query(FLOOD)
        assert "a7" in index and "a7#0" in index
        index._store.db.set_trace_callback(None)
        plans = []
        for statement in statements:
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                plans.extend(detail for *_, detail in
                             index._store.db.execute(f"EXPLAIN QUERY PLAN {statement}"))
    assert plans and not [p for p in plans if p.startswith("SCAN")
                          and any(t in p for t in ("chunks", "entries", "articles"))], plans


V2_WRITER = """
import json, sys
from dedup import Article, MinHashIndex, iter_inputs
path, corpus, probes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with MinHashIndex(path) as index:
    with index.insertion_session():
        index.add_articles(a for a in iter_inputs([corpus]) if isinstance(a, Article))
    index.add("gone", probes[0])
    index.remove("gone")
    print(json.dumps([[(m.key, m.jaccard, m.containment) for m in index.query(t)]
                      for t in probes]))
"""


def _schema_2_file(tmp_path: Path, count: int) -> tuple[Path, list[str], list]:
    """An index of ``count`` synthetic articles written by the schema 2 code, the
    probes and what that code found for them."""
    code = _schema_2_code(tmp_path / "v2")
    rng = random.Random(count)
    texts = [synthetic_article(rng, rng.randint(1, 4)) for _ in range(count)]
    corpus_file = tmp_path / "corpus.jsonl"
    corpus_file.write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n"
                                   for i, t in enumerate([FLOOD, *texts])), encoding="utf-8")
    probes = [FLOOD.replace("four", "five"), texts[3], texts[-1].split("\n\n")[0], UNRELATED]
    path = tmp_path / "old.sqlite"
    made = subprocess.run([sys.executable, "-c", V2_WRITER, str(path), str(corpus_file),
                           json.dumps(probes)], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"}, timeout=300,
                          cwd=tmp_path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 2
    return path, probes, [[tuple(m) for m in found] for found in json.loads(made.stdout)]


def test_a_schema_2_index_is_upgraded_in_place_to_7_byte_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, probes, before = _schema_2_file(tmp_path, 1200)
    with monkeypatch.context() as patch:  # where it cannot be written, it cannot be read
        patch.setattr("dedup.index.sqlite.os.access", lambda *_: False)
        with pytest.raises(IndexVersionError, match="schema 2 must be upgraded to 3"):
            MinHashIndex(path, create=False)
    bits = prefix_bits(path)
    assert 8 <= bits < postings.MAX_BITS  # a size whose records schema 3 narrows
    with sqlite3.connect(path) as db:
        old_sizes = {len(r) for (r,) in db.execute("SELECT records FROM chunks")}
    assert all(size % 8 == 0 for size in old_sizes) and any(size % 7 for size in old_sizes)
    old_bytes = path.stat().st_size

    with MinHashIndex(path, create=False) as index:
        after = results(index, probes)
        assert len(index) == 1201
    assert after == before and after[0] and not after[-1]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 3
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0  # vacuumed
        sizes = {len(r) for (r,) in db.execute("SELECT records FROM chunks")}
    assert all(size % 7 == 0 for size in sizes)
    assert prefix_bits(path) == bits and path.stat().st_size < old_bytes
    assert chunk_records(path) == expected_records(path)
    with MinHashIndex(path) as index:  # and it goes on as a schema 3 index
        index.add("flood-2", FLOOD)
        assert {m.article for m in index.query(FLOOD) if m.kind == "article"} >= {"flood-2", "a0"}
    assert chunk_records(path) == expected_records(path)


def test_a_small_schema_2_index_keeps_its_records_and_opens_read_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, probes, before = _schema_2_file(tmp_path, 20)
    assert prefix_bits(path) < 8  # records of the same layout in both schemas
    with monkeypatch.context() as patch:  # a file this process may not write (even as root)
        patch.setattr("dedup.index.sqlite.os.access", lambda *_: False)
        with MinHashIndex(path, create=False) as index:  # read as it is
            assert results(index, probes) == before
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 2
    with MinHashIndex(path, create=False) as index:  # upgraded where it can be written
        assert results(index, probes) == before
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 3
    assert chunk_records(path) == expected_records(path)
