"""End to end: ``dedup scan`` against the datasketch reference pipeline, 1 and 2 jobs,
growth with the corpus, and peak memory on a million paragraphs.

Every run is a fresh process (start-up, imports and reading included), timed in the
same run as its reference; CPU seconds (user + system, workers included) are shown
too, since wall time on a shared machine depends on what else runs.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .common import PYTHON, REUTERS, Row, dedup_command, measure_child, need
from .corpus import replicate

WITHIN_PAIRS = ("duplicate", "contained", "template")


class _Components:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def union(self, x: object, y: object) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[rx] = ry


def compare(dedup_report: dict, reference: dict) -> list[Row]:
    """How the scan's findings and the reference pipeline's verified pairs agree."""
    ref_articles = {tuple(sorted((a, b))) for a, b, _, _ in reference["articles"]}
    ref_across, ref_within = set(), set()
    for a, pa, b, pb, _, _ in reference["paragraphs"]:
        pair = tuple(sorted(((a, pa), (b, pb))))
        (ref_within if a == b else ref_across).add(pair)
    articles, across, within = _Components(), _Components(), _Components()
    found = {"articles": [0, 0], "across": [0, 0], "within": [0, 0]}
    for f in dedup_report["findings"]:
        if f["kind"] == "article":
            pair = tuple(sorted((f["a"]["article"], f["b"]["article"])))
            articles.union(*pair)
            found["articles"][0] += 1
            found["articles"][1] += pair in ref_articles
        elif f["kind"] == "paragraph" and (f["scope"] == "across" or f["reason"] in WITHIN_PAIRS):
            pair = tuple(sorted(((f["a"]["article"], f["a"]["paragraph"]),
                                 (f["b"]["article"], f["b"]["paragraph"]))))
            kind = "across" if f["scope"] == "across" else "within"
            (across if kind == "across" else within).union(*pair)
            found[kind][0] += 1
            found[kind][1] += pair in (ref_across if kind == "across" else ref_within)
    recalled = {
        "articles": sum(articles.find(a) == articles.find(b) for a, b in ref_articles),
        "across": sum(across.find(x) == across.find(y)
                      or articles.find(x[0]) == articles.find(y[0]) for x, y in ref_across),
        "within": sum(within.find(x) == within.find(y) for x, y in ref_within),
    }
    totals = {"articles": len(ref_articles), "across": len(ref_across), "within": len(ref_within)}
    rows = []
    for kind, label in (("articles", "articles across"), ("across", "paragraphs across"),
                        ("within", "paragraphs within")):
        rows.append(Row("end to end", f"{label}: reference pairs the scan also reports",
                        f"{recalled[kind]}/{totals[kind]}"))
        rows.append(Row("end to end", f"{label}: scan findings the reference also verified",
                        f"{found[kind][1]}/{found[kind][0]}"))
    return rows


def _fmt(run_seconds: float, cpu: float) -> str:
    return f"{run_seconds:.1f} s wall, {cpu:.1f} s CPU"


def end_to_end(workdir: Path, quick: bool) -> list[Row]:
    path = need(REUTERS)
    if quick:
        path = replicate(path, workdir / "reuters-4000.jsonl", 1, 4000)
    rows = [Row("end to end", "corpus", "Reuters-21578, first 4,000 stories" if quick
                else "Reuters-21578, 19,043 stories (within + across)")]
    ref = measure_child([PYTHON, "-m", "benchmarks.reference", str(path)], workdir / "ref.json")
    one = measure_child(dedup_command("scan", "-q", "--format", "json", "--jobs", "1", str(path)),
                        workdir / "one.json")
    two = measure_child(dedup_command("scan", "-q", "--format", "json", "--jobs", "2", str(path)),
                        workdir / "two.json")
    rows.append(Row("end to end", "reference: datasketch MinHash.bulk + MinHashLSH", _fmt(ref.seconds, ref.cpu)))
    rows.append(Row("end to end", "dedup scan --jobs 1", _fmt(one.seconds, one.cpu)))
    rows.append(Row("end to end", "dedup scan --jobs 2", _fmt(two.seconds, two.cpu)))
    speedup = ref.seconds / one.seconds
    rows.append(Row("end to end", "reference / dedup --jobs 1 (wall)", f"{speedup:.1f}x", ">= 10x",
                    speedup >= 10))
    jobs = one.seconds / two.seconds
    rows.append(Row("end to end", "--jobs 1 / --jobs 2 (wall)", f"{jobs:.2f}x", ">= 1.8x", jobs >= 1.8))
    report_one = json.loads((workdir / "one.json").read_text())
    report_two = json.loads((workdir / "two.json").read_text())
    same = report_one == report_two
    rows.append(Row("end to end", "--jobs 2 output identical to --jobs 1", str(same), "True", same))
    rows.extend(compare(report_one, json.loads((workdir / "ref.json").read_text())))
    return rows


def growth(workdir: Path, quick: bool) -> list[Row]:
    source = need(REUTERS)
    limit = 2500 if quick else None
    small = replicate(source, workdir / "x1.jsonl", 1, limit)
    large = replicate(source, workdir / "x4.jsonl", 4, limit)
    args = ("scan", "-q", "--format", "json", "--jobs", "1")
    one = measure_child(dedup_command(*args, str(small)))
    four = measure_child(dedup_command(*args, str(large)))
    ratio = four.seconds / one.seconds
    return [
        Row("growth", "1x corpus (Reuters)", _fmt(one.seconds, one.cpu)),
        Row("growth", "4x corpus (Reuters + 3 perturbed copies)", _fmt(four.seconds, four.cpu)),
        Row("growth", "4x time / 1x time (wall)", f"{ratio:.2f}x", "<= 4.5x", ratio <= 4.5),
    ]


def memory(workdir: Path, quick: bool) -> list[Row]:
    """Peak memory of a scan of Reuters ten times over (about 1.1 million paragraphs),
    with one job and with two (then the largest single process: the forked
    containment searches share the main process's pages)."""
    source = need(REUTERS)
    copies = 1 if quick else 10
    corpus = replicate(source, workdir / "million.jsonl", copies)
    rows: list[Row] = []
    for jobs in ("1", "2"):
        run = measure_child(dedup_command("scan", "-q", "--format", "json", "--jobs", jobs,
                                          str(corpus)), workdir / "million.json")
        report = json.loads((workdir / "million.json").read_text())
        paragraphs = sum(a["paragraphs"] for a in report["articles"])
        label = (f"peak RSS, --jobs {jobs}, {paragraphs:,} paragraphs in "
                 f"{len(report['articles']):,} JSON lines records")
        goal_met = run.max_rss_mb <= 1024 if paragraphs >= 1_000_000 else None
        rows.append(Row("memory", label, f"{run.max_rss_mb:,.0f} MB ({run.seconds:.0f} s)",
                        "<= 1.0 GB at 1M paragraphs", goal_met))
    return rows


def bench(quick: bool = False, parts: Iterable[str] = ("end to end", "growth", "memory")) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
        workdir = Path(tmp)
        for part, fn in (("end to end", end_to_end), ("growth", growth), ("memory", memory)):
            if part in parts:
                rows.extend(fn(workdir, quick))
    return rows
