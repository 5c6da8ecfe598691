"""The pre-commit check at commit time: 10 staged articles against a 1M-paragraph index.

    python benchmarks/bench_precommit.py              # builds a 1M-paragraph index once
    python benchmarks/bench_precommit.py --repeat 9
    python benchmarks/bench_precommit.py --index other.sqlite

The index holds 1M paragraphs of ``benchmarks/bench_index.py``'s corpus (the real
Reuters and BBC articles, then copies with each line's words shuffled), kept in
benchmarks/results/ as ``precommit-index-1000000.sqlite`` and built when it is
missing, incomplete or made by an older version of dedup (a few minutes on two
cores, once). A temporary git repository holds a ``pyproject.toml`` naming the index
and 10 staged articles: 8 new ones (copies not indexed), 1 near-duplicate of an
indexed article and 1 BBC copy with its first paragraph pasted again. ``dedup-check`` runs on them as pre-commit runs it, in a fresh process, and
must fail naming the two problem articles and nothing else.

Reported, as the median of ``--repeat`` runs after one warm-up (and the first run
alone): the start-up of a plain ``dedup --help``, the check without an index (the
articles only) and the check against the index, in wall and CPU (user + system)
seconds, with their ratios to the start-up measured in the same run. CPU time is
the steadier figure on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import RESULTS, Corpus, near_duplicate  # noqa: E402

from dedup.index import IndexStoreError, MinHashIndex  # noqa: E402
from dedup.io.reader import Article  # noqa: E402

SIZE = 1_000_000
STAGED = 10
GENERATOR = 2  # bump when the corpus changes, to invalidate the cache (1: synthetic words)
BIN = Path(sys.executable).parent


def command(name: str) -> list[str]:
    """A console script of this environment (as pre-commit runs it), else ``python -m``."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "dedup.hooks.check" if name == "dedup-check" else "dedup"]


def usable(path: Path, meta: Path, articles: int) -> bool:
    """A complete index of ``articles`` made by this generator and this version of dedup."""
    if not (path.exists() and meta.exists()):
        return False
    built = json.loads(meta.read_text())
    if built.get("generator") != GENERATOR or built.get("articles") != articles:
        return False
    try:
        with MinHashIndex(path, create=False) as index:
            return len(index) == articles
    except IndexStoreError as exc:  # e.g. signatures from older hashing code
        print(f"{path.name}: not usable: {exc}", file=sys.stderr)
        return False


