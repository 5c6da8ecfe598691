"""Work run beside the main process gives what it gives in it."""

from __future__ import annotations

import json
import multiprocessing
import os
import random

import pytest
from conftest import shared_path

from dedup.io.reader import Article
from dedup.parallel import in_background
from dedup.pipeline.scan import scan
from dedup.settings import Settings

FORK = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                          reason="no fork here: the work runs in this process")


@FORK
def test_background_work_runs_in_a_child_and_reads_memory_it_was_not_sent() -> None:
    parent = os.getpid()
    data = list(range(100_000))  # never pickled: the child sees it through the fork
    wait = in_background(lambda: (os.getpid(), sum(data)))
    pid, total = wait()
    assert pid != parent and total == sum(data)


@FORK
def test_background_work_whose_child_dies_runs_here() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os._exit(3)  # the child dies without an answer
        return 42

    assert in_background(work)() == 42


@pytest.mark.shared
def test_two_jobs_find_what_one_job_finds_on_real_news() -> None:
    reuters = shared_path("reuters21578", "reuters21578.jsonl")
    lines = reuters.read_text(encoding="utf-8").splitlines()
    stories = [json.loads(line) for line in random.Random(15).sample(lines, 3000)]
    articles = [Article(str(s["id"]), s["text"], "reuters") for s in stories]
    articles += articles[:300]  # copies: article findings as well as paragraphs
    one = scan(articles, Settings(), jobs=1)
    two = scan(articles, Settings(), jobs=2)
    assert one.findings == two.findings
    kinds = {(f.kind, f.scope) for f in one.findings}
    assert {("article", "across"), ("paragraph", "across")} <= kinds
