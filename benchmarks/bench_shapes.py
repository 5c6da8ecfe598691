"""Corpus shapes that used to blow up: many small files sharing paragraphs, and a
million one-line JSON lines records.

Each shape is generated (no shared data needed) at a base size and at five times it,
then ``dedup scan --format json`` runs on both in fresh processes. The rows give CPU
seconds, peak memory and their growth from 1x to 5x: proportional cost is a growth
near 5x, not the size itself, since absolute times on a shared machine mean little.

    python -m benchmarks.bench_shapes [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from .common import PYTHON, Row, measure_child

# A paragraph of boilerplate shared by thousands of files: each file holds one of its
# own and two of these.
SHARED_PARAGRAPHS = 20
GROWTH_GOAL = 6.0  # 5x the input: at most 6x the CPU or memory


def many_files(folder: Path, count: int, seed: int = 1) -> Path:
    """``count`` small articles in 100 folders: one paragraph each of their own, two shared."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(5000)]
    shared = [" ".join(rng.choices(vocabulary, k=30)) + "." for _ in range(SHARED_PARAGRAPHS)]
    for i in range(count):
        sub = folder / f"{i % 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        own = " ".join(rng.choices(vocabulary, k=40)) + "."
        (sub / f"{i}.txt").write_text("\n".join([own, *rng.choices(shared, k=2)]) + "\n",
                                      encoding="utf-8")
    return folder


def one_line_records(path: Path, count: int, seed: int = 2) -> Path:
    """``count`` JSON lines records of one short sentence each."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(20000)]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            text = " ".join(rng.choices(vocabulary, k=8)) + "."
            out.write(json.dumps({"id": str(i), "text": text}) + "\n")
    return path


def _scan(target: Path) -> tuple[float, float]:
    run = measure_child([PYTHON, "-m", "dedup", "scan", "-q", "--format", "json", str(target)])
    return run.cpu, run.max_rss_mb


def _rows(name: str, make: object, base: int, workdir: Path) -> list[Row]:
    small = make(workdir / f"{name}-1x", base)  # type: ignore[operator]
    large = make(workdir / f"{name}-5x", 5 * base)  # type: ignore[operator]
    (cpu1, mem1), (cpu5, mem5) = _scan(small), _scan(large)
    return [
        Row("shapes", f"{name}: {base:,} (1x)", f"{cpu1:.1f} s CPU, {mem1:.0f} MB"),
        Row("shapes", f"{name}: {5 * base:,} (5x)", f"{cpu5:.1f} s CPU, {mem5:.0f} MB"),
        Row("shapes", f"{name}: CPU 5x / 1x", f"{cpu5 / cpu1:.2f}x", f"<= {GROWTH_GOAL}x",
            cpu5 / cpu1 <= GROWTH_GOAL),
        Row("shapes", f"{name}: memory 5x / 1x", f"{mem5 / mem1:.2f}x", f"<= {GROWTH_GOAL}x",
            mem5 / mem1 <= GROWTH_GOAL),
    ]


def bench(quick: bool = False) -> list[Row]:
    files, records = (2_000, 40_000) if quick else (10_000, 200_000)
    with tempfile.TemporaryDirectory(prefix="dedup-shapes-") as tmp:
        workdir = Path(tmp)
        return [*_rows("small files sharing paragraphs", many_files, files, workdir),
                *_rows("one-line records", lambda p, n: one_line_records(p.with_suffix(".jsonl"), n),
                       records, workdir)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the sizes")
    args = parser.parse_args()
    for row in bench(args.quick):
        mark = "" if row.met is None else (" ok" if row.met else " MISSED")
        print(f"{row.name:45} {row.value:>24} {row.goal:>8}{mark}")


if __name__ == "__main__":
    main()
