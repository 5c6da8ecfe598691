"""Start-up: ``dedup --help`` wall time, and which heavy modules importing the CLI loads.

``python -X importtime`` lists every module the command line imports; none of the
heavy dependencies (numpy, datasketch, nltk, scipy, rich) may be among them: they
are imported inside the commands that need them.
"""

from __future__ import annotations

import subprocess

from .common import PYTHON, Row, best_of

HEAVY = ("numpy", "datasketch", "nltk", "scipy", "rich", "punkt", "redis", "pyspark")


def heavy_imports(module: str = "dedup.cli.main") -> tuple[list[str], float]:
    """Heavy top-level packages imported by ``import module``, and its own import time."""
    proc = subprocess.run([PYTHON, "-X", "importtime", "-c", f"import {module}"],
                          capture_output=True, text=True, check=True)
    loaded, total_us = set(), 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        top = name.strip().split(".")[0]
        if top in HEAVY:
            loaded.add(top)
        if name.strip() == module:
            total_us = int(cumulative)
    return sorted(loaded), total_us / 1e6


def bench(quick: bool = False) -> list[Row]:
    repeat = 3 if quick else 7
    python = best_of(lambda: subprocess.run([PYTHON, "-c", "pass"], check=True), repeat)
    helped = best_of(lambda: subprocess.run([PYTHON, "-m", "dedup", "--help"], check=True,
                                            capture_output=True), repeat)
    scan_help = best_of(lambda: subprocess.run([PYTHON, "-m", "dedup", "scan", "--help"],
                                               check=True, capture_output=True), repeat)
    loaded, seconds = heavy_imports()
    return [
        Row("start-up", "python -c pass (reference)", f"{python * 1000:.0f} ms"),
        Row("start-up", "dedup --help", f"{helped * 1000:.0f} ms", "< 300 ms", helped < 0.3),
        Row("start-up", "dedup scan --help", f"{scan_help * 1000:.0f} ms", "< 300 ms", scan_help < 0.3),
        Row("start-up", "import dedup.cli.main (python -X importtime)", f"{seconds * 1000:.0f} ms"),
        Row("start-up", "heavy modules imported by the CLI at start-up", ", ".join(loaded) or "none",
            "none", not loaded),
    ]
