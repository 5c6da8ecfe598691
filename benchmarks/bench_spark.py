"""Wall time of the Spark engine against the local engine, at Reuters size and larger.

    python benchmarks/bench_spark.py                    # Reuters-21578, then 10x
    python benchmarks/bench_spark.py --scales 1 10 30 --master 'local[4]' --jobs 4

The larger corpora are synthetic: every story is repeated with a few words changed
in each copy (so copies are near-duplicates, not exact ones) and a new id. Both
engines run the same scan (findings within and across); Spark's session start-up is
timed apart, since a cluster job pays it once. Not a test: prints ratios only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REUTERS = (Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "reuters21578"
           / "reuters21578.jsonl")


def replicate(source: Path, target: Path, scale: int, seed: int = 1) -> int:
    """Write ``scale`` perturbed copies of every record of ``source``; return the count."""
    rng = random.Random(seed)
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    vocabulary = sorted({w for r in records[:2000] for w in r.get("text", "").split()})
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for copy in range(scale):
            for record in records:
                text = record.get("text", "")
                if copy:
                    words = text.split(" ")
                    for _ in range(max(1, len(words) // 25)):
                        words[rng.randrange(len(words))] = rng.choice(vocabulary)
                    text = " ".join(words)
                out.write(json.dumps({**record, "id": f"{record['id']}~{copy}", "text": text},
                                     ensure_ascii=False) + "\n")
                count += 1
    return count


def run_local(path: Path, jobs: int) -> tuple[float, int]:
    from dedup.io.reader import iter_inputs
    from dedup.pipeline.scan import scan

    started = time.perf_counter()
    result = scan(iter_inputs([str(path)]), jobs=jobs)
    return time.perf_counter() - started, len(result.findings)


def run_spark(spark: object, path: Path) -> tuple[float, int]:
    from dedup.io.reader import ReadOptions
    from dedup.spark import deduplicate
    from dedup.spark.io import read_inputs

    started = time.perf_counter()
    inputs = read_inputs(spark, [str(path)], ReadOptions())  # type: ignore[arg-type]
    result = deduplicate(inputs.frame, ordinal_col="ordinal", date_col="date", canonical=False)
    found = len(result.collect_findings())
    return time.perf_counter() - started, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--jobs", type=int, default=2, help="local engine processes [2]")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"bench_spark: {args.corpus}: not found", file=sys.stderr)
        return 2
    from dedup.spark import spark_session

    started = time.perf_counter()
    spark = spark_session(args.master, app_name="dedup-bench", conf={
        "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "4g")})
    startup = time.perf_counter() - started
    print(f"Spark {args.master}: session start {startup:.1f} s (not counted below)")
    print(f"{'scale':>5} {'articles':>9} {'local s':>9} {'spark s':>9} {'spark/local':>11}  findings")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for scale in args.scales:
                path = args.corpus
                count = sum(1 for line in path.open(encoding="utf-8") if line.strip())
                if scale != 1:
                    path = Path(tmp) / f"x{scale}.jsonl"
                    count = replicate(args.corpus, path, scale)
                local_s, local_n = run_local(path, args.jobs)
                spark_s, spark_n = run_spark(spark, path)
                same = "same" if local_n == spark_n else f"DIFFER {local_n} vs {spark_n}"
                print(f"{scale:>5} {count:>9,} {local_s:>9.1f} {spark_s:>9.1f} "
                      f"{spark_s / local_s:>11.2f}  {spark_n:,} ({same})", flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
