"""Helpers shared by the benchmarks: where the shared data is, timing, sub-processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DEDUP_SHARED_DATA", ROOT.parent / "shared" / "data"))
REUTERS = SHARED / "reuters21578" / "reuters21578.jsonl"
BBC = SHARED / "bbc"
PYTHON = sys.executable


class Skip(Exception):
    """A benchmark cannot run here (missing data or peer); the message says why."""


def need(path: Path) -> Path:
    if not path.exists():
        raise Skip(f"needs {path} (the shared evaluation data, ../shared/data)")
    return path


@dataclass
class Row:
    """One line of the results table."""

    group: str
    name: str
    value: str
    goal: str = ""
    met: bool | None = None


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by a noisy machine)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    returncode: int
    cpu: float = 0.0


def measure_child(args: list[str], stdout_path: Path | None = None,
                  ok: tuple[int, ...] = (0, 1, 2)) -> Run:
    """Run a command in a fresh process: its wall time and peak memory (max RSS, from
    ``wait4``; with worker processes, the largest single process)."""
    with open(stdout_path or os.devnull, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    # 2 is dedup's "some input could not be read" (one BBC file is not UTF-8).
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    # ru_maxrss is in kilobytes on Linux; the CPU times include the workers it waited for.
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime)


def read_jsonl(path: Path, limit: int | None = None) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def dedup_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "dedup", *args]


__all__ = ["BBC", "PYTHON", "REUTERS", "ROOT", "Row", "Skip", "best_of", "dedup_command",
           "measure_child", "need", "read_jsonl"]
