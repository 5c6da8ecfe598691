"""MinHashIndex at corpus scale: bulk build, size, open, add-one, query, datasketch, Redis.

    python benchmarks/bench_index.py                       # 100k and 1M paragraphs
    python benchmarks/bench_index.py --sizes 10000 100000  # smaller, a minute or two
    python benchmarks/bench_index.py --no-redis --datasketch 100000

The articles are real: every Reuters-21578 story and BBC article of ../shared/data
(or $DEDUP_SHARED_DATA), read in place. Beyond their ~100k paragraphs, copy c of an
article has the words of each of its lines shuffled (seeded by article and copy):
the same lengths, layout and vocabulary, new shingles.

For each size, on one core (``jobs=1``):

* build: ``add_articles`` in an ``insertion_session`` into a new SQLite file, from
  the texts (segmentation, shingles, signatures and storage all timed);
* bytes per paragraph of the closed file, and the median time to open it;
* add one article: ``index.add`` of a new article, its own transaction (median, p90);
* query: CPU time of ``index.query`` of a near-duplicate of an indexed article (one
  word changed per line), and of the index's part alone (the article analysed first);
* datasketch: ``MinHashLSH.insert`` of the first ``--datasketch`` entries' signatures
  as ``LeanMinHash`` objects, in memory, beside ``MinHashIndex.insert`` of the same
  objects into a new SQLite file in an ``insertion_session`` (datasketch keeps every
  bucket in a Python set: 1M entries would need ~10 GB);
* Redis: ``add_articles`` of the first ``--redis`` paragraphs' articles into a local
  ``redis-server`` started on a free port (skipped when it is not installed).

Results go to benchmarks/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from dedup.index import MinHashIndex
from dedup.io.reader import Article

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DEDUP_SHARED_DATA", ROOT.parent / "shared" / "data"))
REUTERS = SHARED / "reuters21578" / "reuters21578.jsonl"
BBC = SHARED / "bbc"
RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = 40
ADDS = 30
GOALS = {"build": 20_000, "ratio": 0.5, "bytes": 600, "add_ms": 20.0, "query_cpu_ms": 2.0,
         "redis": 10_000}


def real_articles() -> list[tuple[str, str]]:
    """``(id, text)`` of every Reuters story and BBC article."""
    if not REUTERS.exists() or not BBC.exists():
        sys.exit(f"needs {REUTERS} and {BBC} (the shared evaluation data)")
    out = []
    with open(REUTERS, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            out.append((str(record["id"]), record["text"]))
    for path in sorted(BBC.glob("*/*.txt")):
        try:
            out.append((f"bbc/{path.parent.name}/{path.stem}", path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def shuffled(text: str, seed: int) -> str:
    """Each line's words in a random order (indentation and line breaks kept)."""
    rng = random.Random(seed)
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        words = body.split(" ")
        rng.shuffle(words)
        lines.append(line[: len(line) - len(body)] + " ".join(words))
    return "\n".join(lines)


