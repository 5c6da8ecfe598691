"""Clean against scan: a user cleaning a corpus should wait for clean no longer than
for a scan of it (goal: clean at most 1.5x the CPU time of scan on the same input).

    python -m benchmarks.bench_clean [--corpora extraction,bbc,extraction-more] [--jobs 1]

Both commands run in fresh processes, one after the other on the same input, with
the default settings (within and across); clean runs with ``--check`` so nothing is
written. The table gives each one's CPU seconds, the input's size and the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .common import PYTHON, SHARED, Row, Skip, measure_child, need

CORPORA = {
    "extraction": SHARED / "extraction" / "input",
    "bbc": SHARED / "bbc",
    "extraction-more": SHARED / "extraction-more" / "input",
    "trafilatura-eval": SHARED / "trafilatura-eval" / "input",
}
GOAL = 1.5


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def bench_corpus(name: str, jobs: int = 1) -> list[Row]:
    folder = need(CORPORA[name])
    common = ["--jobs", str(jobs), "--quiet", "--encoding", "auto", str(folder)]
    scan = measure_child([PYTHON, "-m", "dedup", "scan", *common])
    clean = measure_child([PYTHON, "-m", "dedup", "clean", "--check", *common])
    ratio = clean.cpu / scan.cpu
    return [
        Row("clean", f"{name}: input", f"{size_mb(folder):.1f} MB"),
        Row("clean", f"{name}: dedup scan, CPU", f"{scan.cpu:.1f} s ({scan.max_rss_mb:.0f} MB)"),
        Row("clean", f"{name}: dedup clean --check, CPU", f"{clean.cpu:.1f} s ({clean.max_rss_mb:.0f} MB)"),
        Row("clean", f"{name}: clean / scan (CPU)", f"{ratio:.2f}x", f"<= {GOAL}x", ratio <= GOAL),
    ]


def bench(corpora: Sequence[str], jobs: int = 1) -> list[Row]:
    rows: list[Row] = []
    for name in corpora:
        try:
            rows += bench_corpus(name, jobs)
        except Skip as skipped:
            rows.append(Row("clean", name, f"skipped: {skipped}"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    from .run import render

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_clean", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", default="extraction,bbc,extraction-more",
                        help=f"comma-separated: {', '.join(CORPORA)}")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    names = [n for n in args.corpora.split(",") if n]
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus: {', '.join(unknown)}")
    print(render(bench(names, args.jobs)))
    print(f"\nCPython {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
