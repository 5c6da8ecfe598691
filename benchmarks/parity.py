"""Record the JSON output of ``dedup scan`` and ``dedup clean --check`` on the shared data,
and compare two recordings byte for byte.

A refactoring or a speed change must not change what the tool finds or writes:
record before, record after, compare::

    python -m benchmarks.parity record before/          # on the old revision
    python -m benchmarks.parity record after/           # on the new one
    python -m benchmarks.parity compare before/ after/  # exit 1 on any difference

Each run is ``python -m dedup`` in the data folder (so paths in the output are the
same), with ``-j 2``; every output, its standard error and its exit code are kept.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
INPUTS = {
    "seed": "seed",
    "bbc": "bbc",
    "reuters": "reuters21578/reuters21578.jsonl",
    "extraction": "extraction",
    "more-html2text": "extraction-more/input/html2text",
    "more-justext": "extraction-more/input/justext",
    "more-dom_smoothie": "extraction-more/input/dom_smoothie",
    "trafilatura": "trafilatura-eval/input/trafilatura",
}
COMMANDS = {
    "scan": ["scan", "--format", "json", "-q", "-j", "2"],
    "clean": ["clean", "--check", "--format", "json", "-q", "-j", "2"],
}


def record(out: Path, data: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for name, path in INPUTS.items():
        for command, args in COMMANDS.items():
            done = subprocess.run([sys.executable, "-m", "dedup", *args, path], cwd=data,
                                  capture_output=True, env=env)
            stem = out / f"{name}-{command}"
            stem.with_suffix(".json").write_bytes(done.stdout)
            stem.with_suffix(".err").write_bytes(done.stderr)
            stem.with_suffix(".rc").write_text(f"{done.returncode}\n")
            print(f"{name} {command}: exit {done.returncode}, {len(done.stdout):,} bytes")


def compare(a: Path, b: Path) -> int:
    names = sorted(p.name for p in a.iterdir() if p.suffix in (".json", ".rc"))
    different = [n for n in names if not (b / n).exists() or not filecmp.cmp(a / n, b / n, shallow=False)]
    for name in different:
        print(f"differs: {name}")
    print(f"{len(names) - len(different)} of {len(names)} outputs identical")
    return 1 if different else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("out", type=Path)
    rec.add_argument("--data", type=Path, default=DATA)
    cmp = sub.add_parser("compare")
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.verb == "record":
        if not args.data.is_dir():
            parser.error(f"{args.data}: no shared data folder")
        record(args.out, args.data.resolve())
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