def near_duplicate(text: str, every: int = 40) -> str:
    """One word in ``every`` changed (a re-sent story with a figure corrected here and there)."""
    words = text.split(" ")
    for i in range(every // 2, len(words), every):
        if words[i].strip():
            words[i] = "changed"
    return " ".join(words)


class Corpus:
    """Article ``i`` is real article ``i % R``, copy ``i // R`` (copy 0 is the original)."""

    def __init__(self) -> None:
        self.real = real_articles()
        with tempfile.TemporaryDirectory() as folder, MinHashIndex(Path(folder) / "i.sqlite") as index:
            from dedup.index.analysis import prepare

            batch = prepare([Article(i, t, i) for i, t in self.real], index.settings,
                            index.bands, index.rows)
        counts = np.zeros(len(self.real), dtype=np.int64)
        for owner, paragraph in zip(batch.owner, batch.paragraph):
            if paragraph is not None:
                counts[owner] += 1
        self.paragraphs = counts  # indexed paragraphs of each real article (and its copies)

    def text(self, i: int) -> str:
        base, copy = i % len(self.real), i // len(self.real)
        text = self.real[base][1]
        return text if copy == 0 else shuffled(text, i)

    def key(self, i: int) -> str:
        base, copy = i % len(self.real), i // len(self.real)
        return f"{self.real[base][0]}~{copy}"

    def articles_for(self, paragraphs: int) -> int:
        """How many articles hold ``paragraphs`` indexed paragraphs."""
        per_cycle = int(self.paragraphs.sum())
        cycles, rest = divmod(paragraphs, per_cycle)
        return cycles * len(self.real) + int(np.searchsorted(np.cumsum(self.paragraphs), rest)) + 1

    def build_articles(self, count: int) -> list[Article]:
        return [Article(id=self.key(i), text=self.text(i), source=self.key(i)) for i in range(count)]


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def timed(fn: object) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started, time.process_time() - cpu


def bench_size(corpus: Corpus, paragraphs: int, work: Path, args: argparse.Namespace) -> dict:
    count = corpus.articles_for(paragraphs)
    print(f"{paragraphs:>9,} paragraphs: {count:,} articles, generating ...", file=sys.stderr, flush=True)
    articles = corpus.build_articles(count)
    path = fresh(work / f"index-{paragraphs}.sqlite")
    print(f"{paragraphs:>9,} paragraphs: building ...", file=sys.stderr, flush=True)
    row: dict = {"size": paragraphs, "articles": count}
    index = MinHashIndex(path)

    def build() -> None:
        with index.insertion_session():
            row["entries"] = index.add_articles(articles, batch_size=1000, jobs=1)

    row["build_s"], row["build_cpu_s"] = timed(build)
    stats = index.stats()
    settings, bands, rows = index.settings, index.bands, index.rows
    index.close()

    def analysis() -> None:  # the same articles, analysed only: the rest is the index's
        from dedup.index.analysis import prepare

        for start in range(0, len(articles), 1000):
            prepare(articles[start: start + 1000], settings, bands, rows)

    _, row["analysis_cpu_s"] = timed(analysis)
    row["paragraphs"] = stats.paragraphs
    row["build_per_s"] = stats.paragraphs / row["build_s"]
    row["build_per_cpu_s"] = stats.paragraphs / row["build_cpu_s"]
    row["index_per_cpu_s"] = stats.paragraphs / max(1e-9, row["build_cpu_s"] - row["analysis_cpu_s"])
    row["bytes_per_paragraph"] = os.path.getsize(path) / stats.paragraphs
    row["size_mb"] = os.path.getsize(path) / 1e6

    opens = []
    for _ in range(20):
        started = time.perf_counter()
        MinHashIndex(path, create=False).close()
        opens.append(time.perf_counter() - started)
    row["open_ms"] = statistics.median(opens) * 1000

    rng = np.random.default_rng(11)
    cpu, lookup, sketch_cpu, found = [], [], [], []
    with MinHashIndex(path, create=False) as index:
        from dedup.document import analyze
        from dedup.sketch.minhash import signatures, to_datasketch

        index.query(near_duplicate(articles[0].text))  # warm the connection, not the data
        for i in rng.choice(count, min(QUERIES, count), replace=False).tolist():
            text = near_duplicate(articles[i].text)
            started = time.process_time()
            matches = index.query(text)
            cpu.append(time.process_time() - started)
            found.append(any(m.article == articles[i].id for m in matches))
            doc = analyze(Article("", text, "<query>"), index.settings, index._shingler)
            started = time.process_time()
            index.query_doc(doc)
            lookup.append(time.process_time() - started)
            shingles = index._shingler.shingles(text)
            minhash = to_datasketch(signatures([shingles], index.settings.num_perm,
                                               index.settings.seed)[0], index.settings.seed)
            started = time.process_time()
            index.query(minhash)
            sketch_cpu.append(time.process_time() - started)
        row["query_cpu_ms"] = statistics.median(cpu) * 1000
        row["query_index_cpu_ms"] = statistics.median(lookup) * 1000
        row["query_minhash_cpu_ms"] = statistics.median(sketch_cpu) * 1000
        row["recall"] = sum(found) / len(found)
        adds = []
        for n in range(ADDS):
            i = count + 1 + n * 7919
            started = time.perf_counter()
            index.add(corpus.key(i), corpus.text(i))
            adds.append(time.perf_counter() - started)
        row["add_ms"] = statistics.median(adds) * 1000
        row["add_p90_ms"] = float(np.percentile(adds, 90)) * 1000
    if not args.keep:
        fresh(path)
    return row


def signatures_of(articles: Sequence[Article], entries: int) -> list[tuple[str, np.ndarray]]:
    """The first ``entries`` entries' keys and signatures, as the index makes them."""
    from dedup.index.analysis import prepare
    from dedup.index.model import entry_key
    from dedup.settings import Settings
    from dedup.sketch.minhash import signatures

    settings = Settings()
    out: list[tuple[str, np.ndarray]] = []
    for start in range(0, len(articles), 2000):
        batch = prepare(articles[start: start + 2000], settings, 42, 3)
        sigs = signatures(batch.sets, settings.num_perm, settings.seed)
        out.extend((entry_key(batch.articles[o], p), sig)
                   for o, p, sig in zip(batch.owner, batch.paragraph, sigs))
        if len(out) >= entries:
            break
    return out[:entries]


def bench_datasketch(corpus: Corpus, entries: int, work: Path) -> dict:
    from datasketch import MinHashLSH

    from dedup.sketch.minhash import to_datasketch

    print(f"datasketch: {entries:,} entries ...", file=sys.stderr, flush=True)
    count = corpus.articles_for(entries)  # entries >= paragraphs: enough articles
    keyed = signatures_of(corpus.build_articles(count), entries)
    minhashes = [(key, to_datasketch(sig, 1)) for key, sig in keyed]
    path = fresh(work / "sketches.sqlite")
    with MinHashIndex(path) as index:
        bands, rows = index.bands, index.rows
        lsh = MinHashLSH(num_perm=128, params=(bands, rows))

        def theirs() -> None:
            with lsh.insertion_session() as session:
                for key, m in minhashes:
                    session.insert(key, m, check_duplication=False)

        def ours() -> None:
            with index.insertion_session() as session:
                for key, m in minhashes:
                    session.insert(key, m, check_duplication=False)

        ds_wall, ds_cpu = timed(theirs)
        our_wall, our_cpu = timed(ours)
        probe_key, probe = minhashes[len(minhashes) // 2]
        assert probe_key in lsh.query(probe) and probe_key in [m.key for m in index.query(probe)]
    size = os.path.getsize(path)
    fresh(path)
    return {"entries": len(minhashes), "datasketch_per_s": len(minhashes) / ds_cpu,
            "ours_per_s": len(minhashes) / our_cpu, "ratio": ds_cpu / our_cpu,
            "wall_ratio": ds_wall / our_wall,
            "bytes_per_entry": size / len(minhashes), "bands": bands, "rows": rows}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_cpu(client: object) -> float:
    info = client.info("cpu")  # type: ignore[attr-defined]
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def bench_redis(corpus: Corpus, paragraphs: int, work: Path, reference: int) -> dict | None:
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis: redis-server is not installed, skipped", file=sys.stderr)
        return None
    import redis

    port = _free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        count = corpus.articles_for(paragraphs)
        articles = corpus.build_articles(count)
        print(f"redis: {paragraphs:,} paragraphs ...", file=sys.stderr, flush=True)
        with MinHashIndex(f"redis://127.0.0.1:{port}/0", name="bench") as index:
            def add() -> None:
                with index.insertion_session():
                    index.add_articles(articles, batch_size=1000, jobs=1)

            server = _server_cpu(client)
            wall, cpu = timed(add)
            server = _server_cpu(client) - server
            done = index.stats().paragraphs
        memory = int(client.info("memory")["used_memory"])
        # datasketch's own MinHashLSH on the same server, for the same signatures.
        from datasketch import MinHashLSH

        from dedup.sketch.minhash import to_datasketch

        sample = [(k, to_datasketch(sig, 1)) for k, sig in signatures_of(articles, reference)]
        lsh = MinHashLSH(num_perm=128, params=(42, 3), storage_config={
            "type": "redis", "basename": b"dsref", "redis": {"host": "127.0.0.1", "port": port}})

        def theirs() -> None:
            with lsh.insertion_session() as session:
                for key, m in sample:
                    session.insert(key, m, check_duplication=False)

        with MinHashIndex(f"redis://127.0.0.1:{port}/0", name="ours") as index:
            def ours() -> None:
                with index.insertion_session() as session:
                    for key, m in sample:
                        session.insert(key, m, check_duplication=False)

            ours_wall, _ = timed(ours)
        theirs_wall, _ = timed(theirs)
        client.close()
        return {"paragraphs": done, "per_s": done / wall, "client_cpu_s": cpu, "wall_s": wall,
                "server_cpu_s": server, "reference_entries": len(sample),
                "datasketch_minhash_per_s": len(sample) / theirs_wall,
                "ours_minhash_per_s": len(sample) / ours_wall,
                "memory_per_paragraph": memory / done}
    finally:
        os.kill(proc.pid, 15)
        proc.wait(timeout=30)


def rows_of(sizes: list[dict], sketch: dict | None, redis_row: dict | None) -> Iterator[tuple[str, str, str, bool | None]]:
    for row in sizes:
        n = f"{row['paragraphs']:,}"
        yield (f"build at {n}, one core", f"{row['build_per_cpu_s']:,.0f} paragraphs/s of CPU "
               f"({row['build_cpu_s']:.1f}s; wall {row['build_s']:.1f}s, {row['build_per_s']:,.0f}/s)",
               f">= {GOALS['build']:,}/s", row["build_per_cpu_s"] >= GOALS["build"])
        yield (f"  of which the index at {n}", f"{row['index_per_cpu_s']:,.0f} paragraphs/s of CPU "
               f"(analysis {row['analysis_cpu_s']:.1f}s of the {row['build_cpu_s']:.1f}s)",
               f">= {GOALS['build']:,}/s", row["index_per_cpu_s"] >= GOALS["build"])
        yield (f"size at {n}", f"{row['bytes_per_paragraph']:.0f} B/paragraph "
               f"({row['size_mb']:.0f} MB)", f"<= {GOALS['bytes']}",
               row["bytes_per_paragraph"] <= GOALS["bytes"])
        yield (f"open at {n}", f"{row['open_ms']:.2f} ms", "constant", None)
        yield (f"add one article at {n}", f"{row['add_ms']:.1f} ms (p90 {row['add_p90_ms']:.1f})",
               f"<= {GOALS['add_ms']:.0f} ms", row["add_ms"] <= GOALS["add_ms"])
        yield (f"query CPU at {n}", f"{row['query_cpu_ms']:.2f} ms (index part "
               f"{row['query_index_cpu_ms']:.2f}, MinHash query {row['query_minhash_cpu_ms']:.2f}; "
               f"recall {row['recall']:.2f})", f"<= {GOALS['query_cpu_ms']:.0f} ms",
               row["query_cpu_ms"] <= GOALS["query_cpu_ms"])
    if sketch:
        yield (f"insert {sketch['entries']:,} LeanMinHash",
               f"ours {sketch['ours_per_s']:,.0f}/s on disk, datasketch {sketch['datasketch_per_s']:,.0f}/s "
               f"in memory (CPU): x{sketch['ratio']:.2f} (wall x{sketch['wall_ratio']:.2f})", f">= x{GOALS['ratio']}", sketch["ratio"] >= GOALS["ratio"])
    if redis_row:
        yield (f"Redis add {redis_row['paragraphs']:,}", f"{redis_row['per_s']:,.0f} paragraphs/s "
               f"wall (client CPU {redis_row['client_cpu_s']:.1f}s, server {redis_row['server_cpu_s']:.1f}s, "
               f"wall {redis_row['wall_s']:.1f}s; {redis_row['memory_per_paragraph']:.0f} B/paragraph in Redis)",
               f">= {GOALS['redis']:,}/s", redis_row["per_s"] >= GOALS["redis"])
        yield (f"Redis insert {redis_row['reference_entries']:,} LeanMinHash",
               f"ours {redis_row['ours_minhash_per_s']:,.0f}/s, datasketch MinHashLSH "
               f"{redis_row['datasketch_minhash_per_s']:,.0f}/s (wall, same server)", "", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="index sizes in paragraphs [100000 1000000]")
    parser.add_argument("--datasketch", type=int, default=200_000,
                        help="entries for the datasketch comparison; 0 skips it [200000]")
    parser.add_argument("--redis", type=int, default=100_000,
                        help="paragraphs for the Redis bulk add [100000]")
    parser.add_argument("--no-redis", action="store_true", help="skip Redis")
    parser.add_argument("--keep", action="store_true", help="keep the index files in results/")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    corpus = Corpus()
    print(f"{len(corpus.real):,} real articles, {int(corpus.paragraphs.sum()):,} indexed paragraphs",
          file=sys.stderr)
    sizes = []
    for size in sorted(args.sizes):
        sizes.append(bench_size(corpus, size, RESULTS, args))
        print(json.dumps(sizes[-1]), file=sys.stderr, flush=True)  # kept if a later part fails
    sketch = bench_datasketch(corpus, args.datasketch, RESULTS) if args.datasketch else None
    print(json.dumps(sketch), file=sys.stderr, flush=True)
    redis_row = None if args.no_redis else bench_redis(corpus, args.redis, RESULTS,
                                                       min(args.redis, 20_000))
    table = list(rows_of(sizes, sketch, redis_row))
    width = max(len(r[0]) for r in table)
    value_width = max(len(r[1]) for r in table)
    for name, value, goal, met in table:
        mark = "" if met is None else ("met" if met else "MISSED")
        print(f"{name:<{width}}  {value:<{value_width}}  {goal:<9} {mark}")
    (RESULTS / "bench_index.json").write_text(json.dumps(
        {"sizes": sizes, "datasketch": sketch, "redis": redis_row}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
