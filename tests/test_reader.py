"""Reading articles: every format, and one clear error per bad input."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import pytest
from conftest import FIXTURES

from dedup.io import reader
from dedup.io.reader import (
    Article,
    InputError,
    ReadOptions,
    decode_text,
    iter_inputs,
    read_path,
    read_stdin,
)


def articles(items: list) -> list[Article]:
    return [item for item in items if isinstance(item, Article)]


def errors(items: list) -> list[InputError]:
    return [item for item in items if isinstance(item, InputError)]


# --- decoding -------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "text", "bom"), [
    (b"One.\nTwo.", "One.\nTwo.", False),
    (b"One.\r\nTwo.\r\n", "One.\r\nTwo.\r\n", False),
    (b"One.\rTwo.", "One.\rTwo.", False),
    (b"\xef\xbb\xbfOne.\r\nTwo.", "One.\r\nTwo.", True),
    ("Caf\u00e9 \u201cquoted\u201d".encode(), "Caf\u00e9 \u201cquoted\u201d", False),
])
def test_decode_keeps_line_endings_and_reports_bom(data: bytes, text: str, bom: bool) -> None:
    assert decode_text("a.txt", data) == (text, bom)
    # What the cleaner writes back for an unchanged article is the original bytes.
    assert (b"\xef\xbb\xbf" if bom else b"") + text.encode() == data


@pytest.mark.parametrize(("data", "where", "message"), [
    (b"", "a.txt", "empty file"),
    (b" \n\t\r\n", "a.txt", "only whitespace"),
    (b"\xef\xbb\xbf", "a.txt", "empty file"),
    (b"GIF89a\x00\x01\x02", "a.txt", "binary file"),
    (b"\xff\xfeh\x00i\x00", "a.txt", "UTF-16"),
    (b"line one\nline two\ncaf\xe9\n", "a.txt:3", "invalid UTF-8 at byte 21"),
    (b"\xef\xbb\xbfok\n\xc3(", "a.txt:2", "invalid UTF-8 at byte 6"),
])
def test_decode_errors_name_the_file_and_line(data: bytes, where: str, message: str) -> None:
    error = decode_text("a.txt", data)
    assert isinstance(error, InputError)
    assert error.input == where
    assert message in error.message
    assert "\n" not in str(error)


def test_decode_rejects_a_huge_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_CHARS", 50)
    ok = decode_text("a.txt", b"short\n" * 20)
    assert isinstance(ok, tuple)
    error = decode_text("a.txt", b"short\n" + b"x" * 60 + b"\nshort\n")
    assert isinstance(error, InputError)
    assert error.input == "a.txt:2"
    assert "longer than" in error.message


# --- text and Markdown files ------------------------------------------------------------


def test_text_file_is_one_article_with_its_path_as_id() -> None:
    path = str(FIXTURES / "repeated-intro.txt")
    [article] = list(read_path(path))
    assert isinstance(article, Article)
    assert article.id == path
    assert article.source == path
    assert article.text == (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    assert not article.markdown and not article.bom


def test_markdown_files_are_marked() -> None:
    [article] = list(read_path(str(FIXTURES / "article.md")))
    assert isinstance(article, Article) and article.markdown


def test_bom_and_crlf_survive_reading(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbfFirst paragraph here.\r\nSecond paragraph here.\r\n"
    path = tmp_path / "bom.txt"
    path.write_bytes(raw)
    [article] = list(read_path(str(path)))
    assert isinstance(article, Article)
    assert article.bom
    assert article.text == "First paragraph here.\r\nSecond paragraph here.\r\n"
    assert b"\xef\xbb\xbf" + article.text.encode() == raw


# --- JSON lines ---------------------------------------------------------------------------


def test_jsonl_records_ids_dates_and_fallback_id() -> None:
    path = str(FIXTURES / "corpus.jsonl")
    items = list(read_path(path))
    assert errors(items) == []
    found = articles(items)
    assert [a.id for a in found] == ["wire-1", "wire-2", "wire-3", "air-1", f"{path}:5"]
    assert [a.line for a in found] == [1, 2, 3, 4, 5]
    assert found[0].date == "2024-04-10"
    assert found[0].record is not None and found[0].record["title"] == "Factory output rises"
    assert found[0].text == found[1].text != found[2].text
    assert all(a.source == path and not a.markdown for a in found)


def test_jsonl_gz_reads_the_same_records(tmp_path: Path) -> None:
    raw = (FIXTURES / "corpus.jsonl").read_bytes()
    gz = tmp_path / "corpus.jsonl.gz"
    gz.write_bytes(gzip.compress(raw))
    plain = articles(list(read_path(str(FIXTURES / "corpus.jsonl"))))
    packed = list(read_path(str(gz)))
    assert errors(packed) == []
    assert [(a.id.replace(str(gz), "P"), a.text) for a in articles(packed)] == \
        [(a.id.replace(str(FIXTURES / "corpus.jsonl"), "P"), a.text) for a in plain]


def test_jsonl_custom_fields_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "custom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"key": 7, "body": "A\r\nB"}).encode()
                     + b"\r\n\r\n" + json.dumps({"key": "k2", "body": "C"}).encode() + b"\r\n")
    items = list(read_path(str(path), ReadOptions(text_field="body", id_field="key")))
    assert errors(items) == []
    assert [(a.id, a.text, a.line) for a in articles(items)] == [("7", "A\r\nB", 1), ("k2", "C", 3)]


BAD_RECORDS = [
    (b"{not json}", "malformed JSON"),
    (b"[1, 2, 3]", "is an array, not an object"),
    (b'"just a string"', "is a string, not an object"),
    (b'{"id": "x"}', 'missing "text" field'),
    (b'{"id": "x", "text": 5}', '"text" field is a number, not a string'),
    (b'{"id": "x", "text": null}', '"text" field is null, not a string'),
    (b'{"id": "x", "text": "   "}', '"text" field is empty'),
    (b'{"id": "x", "text": "bad \\ud800 surrogate"}', "not valid Unicode"),
    (b'{"id": "x", "text": "caf\xe9"}', "invalid UTF-8"),
    (b'{"id": "x", "text": "a\x00b"}', "NUL bytes"),
    (b"[" * 100_000, "malformed JSON"),
]


@pytest.mark.parametrize(("line", "message"), BAD_RECORDS)
def test_each_bad_record_is_one_error_naming_the_line(tmp_path: Path, line: bytes,
                                                      message: str) -> None:
    good = json.dumps({"id": "good", "text": "A perfectly ordinary article."}).encode()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + line + b"\n" + good.replace(b"good", b"also") + b"\n")
    items = list(read_path(str(path)))
    assert [a.id for a in articles(items)] == ["good", "also"]
    [error] = errors(items)
    assert error.input == f"{path}:2"
    assert message in error.message


def test_too_many_bad_records_are_summarised(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("not json\n" * 100 + '{"id": "ok", "text": "Still read."}\n', encoding="utf-8")
    items = list(read_path(str(path)))
    assert [a.id for a in articles(items)] == ["ok"]
    errs = errors(items)
    assert len(errs) == reader.MAX_RECORD_ERRORS + 1
    assert errs[-1] == InputError(str(path), f"{100 - reader.MAX_RECORD_ERRORS} more bad records "
                                             "not listed")


def test_huge_jsonl_line_is_skipped_with_bounded_memory(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_CHARS", 100)
    path = tmp_path / "huge.jsonl"
    huge = json.dumps({"id": "huge", "text": "word " * 1000})
    path.write_text(huge + "\n" + json.dumps({"id": "after", "text": "Fine."}) + "\n",
                    encoding="utf-8")
    items = list(read_path(str(path)))
    assert [a.id for a in articles(items)] == ["after"]
    [error] = errors(items)
    assert error.input == f"{path}:1" and "longer than" in error.message


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.jsonl", b"", "empty file"),
    ("blank.jsonl", b"\n  \n", "empty file"),
    ("binary.jsonl", b"\x00\x01\x02\x03" * 10, "binary data"),
    ("notgz.jsonl.gz", b"this is not gzip", "corrupt gzip file"),
    ("truncated.jsonl.gz", gzip.compress(b'{"id": "a", "text": "x"}\n' * 50)[:30],
     "corrupt gzip file"),
])
def test_a_bad_jsonl_file_is_one_error(tmp_path: Path, name: str, data: bytes,
                                       message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    items = list(read_path(str(path)))
    [error] = errors(items)
    assert error.input == str(path)
    assert message in error.message


def test_corrupt_gzip_keeps_the_records_read_before_the_damage(tmp_path: Path) -> None:
    lines = b"".join(json.dumps({"id": f"r{i}", "text": f"Record {i} " + "x" * 2000}).encode()
                     + b"\n" for i in range(200))
    packed = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    items = list(read_path(str(path)))
    assert articles(items) and len(articles(items)) < 200
    assert [e.input for e in errors(items)] == [str(path)]


# --- paths, directories, stdin -----------------------------------------------------------------


def make_tree(root: Path) -> None:
    (root / "a.txt").write_text("Article a.", encoding="utf-8")
    (root / "b.md").write_text("# B\n\nArticle b.", encoding="utf-8")
    (root / "notes.csv").write_text("x,y", encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "c.txt").write_text("Article c.", encoding="utf-8")
    (root / "sub" / "d.jsonl").write_text('{"id": "d1", "text": "Record d."}\n', encoding="utf-8")
    (root / "drafts").mkdir()
    (root / "drafts" / "e.txt").write_text("Draft e.", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "hidden.txt").write_text("Hidden.", encoding="utf-8")


def ids_under(root: Path, items: list) -> list[str]:
    return [os.path.relpath(a.id, root) if a.id.startswith(str(root)) else a.id
            for a in articles(items)]


def test_directory_is_recursive_sorted_and_skips_hidden_folders(tmp_path: Path) -> None:
    make_tree(tmp_path)
    items = list(iter_inputs([str(tmp_path)]))
    assert errors(items) == []
    assert ids_under(tmp_path, items) == ["a.txt", "b.md", "drafts/e.txt", "sub/c.txt", "d1"]


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    (("*.txt",), (), ["a.txt", "drafts/e.txt", "sub/c.txt"]),
    (("*.txt",), ("drafts",), ["a.txt", "sub/c.txt"]),
    (("*.txt", "*.md"), ("sub/*",), ["a.txt", "b.md", "drafts/e.txt"]),
    (("*.jsonl",), (), ["d1"]),
    (("*.csv",), (), ["notes.csv"]),
    (("*.rst",), (), []),
])
def test_include_and_exclude_globs(tmp_path: Path, include: tuple[str, ...],
                                   exclude: tuple[str, ...], expected: list[str]) -> None:
    make_tree(tmp_path)
    items = list(iter_inputs([str(tmp_path)], ReadOptions(include=include, exclude=exclude)))
    assert ids_under(tmp_path, items) == expected
    if not expected:
        [error] = errors(items)
        assert error.input == str(tmp_path) and "no matching files" in error.message


def test_a_file_named_explicitly_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "story.text"
    path.write_text("An article with an odd suffix.", encoding="utf-8")
    assert [a.id for a in articles(list(iter_inputs([str(path)])))] == [str(path)]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    make_tree(tmp_path)
    a = str(tmp_path / "a.txt")
    items = list(iter_inputs([a, str(tmp_path), os.path.join(str(tmp_path), ".", "a.txt")]))
    assert [x.id for x in articles(items)].count(a) == 1


def test_missing_path_and_broken_link_are_errors_and_the_rest_is_read(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Good article.", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    items = list(iter_inputs([str(tmp_path / "missing.txt"), str(tmp_path / "link.txt"),
                              str(good)]))
    assert [a.id for a in articles(items)] == [str(good)]
    assert [(e.input, e.message) for e in errors(items)] == [
        (str(tmp_path / "missing.txt"), "no such file or directory"),
        (str(tmp_path / "link.txt"), "broken symbolic link"),
    ]


def test_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Secret.", encoding="utf-8")
    real_open = os.open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader.os, "open", deny)
    [error] = list(read_path(str(path)))
    assert error == InputError(str(path), "permission denied")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a non-root POSIX user for real permissions")
def test_unreadable_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Secret.", encoding="utf-8")
    path.chmod(0)
    try:
        [error] = list(read_path(str(path)))
        assert error == InputError(str(path), "permission denied")
    finally:
        path.chmod(0o644)


def test_stdin_text_and_stdin_jsonl() -> None:
    [article] = list(iter_inputs(["-"], stdin=io.BytesIO(b"\xef\xbb\xbfOne.\r\nTwo.")))
    assert isinstance(article, Article)
    assert (article.id, article.text, article.bom) == ("-", "One.\r\nTwo.", True)
    records = b'{"id": "s1", "text": "First."}\n{"text": "Second."}\n'
    items = list(read_stdin(io.BytesIO(records)))
    assert [a.id for a in articles(items)] == ["s1", "-:2"]


def test_empty_stdin_is_an_error() -> None:
    assert list(iter_inputs(["-"], stdin=io.BytesIO(b""))) == [InputError("-", "empty file")]


def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path)
    real_scandir = os.scandir

    def deny(path: object = ".") -> object:
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", deny)
    items = list(iter_inputs([str(tmp_path)]))
    assert ids_under(tmp_path, items) == ["a.txt", "b.md", "drafts/e.txt"]
    assert errors(items) == [InputError(str(tmp_path / "sub"), "permission denied")]
