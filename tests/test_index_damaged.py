"""Damaged index files: every damage is one ``damaged index`` error (exit 2), never a
traceback, a silent empty answer or a new index written over the old one."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_index import FLOOD, synthetic_article

from dedup import MinHashIndex
from dedup.cli import main
from dedup.index import DamagedIndexError, IndexStoreError, NotAnIndexError
from dedup.io.reader import Article
from dedup.sketch.minhash import signatures, to_datasketch
from dedup.sketch.shingle import Shingler

TRIALS = 240


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real index: articles, paragraphs and MinHash entries."""
    path = tmp_path_factory.mktemp("pristine") / "index.sqlite"
    rng = random.Random(12)
    with MinHashIndex(path) as index, index.insertion_session() as session:
        index.add_articles(Article(f"a{i}", synthetic_article(rng), f"a{i}") for i in range(120))
        index.add("flood", FLOOD)
        for i in range(20):
            shingles = Shingler("word", 5).shingles(synthetic_article(rng, 1))
            session.insert(f"m{i}", to_datasketch(signatures([shingles], 128, 1)[0], 1))
    return path


def copy_of(pristine: Path, tmp_path: Path) -> Path:
    path = tmp_path / "index.sqlite"
    shutil.copy(pristine, path)
    return path


def every_operation(path: Path) -> None:
    """What the commands do with an index, reads and writes."""
    with MinHashIndex(path, create=False) as index:
        len(index)
        list(index)
        index.stats()
        "a3" in index  # noqa: B015
        index.query(FLOOD)
        index.query(synthetic_article(random.Random(1)))
        index.query_topk(FLOOD, 5)
        index.query(to_datasketch(signatures([Shingler("word", 5).shingles(FLOOD)], 128, 1)[0], 1))
        index.add("new", synthetic_article(random.Random(2)))
        index.add("a5", synthetic_article(random.Random(3)))  # replaces
        index.remove("a7")
        index.remove("flood#1")
        index.remove("m3")  # a MinHash entry: its signature is read


