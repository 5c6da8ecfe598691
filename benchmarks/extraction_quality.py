"""Cleaning quality on real extractor outputs against human-checked article bodies.

For each ``input/<extractor>/<id>.txt`` and its gold body ``gold/<id>.txt`` in
``../shared/data/extraction``, every normalised word 8-gram (counted within each
line, the unit of these files) is counted in the input (``in``), the gold body
(``g``) and the cleaned output (``out``). The copies that should remain are
``target = min(in, max(g, 1))``: gold repeats are legitimate, and text the gold
lacks (navigation) keeps one copy, since removing boilerplate is not this tool's job.

* excess removed = sum(min(in - target, in - out)) / sum(in - target), over in > target
* content lost   = sum(max(0, target - out)) / sum(target)
* gold repeats removed = lines repeated in the gold body of which the output keeps
  fewer copies than the input had (up to the gold's count)
* lost of the gold = content lost counted over the 8-grams the gold body has: the
  article text itself, without the 8-grams of text the gold lacks that a cut inside
  a line destroys (the junction of "Title Title" undoubled)

``--bound`` adds an upper estimate: what a cleaner that knew the gold would reach by
cutting exactly the runs of surplus 8-grams, cheapest first, until content lost
reaches 0.001 (a cut destroys the 8-grams that span its two ends).

Usage: ``python benchmarks/extraction_quality.py [--data DIR] [--containment X] [--bound]``
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from collections import Counter
from pathlib import Path

from dedup.clean.engine import canonicalize
from dedup.document import analyze
from dedup.io.reader import Article
from dedup.settings import Settings
from dedup.sketch.shingle import Shingler
from dedup.text.normalize import normalize, words

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
N = 8
MAX_LOST = 0.001


def grams(text: str) -> Counter[tuple[str, ...]]:
    counts: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        tokens = words(normalize(line))
        counts.update(tuple(tokens[i:i + N]) for i in range(len(tokens) - N + 1))
    return counts


def line_counts(text: str) -> Counter[str]:
    return Counter(normalize(line) for line in text.splitlines() if normalize(line))


def score(inp: str, gold: str, out: str) -> tuple[int, int, int, int, int, int, int]:
    """(excess, excess removed, target, lost, gold repeats removed, target in the gold,
    lost of the gold) for one page."""
    g_in, g_gold, g_out = grams(inp), grams(gold), grams(out)
    excess = removed = target_total = lost = gold_target = gold_lost = 0
    for gram, count_in in g_in.items():
        target = min(count_in, max(g_gold.get(gram, 0), 1))
        count_out = g_out.get(gram, 0)
        target_total += target
        lost += max(0, target - count_out)
        if gram in g_gold:
            gold_target += target
            gold_lost += max(0, target - count_out)
        if count_in > target:
            excess += count_in - target
            removed += min(count_in - target, count_in - count_out)
    gold_lines, in_lines, out_lines = line_counts(gold), line_counts(inp), line_counts(out)
    repeats_removed = sum(1 for line, g in gold_lines.items() if g > 1
                          and out_lines.get(line, 0) < min(in_lines.get(line, 0), g))
    return excess, removed, target_total, lost, repeats_removed, gold_target, gold_lost


Gram = tuple[str, ...]
Page = tuple[Counter[Gram], dict[Gram, int], list[tuple[list[Gram], int]]]


def surplus_runs(inp: str, gold: str, out: str) -> Page:
    """For the ``--bound`` estimate: the output's 8-gram counts, their targets, and
    every run of consecutive surplus 8-grams in an output line with the count of
    other 8-grams a cut of exactly that run destroys (up to 7 each side that is not
    a line end)."""
    g_in, g_gold, g_out = grams(inp), grams(gold), grams(out)
    # Only 8-grams of the input count: the junction of an earlier cut is new text.
    targets = {gram: min(g_in[gram], max(g_gold.get(gram, 0), 1)) for gram in g_out if gram in g_in}

    def surplus(gram: Gram) -> bool:
        return gram in targets and g_out[gram] > targets[gram]

    runs = []
    for line in out.splitlines():
        tokens = words(normalize(line))
        line_grams = [tuple(tokens[i:i + N]) for i in range(len(tokens) - N + 1)]
        i = 0
        while i < len(line_grams):
            if not surplus(line_grams[i]):
                i += 1
                continue
            j = i
            while j + 1 < len(line_grams) and surplus(line_grams[j + 1]):
                j += 1
            runs.append((line_grams[i:j + 1], min(N - 1, i) + min(N - 1, len(line_grams) - 1 - j)))
            i = j + 1
    return g_out, targets, runs


def oracle_gain(pages: list[Page], budget: int) -> int:
    """Surplus 8-grams a gold-aware cleaner removes by cutting the cheapest runs first
    (fewest other 8-grams destroyed per surplus 8-gram) until ``budget`` is spent."""
    heap = []
    for p, (_, _, runs) in enumerate(pages):
        for r, (run, cost) in enumerate(runs):
            heap.append((cost / len(run), p, r))
    heapq.heapify(heap)
    gain = spent = 0
    while heap:
        ratio, p, r = heapq.heappop(heap)
        counts, targets, runs = pages[p]
        run, cost = runs[r]
        left = sum(1 for gram in run if counts[gram] > targets[gram])
        if left == 0 or spent + cost > budget:
            continue
        if cost / left > ratio + 1e-9:  # an earlier cut took some of it: requeue at its worth
            heapq.heappush(heap, (cost / left, p, r))
            continue
        spent += cost
        for gram in run:
            if counts[gram] > targets[gram]:
                counts[gram] -= 1
                gain += 1
    return gain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--containment", type=float, default=None)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--worst", type=int, default=0, help="show the pages losing most content")
    parser.add_argument("--bound", action="store_true",
                        help="also estimate what cutting exactly the surplus runs the gold reveals "
                             "could reach within the content-lost limit (0.001)")
    args = parser.parse_args(argv)
    if not (args.data / "gold").is_dir():
        print(f"skipped: no extraction data at {args.data}", file=sys.stderr)
        return 0
    settings = Settings().with_(containment=args.containment, threshold=args.threshold)
    shingler = Shingler(settings.shingle, settings.ngram)
    totals: dict[str, list[int]] = {}
    worst: list[tuple[int, str]] = []
    started = time.perf_counter()
    pages = 0
    bound_pages: list[Page] = []
    for extractor_dir in sorted((args.data / "input").iterdir()):
        row = totals.setdefault(extractor_dir.name, [0] * 7)
        for path in sorted(extractor_dir.glob("*.txt")):
            gold_path = args.data / "gold" / path.name
            inp = path.read_text(encoding="utf-8")
            if not inp.strip() or not gold_path.exists():
                continue
            out = canonicalize(analyze(Article(path.name, inp, str(path)), settings, shingler),
                               settings).text
            gold = gold_path.read_text(encoding="utf-8")
            result = score(inp, gold, out)
            if args.bound:
                bound_pages.append(surplus_runs(inp, gold, out))
            pages += 1
            for k, value in enumerate(result):
                row[k] += value
            if result[3] or result[4]:
                worst.append((result[3] * 10 + result[4] * 1000, f"{extractor_dir.name}/{path.name}"))
    elapsed = time.perf_counter() - started
    print(f"{'extractor':<16}{'excess removed':>16}{'content lost':>14}{'gold repeats removed':>22}"
          f"{'lost of the gold':>18}")
    grand = [sum(column) for column in zip(*totals.values())] or [0] * 7
    for name, row in [*totals.items(), ("overall", grand)]:
        print(f"{name:<16}{_ratio(row[1], row[0]):>16}{_ratio(row[3], row[2], 4):>14}{row[4]:>22}"
              f"{_ratio(row[6], row[5], 4):>18}")
    print(f"{pages} pages in {elapsed:.1f} s")
    for _, name in sorted(worst, reverse=True)[: args.worst]:
        print("  worst:", name)
    budget = int(MAX_LOST * grand[2]) - grand[3]
    if args.bound and grand[0] and budget <= 0:
        print(f"bound: content lost is already above {MAX_LOST}: no further cut fits")
    elif args.bound and grand[0]:
        gain = oracle_gain(bound_pages, budget)
        print(f"bound: cutting exactly the surplus runs the gold reveals, within content lost "
              f"{MAX_LOST}, reaches excess removed {(grand[1] + gain) / grand[0]:.3f}")
    return 0


def _ratio(part: int, whole: int, digits: int = 3) -> str:
    return f"{part / whole:.{digits}f}" if whole else "n/a"


if __name__ == "__main__":
    sys.exit(main())
