"""Recall and precision of ``dedup scan --scope across`` against the exact reference."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dedup.settings import Settings

from .common import BBC, REUTERS, Row, Skip, dedup_command, measure_child
from .corpus import replicate
from .exact import exact, score


def quality(name: str, path: Path) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="dedup-quality-") as tmp:
        out = Path(tmp) / "scan.json"
        measure_child(dedup_command("scan", "-q", "--scope", "across", "--format", "json",
                                    str(path)), out)
        report = json.loads(out.read_text())
    truth = exact([str(path)], Settings())
    rows = []
    for q in score(truth, report):
        rows.append(Row("quality", f"{name} {q.kind}: recall ({q.recalled}/{q.true_pairs} exact pairs)",
                        f"{q.recall:.4f}", ">= 0.99", q.recall >= 0.99))
        rows.append(Row("quality", f"{name} {q.kind}: precision ({q.verified}/{q.findings} findings)",
                        f"{q.precision:.4f}", "1.0", q.precision >= 1.0))
    return rows


def bench(quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    for name, path in (("Reuters", REUTERS), ("BBC", BBC)):
        if not path.exists():
            rows.append(Row("quality", name, f"skipped: needs {path}"))
            continue
        if quick and name == "Reuters":
            with tempfile.TemporaryDirectory(prefix="dedup-quality-") as tmp:
                subset = replicate(path, Path(tmp) / "reuters-3000.jsonl", 1, 3000)
                rows.extend(quality("Reuters (first 3,000)", subset))
            continue
        rows.extend(quality(name, path))
    return rows


__all__ = ["Skip", "bench"]
