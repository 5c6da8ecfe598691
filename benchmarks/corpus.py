"""Bigger corpora made from Reuters: copies with small, deterministic perturbations.

Copy ``c`` of an article changes about 2% of its words (a figure bumped, a word
swapped for another), the way a corrected or re-sent wire story differs, and keeps
its layout (line breaks and indentation) so segmentation behaves as on the original.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from .common import read_jsonl

_TOKEN = re.compile(r"(\s+)")
_WORDS = ("said", "company", "market", "shares", "prices", "bank", "year", "official",
          "government", "trade", "rose", "fell", "expected", "analysts", "week")


def perturb(text: str, rng: random.Random, rate: float = 0.02) -> str:
    parts = _TOKEN.split(text)
    for i in range(0, len(parts), 2):
        word = parts[i]
        if word and rng.random() < rate:
            if any(ch.isdigit() for ch in word):
                parts[i] = "".join(str((int(ch) + 1) % 10) if ch.isdigit() else ch for ch in word)
            else:
                parts[i] = rng.choice(_WORDS)
    return "".join(parts)


def replicate(source: Path, target: Path, copies: int, limit: int | None = None) -> Path:
    """Write ``copies`` versions of the first ``limit`` records (copy 0 is the original)."""
    records = list(read_jsonl(source, limit))
    with open(target, "w", encoding="utf-8") as out:
        for copy in range(copies):
            for number, record in enumerate(records):
                if copy:
                    rng = random.Random(copy * 1_000_003 + number)
                    record = dict(record, id=f"{record['id']}~{copy}",
                                  text=perturb(record["text"], rng))
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target
