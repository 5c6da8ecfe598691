"""Run every benchmark and print one table.

    python -m benchmarks            # everything (about 15-30 minutes on 2 cores)
    python -m benchmarks --quick    # smaller inputs, a few minutes
    python -m benchmarks --only signatures,startup

Peers come from the ``bench`` extra (``pip install '.[bench]'``). Benchmarks that
need ``../shared/data`` (or ``$DEDUP_SHARED_DATA``) say so and are skipped when it
is absent. Ratios compare systems measured in the same run: absolute times on a
shared machine mean little.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence

from .common import Row, Skip

PARTS = ("signatures", "end to end", "growth", "memory", "startup", "quality", "reports")


def _runners(quick: bool, only: set[str]) -> list[tuple[str, Callable[[], list[Row]]]]:
    from . import bench_quality, bench_report, bench_scan, bench_signatures, bench_startup

    scan_parts = [p for p in ("end to end", "growth", "memory") if p in only]
    runners: list[tuple[str, Callable[[], list[Row]]]] = []
    if "startup" in only:
        runners.append(("startup", lambda: bench_startup.bench(quick)))
    if "signatures" in only:
        runners.append(("signatures", lambda: bench_signatures.bench(quick)))
    if scan_parts:
        runners.append((", ".join(scan_parts), lambda: bench_scan.bench(quick, scan_parts)))
    if "quality" in only:
        runners.append(("quality", lambda: bench_quality.bench(quick)))
    if "reports" in only:
        runners.append(("reports", lambda: bench_report.bench(quick)))
    return runners


def render(rows: Sequence[Row]) -> str:
    header = ("group", "measure", "value", "goal", "met")
    table = [header] + [(r.group, r.name, r.value, r.goal,
                         "" if r.met is None else ("yes" if r.met else "NO")) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in table]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run: {', '.join(PARTS)}")
    args = parser.parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = only - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    rows: list[Row] = []
    started = time.perf_counter()
    for name, runner in _runners(args.quick, only):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(runner())
        except Skip as exc:
            rows.append(Row(name, "skipped", str(exc)))
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            rows.append(Row(name, "failed", f"{type(exc).__name__}: {exc}"[:200]))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(render(rows))
    print(f"\n{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, load average {load:.1f} at the end, "
          f"{time.perf_counter() - started:.0f} s in all"
          f"{' (--quick)' if args.quick else ''}.")
    return 1 if any(r.met is False for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
