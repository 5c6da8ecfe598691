"""Long inputs for clean: a user's corpus may hold an article extracted onto one
line, a dump in one record or a list of a million short lines, and each must cost
about what the same bytes cost as ordinary articles (goal: within 3x per byte).

    python -m benchmarks.bench_long [--quick] [--shapes paragraph,line,record,lines]

Every shape is built from BBC articles (then Reuters bodies, then again from the
start when more text is needed), in a fixed order:

- ordinary: articles one per JSON lines record, the reference cost per byte;
- paragraph (1 MB) and line (4 M characters): articles on one line, every fifth
  pasted twice in a row, as one-line extractors produce them;
- record (10 MB): one JSON lines record of articles with their paragraph breaks;
- lines (1 M): a file of one million lines of five words.

``dedup clean --check`` runs on each in a fresh process. Cost per byte is the CPU
time above start-up (a one-sentence file) over the input's size; the rows give it
against the ordinary articles'.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .common import BBC, PYTHON, REUTERS, Row, Skip, measure_child, need, read_jsonl

GOAL = 3.0
DOUBLED_EVERY = 5
LINE_WORDS = 5
# Shape name: (what, size at full scale, unit).
SHAPES = {
    "paragraph": ("a 1 MB paragraph", 1_000_000, "bytes"),
    "line": ("a 4 M-character line", 4_000_000, "characters"),
    "record": ("a 10 MB record", 10_000_000, "bytes"),
    "lines": ("1 M short lines", 1_000_000, "lines"),
}
ORDINARY = 2_000_000


def articles() -> Iterator[str]:
    """BBC articles, then Reuters bodies, over and over."""
    bbc = sorted(need(BBC).rglob("*.txt"))
    while True:
        for path in bbc:
            yield path.read_text(encoding="utf-8", errors="replace").strip()
        if REUTERS.exists():
            for record in read_jsonl(REUTERS):
                yield str(record["text"]).strip()


def _take(limit: int, size: Callable[[str], int], source: Iterator[str]) -> list[str]:
    taken, total = [], 0
    for text in source:
        if total >= limit:
            break
        taken.append(text)
        total += size(text)
    return taken


def ordinary(path: Path, size: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for i, text in enumerate(_take(size, lambda t: len(t.encode()), articles())):
            out.write(json.dumps({"id": str(i), "text": text}) + "\n")
    return path


def one_line(path: Path, size: int) -> Path:
    """Articles on one line, every fifth pasted twice in a row (``size`` characters)."""
    pieces: list[str] = []
    for i, text in enumerate(_take(size, len, articles())):
        flat = " ".join(text.split())
        pieces += [flat, flat] if i % DOUBLED_EVERY == DOUBLED_EVERY - 1 else [flat]
    path.write_text(" ".join(pieces)[:size] + "\n", encoding="utf-8")
    return path


def one_record(path: Path, size: int) -> Path:
    text = "\n\n".join(_take(size, lambda t: len(t.encode()), articles()))
    path.write_text(json.dumps({"id": "dump", "text": text}) + "\n", encoding="utf-8")
    return path


def short_lines(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        written = 0
        for text in articles():
            found = text.split()
            for at in range(0, len(found) - LINE_WORDS + 1, LINE_WORDS):
                out.write(" ".join(found[at:at + LINE_WORDS]) + "\n")
                written += 1
                if written == count:
                    return path
    return path


BUILD = {"paragraph": (one_line, ".txt"), "line": (one_line, ".txt"),
         "record": (one_record, ".jsonl"), "lines": (short_lines, ".txt")}


def _clean(path: Path) -> tuple[float, float]:
    run = measure_child([PYTHON, "-m", "dedup", "clean", "--check", "--quiet", "--jobs", "1", str(path)],
                        ok=(0, 1))
    return run.cpu, run.max_rss_mb


def bench(quick: bool = False, shapes: Sequence[str] = tuple(SHAPES)) -> list[Row]:
    scale = 0.25 if quick else 1.0
    try:
        need(BBC)
    except Skip as skipped:
        return [Row("long inputs", "all shapes", f"skipped: {skipped}")]
    with tempfile.TemporaryDirectory(prefix="dedup-long-") as tmp:
        workdir = Path(tmp)
        tiny = workdir / "tiny.txt"
        tiny.write_text("One short sentence to start the process.\n", encoding="utf-8")
        start_up = _clean(tiny)[0]
        reference = ordinary(workdir / "ordinary.jsonl", int(ORDINARY * scale))
        cpu, memory = _clean(reference)
        base = (cpu - start_up) / reference.stat().st_size
        rows = [Row("long inputs", "start-up (one sentence)", f"{start_up:.2f} s CPU"),
                Row("long inputs", f"ordinary articles ({reference.stat().st_size / 1e6:.1f} MB)",
                    f"{cpu:.1f} s CPU, {memory:.0f} MB, {base * 1e6:.2f} s per MB")]
        for name in shapes:
            what, full, _unit = SHAPES[name]
            build, suffix = BUILD[name]
            path = build(workdir / f"{name}{suffix}", int(full * scale))
            cpu, memory = _clean(path)
            per_byte = (cpu - start_up) / path.stat().st_size
            ratio = per_byte / base
            label = what if not quick else f"{what} (quick: {scale:g} of it)"
            rows += [Row("long inputs", f"{label}: {path.stat().st_size / 1e6:.1f} MB",
                         f"{cpu:.1f} s CPU, {memory:.0f} MB, {per_byte * 1e6:.2f} s per MB"),
                     Row("long inputs", f"{label}: cost per byte / ordinary", f"{ratio:.2f}x",
                         f"<= {GOAL:g}x", ratio <= GOAL)]
            path.unlink()
        return rows


def main(argv: Sequence[str] | None = None) -> int:
    from .run import render

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_long", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a quarter of each size")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated: {', '.join(SHAPES)}")
    args = parser.parse_args(argv)
    names = [n for n in args.shapes.split(",") if n]
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        parser.error(f"unknown shape: {', '.join(unknown)}")
    print(render(bench(args.quick, names)))
    print(f"\nCPython {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