def cached_index(size: int, jobs: int, corpus: Corpus) -> Path:
    """The index of ``size`` paragraphs kept in results/, built when it is not usable."""
    articles = corpus.articles_for(size)
    path, meta = RESULTS / f"precommit-index-{size}.sqlite", RESULTS / f"precommit-index-{size}.json"
    if usable(path, meta, articles):
        return path
    print(f"{size:,} paragraphs: building {path.name} ...", file=sys.stderr, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with MinHashIndex(path) as index, index.insertion_session():
        index.add_articles((Article(id=corpus.key(i), text=corpus.text(i), source=corpus.key(i))
                            for i in range(articles)), batch_size=1000, jobs=jobs)
    meta.write_text(json.dumps({"generator": GENERATOR, "articles": articles,
                                "build_s": time.perf_counter() - started}))
    return path


def staged_repo(root: Path, index: Path | None, corpus: Corpus, articles: int) -> list[str]:
    """A git repository with 10 staged articles; the names of the two that must fail."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    config = "[tool.dedup]\n" + (f'index = "{index}"\n' if index else "")
    (root / "pyproject.toml").write_text(config, encoding="utf-8")
    news = root / "news"
    news.mkdir(exist_ok=True)
    for k in range(STAGED - 2):  # new: copies of the same articles, not indexed
        (news / f"new-{k}.txt").write_text(corpus.text(articles + k), encoding="utf-8")
    (news / "near-duplicate.txt").write_text(near_duplicate(corpus.text(articles // 2)),
                                             encoding="utf-8")
    # A BBC copy beyond the index (BBC articles come after Reuters'): title, then one
    # paragraph per block.
    real = len(corpus.real)
    bbc = next(i for i in range(articles + 99, articles + 99 + real)
               if corpus.key(i).startswith("bbc/"))
    paragraphs = corpus.text(bbc).strip().split("\n\n")
    paragraphs.insert(3, paragraphs[1])  # the intro pasted again
    (news / "repeated-intro.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    subprocess.run(["git", "add", "news", "pyproject.toml"], cwd=root, check=True)
    return ["news/near-duplicate.txt", "news/repeated-intro.txt"]


def timed(args: list[str], cwd: Path, repeat: int) -> Timing:
    """A fresh process ``repeat + 1`` times: the first run, then the medians of the others."""
    walls, cpus = [], []
    proc = None
    for _ in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    assert proc is not None
    return Timing(walls[0], statistics.median(walls[1:]), statistics.median(cpus[1:]), proc)


@dataclass
class Timing:
    first: float
    wall: float
    cpu: float  # user + system: what a busy machine does not inflate
    proc: subprocess.CompletedProcess[str]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an existing index [results/' 1M cache]")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each command [5]")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes analysing articles if the index must be built [all cores]")
    args = parser.parse_args(argv)
    corpus = Corpus()
    index = (args.index or cached_index(SIZE, args.jobs, corpus)).resolve()
    with MinHashIndex(index, create=False) as opened:
        stats = opened.stats()
    scratch = Path(tempfile.mkdtemp(prefix="bench-precommit-"))
    try:
        with_index = scratch / "with-index"
        failing = staged_repo(with_index, index, corpus, stats.articles)
        without = scratch / "without-index"
        staged_repo(without, None, corpus, stats.articles)
        files = sorted(str(p.relative_to(with_index)) for p in (with_index / "news").iterdir())

        start_up = timed(command("dedup") + ["--help"], with_index, args.repeat)
        bare = timed(command("dedup-check") + files, without, args.repeat)
        check = timed(command("dedup-check") + files, with_index, args.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    proc = check.proc
    flagged = sorted({line.split(":", 1)[0] for line in proc.stdout.splitlines()})
    if proc.returncode != 1 or flagged != failing:
        print(f"unexpected verdict (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}",
              file=sys.stderr)
        return 1
    rows = [
        ("dedup --help (start-up)", start_up),
        (f"dedup-check, {STAGED} articles, no index", bare),
        (f"dedup-check, {STAGED} articles, {stats.paragraphs:,}-paragraph index", check),
    ]
    print(f"index: {index} ({stats.articles:,} articles, {stats.paragraphs:,} paragraphs, "
          f"{(stats.size_bytes or 0) / 1e9:.2f} GB); median of {args.repeat} runs")
    print(f"{'command':<54} {'first s':>8} {'wall s':>7} {'x':>5} {'cpu s':>6} {'x':>5}")
    for name, t in rows:
        print(f"{name:<54} {t.first:>8.2f} {t.wall:>7.2f} {t.wall / start_up.wall:>5.1f} "
              f"{t.cpu:>6.2f} {t.cpu / start_up.cpu:>5.1f}")
    print("verdict: exit 1, flagged " + ", ".join(flagged))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_precommit.json").write_text(json.dumps({
        "index": str(index), "paragraphs": stats.paragraphs, "staged": STAGED,
        "repeat": args.repeat, "help_s": start_up.wall, "help_cpu_s": start_up.cpu,
        "check_no_index_s": bare.wall, "check_no_index_cpu_s": bare.cpu,
        "check_s": check.wall, "check_cpu_s": check.cpu, "check_first_s": check.first,
        "ratio_to_help": check.wall / start_up.wall, "cpu_ratio_to_help": check.cpu / start_up.cpu,
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
