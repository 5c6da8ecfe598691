"""Counting the inputs for the progress bar, and a bar that moves article by article."""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from dedup.cli import common
from dedup.cli.common import Run, progress_bar
from dedup.document import Article
from dedup.io import count
from dedup.io.count import count_articles
from dedup.io.reader import ReadOptions, iter_inputs
from dedup.options import CleanOptions
from dedup.pipeline.clean import clean_inputs
from dedup.pipeline.scan import PROGRESS_CHUNK, scan
from dedup.settings import Settings

BODY = "The council voted on Tuesday to approve the new budget for schools, roads and parks."


def records(n: int) -> bytes:
    return b"".join(json.dumps({"id": f"r{k}", "text": f"{BODY} Item {k}."}).encode() + b"\n"
                    for k in range(n))


def articles_read(paths: list[str]) -> int:
    return sum(1 for item in iter_inputs(paths, ReadOptions()) if isinstance(item, Article))


def test_files_and_records_are_counted_as_the_reader_finds_them(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    for k in range(3):
        (tmp_path / "news" / f"{k}.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "news" / "skip.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "news" / ".hidden").mkdir()
    (tmp_path / "news" / ".hidden" / "x.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "feed.jsonl").write_bytes(records(40))
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(records(25)[:-1]))  # no final newline
    paths = [str(tmp_path / "news"), str(tmp_path / "feed.jsonl"), str(tmp_path / "feed.jsonl.gz"),
             str(tmp_path / "news" / "1.txt")]  # named twice: read once
    assert count_articles(paths) == 3 + 40 + 25 == articles_read(paths)


def test_a_big_json_lines_file_is_estimated_from_the_bytes_read(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = records(2000)
    (tmp_path / "big.jsonl").write_bytes(data)
    (tmp_path / "big.jsonl.gz").write_bytes(gzip.compress(data))
    monkeypatch.setattr(count, "FILE_BUDGET", len(data) // 10)
    for name in ("big.jsonl", "big.jsonl.gz"):
        estimate = count_articles([str(tmp_path / name)])
        assert estimate is not None and 1800 <= estimate <= 2200, (name, estimate)
    # Past the budget for all files, counts come from the bytes per line seen so far.
    monkeypatch.setattr(count, "TOTAL_BUDGET", len(data) // 10)
    both = count_articles([str(tmp_path / "big.jsonl"), str(tmp_path / "big.jsonl.gz")])
    assert both is not None and 1800 * 2 <= both <= 2200 * 2 + 200


def test_stdin_fifos_and_missing_paths_are_left_to_the_reader(tmp_path: Path) -> None:
    assert count_articles(["-"]) is None
    assert count_articles([str(tmp_path / "missing.txt")]) == 0
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.jsonl")
        assert count_articles([str(tmp_path / "pipe.jsonl")]) == 0  # not opened: no hang
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert count_articles([str(tmp_path / "broken.jsonl.gz")]) in (0, 1)


def test_clean_advances_article_by_article(tmp_path: Path) -> None:
    for k in range(5):
        (tmp_path / f"{k}.txt").write_text(f"{BODY} Number {k}.", encoding="utf-8")
    calls: list[int] = []
    clean_inputs([str(tmp_path)], Settings(), options=CleanOptions(scope="within"), progress=calls.append)
    assert calls == [1] * 5


def test_scan_advances_by_a_few_articles_at_a_time() -> None:
    items = [Article(f"a{k}", f"{BODY} Number {k}.", f"a{k}") for k in range(3 * PROGRESS_CHUNK + 1)]
    calls: list[int] = []
    scan(items, Settings(), progress=calls.append)
    assert sum(calls) == len(items) and max(calls) <= PROGRESS_CHUNK


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_has_a_total_counted_before_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal())
    paths = [str(FIXTURES / "repeated-intro.txt"), str(FIXTURES / "corpus.jsonl")]
    with progress_bar(Run({}), "scanning", paths) as progress:
        assert isinstance(progress, common.Progress)
        task = progress.bar.tasks[0]
        assert task.total == articles_read(paths)
        progress(2)
        assert task.completed == 2
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: no bar
    with progress_bar(Run({}), "scanning", paths) as progress:
        assert progress is None
