"""MinHashIndex at 10k, 100k and 1M paragraphs: build rate, size, open time, query latency.

    python benchmarks/bench_index.py                 # 10k, 100k, 1M (each built once, cached)
    python benchmarks/bench_index.py --sizes 10000 100000
    python benchmarks/bench_index.py --rebuild       # rebuild the cached indexes

Articles are synthetic: 10 paragraphs of 40-80 words drawn from a Zipf-distributed
vocabulary of 50,000 made-up words, so any two paragraphs share almost no 5-word
shingles, as in real news. The indexes live in benchmarks/results/ (git-ignored)
with their build figures, and are reused until --rebuild. Latencies are the
median over queries with different articles: a near-duplicate of an indexed article
(one word changed per paragraph) and an article that is not in the index. Ratios
are against the smallest index measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from dedup.index import IncompatibleSettingsError, MinHashIndex
from dedup.io.reader import Article

RESULTS = Path(__file__).resolve().parent / "results"
PARAGRAPHS_PER_ARTICLE = 10
VOCABULARY = 50_000
GENERATOR = 1  # bump when the synthetic corpus changes, to invalidate the cache
QUERIES = 60


def vocabulary(seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 10, VOCABULARY)
    return np.array(["".join(rng.choice(letters, n)) for n in lengths])


class Corpus:
    """Deterministic synthetic articles: article ``i`` is the same text in every run."""

    def __init__(self) -> None:
        self.words = vocabulary()
        ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
        weights = 1.0 / ranks ** 1.05
        self.cdf = np.cumsum(weights / weights.sum())

    def paragraphs(self, article: int, salt: int = 0) -> list[str]:
        rng = np.random.default_rng([article, salt])
        counts = rng.integers(40, 81, PARAGRAPHS_PER_ARTICLE)
        picks = np.searchsorted(self.cdf, rng.random(int(counts.sum())))
        words = self.words[np.minimum(picks, VOCABULARY - 1)]
        cuts = np.cumsum(counts)[:-1]
        return [" ".join(chunk) + "." for chunk in np.split(words, cuts)]

    def article(self, article: int, salt: int = 0) -> str:
        return "\n\n".join(self.paragraphs(article, salt)) + "\n"

    def near_duplicate(self, article: int) -> str:
        """The article with one word replaced in the middle of each paragraph."""
        out = []
        for paragraph in self.paragraphs(article):
            words = paragraph.split(" ")
            words[len(words) // 2] = "changed"
            out.append(" ".join(words))
        return "\n\n".join(out) + "\n"

    def articles(self, start: int, stop: int) -> Iterator[Article]:
        for i in range(start, stop):
            yield Article(id=f"synthetic/{i:07d}", text=self.article(i), source="synthetic")


def build(path: Path, articles: int, corpus: Corpus, jobs: int) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    # One transaction and a page cache larger than the file: every B-tree page is
    # written once, instead of once per batch (band keys are random, so each batch
    # touches most pages).
    with MinHashIndex(path, cache_mb=4096) as index, index.transaction():
        entries = index.add_articles(corpus.articles(0, articles), batch_size=1000, jobs=jobs)
    seconds = time.perf_counter() - started
    return {"articles": articles, "entries": entries, "build_s": seconds, "jobs": jobs}


def measure(path: Path, articles: int, corpus: Corpus) -> dict[str, float]:
    opens = []
    for _ in range(20):
        started = time.perf_counter()
        index = MinHashIndex(path, create=False)
        opens.append(time.perf_counter() - started)
        index.close()
    rng = np.random.default_rng(11)
    near, unrelated, found, cpu = [], [], [], []
    with MinHashIndex(path, create=False) as index:
        index.query(corpus.near_duplicate(0))  # warm the connection, not the data
        for i in rng.choice(articles, QUERIES, replace=False):
            text = corpus.near_duplicate(int(i))
            started, started_cpu = time.perf_counter(), time.process_time()
            matches = index.query(text)
            near.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            found.append(any(m.key == f"synthetic/{int(i):07d}" for m in matches))
            text = corpus.article(int(i), salt=1)  # same generator, not indexed
            started = time.perf_counter()
            index.query(text)
            unrelated.append(time.perf_counter() - started)
        paragraphs = index.stats().paragraphs
    return {
        "paragraphs": paragraphs,
        "size_bytes": os.path.getsize(path),
        "bytes_per_paragraph": os.path.getsize(path) / paragraphs,
        "open_ms": statistics.median(opens) * 1000,
        "query_near_ms": statistics.median(near) * 1000,
        "query_near_cpu_ms": statistics.median(cpu) * 1000,
        "query_unrelated_ms": statistics.median(unrelated) * 1000,
        "recall": sum(found) / len(found),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="index sizes in paragraphs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes analysing articles during the build [all cores]")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached indexes")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    corpus = Corpus()
    rows = []
    for size in sorted(args.sizes):
        articles = size // PARAGRAPHS_PER_ARTICLE
        path = RESULTS / f"index-{size}.sqlite"
        meta = RESULTS / f"index-{size}.json"
        cached = not args.rebuild and path.exists() and meta.exists() \
            and json.loads(meta.read_text()).get("generator") == GENERATOR
        if cached:
            try:  # signatures made by other shingle or MinHash code cannot be reused
                MinHashIndex(path, create=False).close()
            except IncompatibleSettingsError:
                cached = False
        if cached:
            built = json.loads(meta.read_text())
            print(f"{size:>9,} paragraphs: using the cached index {path.name}", file=sys.stderr)
        else:
            print(f"{size:>9,} paragraphs: building ...", file=sys.stderr, flush=True)
            built = build(path, articles, corpus, args.jobs) | {"generator": GENERATOR}
            meta.write_text(json.dumps(built))
        row = {"size": size, **built, **measure(path, articles, corpus)}
        row["build_paragraphs_per_s"] = row["paragraphs"] / row["build_s"]
        rows.append(row)
        print(f"{size:>9,} paragraphs: done", file=sys.stderr, flush=True)
    base = rows[0]
    print(f"{'paragraphs':>10} {'build/s':>9} {'build':>8} {'B/para':>7} {'size':>9} "
          f"{'open ms':>8} {'near ms':>8} {'cpu ms':>7} {'unrel ms':>8} {'recall':>6} "
          f"{'near x':>7} {'cpu x':>6} {'open x':>7}")
    for row in rows:
        print(f"{row['paragraphs']:>10,} {row['build_paragraphs_per_s']:>9,.0f} "
              f"{row['build_s']:>7.1f}s {row['bytes_per_paragraph']:>7.0f} "
              f"{row['size_bytes'] / 1e6:>7.1f}MB {row['open_ms']:>8.2f} "
              f"{row['query_near_ms']:>8.2f} {row['query_near_cpu_ms']:>7.2f} "
              f"{row['query_unrelated_ms']:>8.2f} {row['recall']:>6.2f} "
              f"{row['query_near_ms'] / base['query_near_ms']:>7.2f} "
              f"{row['query_near_cpu_ms'] / base['query_near_cpu_ms']:>6.2f} "
              f"{row['open_ms'] / base['open_ms']:>7.2f}")
    (RESULTS / "bench_index.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