def edit(path: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute(statement, args)


@pytest.mark.parametrize("damage, message", [
    (lambda p: edit(p, "UPDATE meta SET value = '0' WHERE name = 'bands'"), "banding"),
    (lambda p: edit(p, "UPDATE meta SET value = '0' WHERE name = 'rows'"), "banding"),
    (lambda p: edit(p, "UPDATE meta SET value = '200' WHERE name = 'bands'"), "banding"),
    (lambda p: edit(p, "UPDATE meta SET value = '[1, 2]' WHERE name = 'settings'"), "settings"),
    (lambda p: edit(p, "UPDATE meta SET value = 'NaN' WHERE name = 'settings'"), "settings"),
    (lambda p: edit(p, "UPDATE meta SET value = 'zz' WHERE name = 'probe'"), "probe"),
    (lambda p: edit(p, "UPDATE meta SET value = '99' WHERE name = 'prefix_bits'"), "prefix_bits"),
    (lambda p: edit(p, "DELETE FROM schema_version"), "schema version"),
    (lambda p: edit(p, "UPDATE schema_version SET version = 'two'"), "schema version"),
    (lambda p: edit(p, "DROP TABLE chunks"), "missing table chunks"),
    (lambda p: edit(p, "UPDATE entries SET shingles = x'010203'"), "32-bit"),
    (lambda p: edit(p, "UPDATE entries SET shingles = 'some text'"), "32-bit"),
    (lambda p: edit(p, "UPDATE entries SET signature = x'00' WHERE signature IS NOT NULL"),
     "32-bit"),
    (lambda p: edit(p, "UPDATE entries SET signature = x'00000000' WHERE signature IS NOT NULL"),
     "signature of 1 values"),
    (lambda p: edit(p, "UPDATE entries SET paragraph = 'x' WHERE paragraph IS NOT NULL"),
     "paragraph number"),
    (lambda p: edit(p, "UPDATE chunks SET records = x'0102030405'"), "whole records"),
    (lambda p: edit(p, "UPDATE chunks SET records = 'abcdefgh'"), "whole records"),
    (lambda p: edit(p, "UPDATE articles SET key = x'80ff' WHERE key = 'flood'"), "article key"),
])
def test_damaged_contents_are_one_clear_error(pristine: Path, tmp_path: Path,
                                              damage: Callable[[Path], None], message: str) -> None:
    path = copy_of(pristine, tmp_path)
    damage(path)
    with pytest.raises(DamagedIndexError, match=f"index.sqlite: damaged index: .*{message}"):
        every_operation(path)


def test_a_zero_length_file_is_not_a_new_index(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    path.write_bytes(b"")
    for create in (True, False):
        with pytest.raises(DamagedIndexError, match="index.sqlite: damaged index: empty file"):
            MinHashIndex(path, create=create)
    assert path.read_bytes() == b""  # left alone
    runner = CliRunner()
    result = runner.invoke(main, ["index", "add", "--index", str(path), "-q", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "damaged index: empty file" in result.stderr
    assert path.read_bytes() == b""


def test_a_nearly_sqlite_header_is_damage_and_text_is_not_an_index(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    path.write_bytes(b"SQLite formaX 3\x00" + bytes(200))
    with pytest.raises(DamagedIndexError, match="bad SQLite header"):
        MinHashIndex(path)
    path.write_bytes(b"SQLite")  # cut inside the header
    with pytest.raises(DamagedIndexError):
        MinHashIndex(path)
    path.write_text("notes, not an index\n")
    with pytest.raises(NotAnIndexError):
        MinHashIndex(path)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """Flipped bytes (a few, or a run), a truncation, or both."""
    out = bytearray(data)
    kind = rng.random()
    if kind < 0.45:
        for _ in range(rng.choice((1, 2, 5, 20))):
            at = rng.randrange(len(out))
            out[at] ^= 1 << rng.randrange(8)
    elif kind < 0.6:
        at = rng.randrange(len(out))
        length = rng.randrange(1, 200)
        out[at: at + length] = bytes(rng.randrange(256) for _ in range(min(length, len(out) - at)))
    elif kind < 0.9:
        del out[rng.randrange(len(out)):]
    else:
        del out[rng.randrange(len(out)):]
        if out:
            out[rng.randrange(len(out))] ^= 0xFF
    return bytes(out)


def test_fuzzed_files_never_give_a_traceback(pristine: Path, tmp_path: Path) -> None:
    """Random damage: every operation either works or raises one index error naming the
    file (the CLI turns it into `dedup: error: ...` and exit 2)."""
    data = pristine.read_bytes()
    rng = random.Random(2024)
    outcomes: dict[str, int] = {}
    for trial in range(TRIALS):
        path = tmp_path / f"t{trial}" / "index.sqlite"
        path.parent.mkdir()
        path.write_bytes(_mutate(data, rng))
        try:
            every_operation(path)
            outcome = "worked"
        except IndexStoreError as exc:
            text = str(exc)
            assert text.startswith(str(path)) and "\n" not in text, text
            assert isinstance(exc, (DamagedIndexError, NotAnIndexError)) or "another version" in text, text
            outcome = type(exc).__name__
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        shutil.rmtree(path.parent)
    assert sum(outcomes.values()) == TRIALS
    assert outcomes.get("DamagedIndexError", 0) >= TRIALS // 4, outcomes


@pytest.mark.parametrize("command", [["query", "-q"], ["stats"], ["remove", "-q", "a3"]])
def test_fuzzed_files_through_the_cli_exit_2_in_one_line(pristine: Path, tmp_path: Path,
                                                         command: list[str]) -> None:
    data = pristine.read_bytes()
    rng = random.Random(" ".join(command))
    query = tmp_path / "query.txt"
    query.write_text(FLOOD, encoding="utf-8")
    runner = CliRunner()
    for trial in range(25):
        path = tmp_path / f"c{trial}.sqlite"
        path.write_bytes(_mutate(data, rng))
        args = ["index", command[0], "--index", str(path), *command[1:]]
        if command[0] == "query":
            args.append(str(query))
        result = runner.invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.exception
        assert result.exit_code in (0, 1, 2)
        if result.exit_code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("dedup: error: "), result.stderr
            assert "Traceback" not in result.output
