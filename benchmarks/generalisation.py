"""Does the cleaner generalise? Cleaning quality on pages, formats and languages it was not tuned on.

Every input file of the shared data is cleaned with the cleaner's defaults, the way
``dedup clean`` does it (read through ``dedup.iter_inputs``, so layouts are detected
per article, then ``analyze`` and ``canonicalize``), in worker processes. Nothing
is written; the input and output texts are compared.

``extraction/`` and ``extraction-more/`` (gold article bodies): words are Unicode
words (``\\w+``, case-folded) and word 8-grams are counted within each line of the
input (``in``), the gold body (``g``) and the cleaned output (``out``), so a removed
line destroys no 8-gram of its neighbours. The copies that should remain are
``target = min(in, max(g, 1))``: gold repeats are legitimate, and text the gold lacks
(navigation) keeps one copy, since removing boilerplate is not this tool's job.

* excess removed       = sum(min(in - target, in - out)) / sum(in - target), over in > target
* article text lost    = sum(max(0, target - out)) / sum(target), over the 8-grams the gold has
* other text lost      = the same over the other 8-grams (a cut's junction costs its 8-grams)
* legit repeats harmed = lines the gold repeats of which fewer copies survive than
  min(in, g) (lines compared as their word sequence; lines without words are left out)
* pages losing article text = pages where article text lost is above 0

``trafilatura-eval/`` (no gold; ``snippets/<id>.json``):

* must-keep snippets lost = "with" snippets found in the input but not in the output
  (both compared with whitespace runs collapsed to one space)
* repeat extras removed = of the extra copies of exact repeated lines (40+ characters,
  stripped), the share the output no longer has; "lines wiped" counts repeated lines
  of which no copy is left

Page ids are split into two fixed halves by the first byte of sha1(id): even is half
A, odd is half B. Every table is printed for half A, half B and both: a rule that
helps one half only is fitted to those pages, not to the problem.

``--peer onion`` adds the same figures for a naive reference rule (drop a line when
more than half of its word 7-grams were already seen earlier in the page).
``--rules-off`` and ``--each-rule`` switch cleaner rules off when the cleaner
supports it (a feature check says so when it does not).

Usage::

    PYTHONPATH=$PWD python -m benchmarks.generalisation --jobs 2 [--json FILE]
        [--datasets extraction,extraction-more,trafilatura] [--limit N]
        [--peer onion] [--rules-off CODES] [--each-rule]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DEDUP_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATASETS = {"extraction": "extraction", "extraction-more": "extraction-more",
            "trafilatura": "trafilatura-eval"}
GOLD_DATASETS = ("extraction", "extraction-more")
HALVES = ("A", "B", "all")
N = 8
PEER_N = 7
REPEAT_MIN_CHARS = 40
BASELINE = "dedup"
PEERS = ("onion",)
WORD = re.compile(r"\w+", re.UNICODE)
SPACE = re.compile(r"\s+")
# The goals (issue 13), per dataset: checked on each half and on both.
GOALS: dict[str, dict[str, tuple[str, float]]] = {
    "extraction": {"excess_removed": (">=", 0.95), "article_lost": ("<=", 0.0005),
                   "harmed": ("<=", 0), "pages_losing_share": ("<=", 0.01)},
    "extraction-more": {"excess_removed": (">=", 0.90), "article_lost": ("<=", 0.001),
                        "harmed": ("<=", 0), "pages_losing_share": ("<=", 0.01)},
    "trafilatura": {"snippets_lost": ("<=", 0), "repeats_removed": (">=", 0.90)},
}
GOAL_NAMES = {"excess_removed": "excess", "article_lost": "lost", "harmed": "harmed",
              "pages_losing_share": "pages", "snippets_lost": "snippets",
              "repeats_removed": "repeats"}

Gram = tuple[str, ...]


# ---------------------------------------------------------------- text measures

def words(line: str) -> list[str]:
    """The Unicode words of one line, case-folded."""
    return WORD.findall(line.casefold())


def line_grams(text: str, n: int = N) -> Counter[Gram]:
    """Word n-grams counted within each line (none spans a line break)."""
    counts: Counter[Gram] = Counter()
    for line in text.splitlines():
        tokens = words(line)
        counts.update(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return counts


def word_lines(text: str) -> Counter[str]:
    """Lines as their word sequence (markup and spacing ignored), lines without words left out."""
    return Counter(key for key in (" ".join(words(line)) for line in text.splitlines()) if key)


def squeeze(text: str) -> str:
    """Whitespace runs collapsed to one space."""
    return SPACE.sub(" ", text).strip()


def half_of(page_id: str) -> str:
    """The fixed half of a page: A when the first byte of sha1(id) is even, else B."""
    return "A" if hashlib.sha1(page_id.encode("utf-8")).digest()[0] % 2 == 0 else "B"


# ---------------------------------------------------------------- figures of one page

@dataclass
class Counts:
    """Summable counts; figures are ratios of sums (every 8-gram or copy weighs the same)."""

    def add(self, other: Counts) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def figures(self) -> dict[str, float]:
        raise NotImplementedError


@dataclass
class GoldCounts(Counts):
    pages: int = 0
    excess: int = 0
    removed: int = 0
    target_article: int = 0
    lost_article: int = 0
    target_other: int = 0
    lost_other: int = 0
    harmed: int = 0
    pages_losing: int = 0

    def figures(self) -> dict[str, float]:
        return {"pages": self.pages,
                "excess_removed": ratio(self.removed, self.excess),
                "article_lost": ratio(self.lost_article, self.target_article),
                "other_lost": ratio(self.lost_other, self.target_other),
                "harmed": self.harmed,
                "pages_losing": self.pages_losing,
                "pages_losing_share": ratio(self.pages_losing, self.pages)}


@dataclass
class SnippetCounts(Counts):
    pages: int = 0
    snippets: int = 0
    snippets_lost: int = 0
    pages_losing: int = 0
    extra: int = 0
    extra_removed: int = 0
    lines_wiped: int = 0

    def figures(self) -> dict[str, float]:
        return {"pages": self.pages, "snippets": self.snippets,
                "snippets_lost": self.snippets_lost, "pages_losing": self.pages_losing,
                "repeats_removed": ratio(self.extra_removed, self.extra),
                "extra": self.extra, "lines_wiped": self.lines_wiped}


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def score_gold(inp: str, gold: str, out: str) -> GoldCounts:
    """The five figures' counts for one page against its gold body."""
    g_in, g_gold, g_out = line_grams(inp), line_grams(gold), line_grams(out)
    c = GoldCounts(pages=1)
    for gram, count_in in g_in.items():
        target = min(count_in, max(g_gold.get(gram, 0), 1))
        count_out = g_out.get(gram, 0)
        lost = max(0, target - count_out)
        if gram in g_gold:
            c.target_article += target
            c.lost_article += lost
        else:
            c.target_other += target
            c.lost_other += lost
        if count_in > target:
            c.excess += count_in - target
            c.removed += min(count_in - target, max(0, count_in - count_out))
    in_lines, gold_lines, out_lines = word_lines(inp), word_lines(gold), word_lines(out)
    c.harmed = sum(1 for line, g in gold_lines.items()
                   if g > 1 and out_lines.get(line, 0) < min(in_lines.get(line, 0), g))
    c.pages_losing = int(c.lost_article > 0)
    return c


def repeated_lines(text: str) -> Counter[str]:
    """Exact lines of 40+ characters (stripped) and their counts."""
    return Counter(s for s in (line.strip() for line in text.splitlines())
                   if len(s) >= REPEAT_MIN_CHARS)


def score_snippets(inp: str, snippets: Sequence[str], out: str) -> SnippetCounts:
    """Must-keep snippets lost and repeated lines' extra copies removed, for one page."""
    c = SnippetCounts(pages=1)
    flat_in, flat_out = squeeze(inp), squeeze(out)
    for snippet in (squeeze(s) for s in snippets):
        if snippet and snippet in flat_in:
            c.snippets += 1
            c.snippets_lost += snippet not in flat_out
    c.pages_losing = int(c.snippets_lost > 0)
    lines_out = repeated_lines(out)
    for line, count in repeated_lines(inp).items():
        if count > 1:
            left = lines_out.get(line, 0)
            c.extra += count - 1
            c.extra_removed += min(count - 1, max(0, count - left))
            c.lines_wiped += left == 0
    return c


# ---------------------------------------------------------------- the data

@dataclass(frozen=True)
class Page:
    """One input file: ``reference`` is the gold body or the snippets file."""

    dataset: str
    extractor: str
    page_id: str
    path: str
    reference: str
    size: int


def list_pages(data: Path, dataset: str, limit: int | None) -> list[Page]:
    """The dataset's input files that have a reference, for the first ``limit`` page ids."""
    root = data / DATASETS[dataset]
    ref_dir, ref_suffix = ((root / "gold", ".txt") if dataset in GOLD_DATASETS
                           else (root / "snippets", ".json"))
    ids = sorted(p.stem for p in ref_dir.glob(f"*{ref_suffix}"))
    chosen = set(ids[:limit] if limit else ids)
    pages = []
    for extractor_dir in sorted(p for p in (root / "input").iterdir() if p.is_dir()):
        for path in sorted(extractor_dir.glob("*.txt")):
            if path.stem in chosen:
                pages.append(Page(dataset, extractor_dir.name, path.stem, str(path),
                                  str(ref_dir / (path.stem + ref_suffix)), path.stat().st_size))
    return pages


# ---------------------------------------------------------------- cleaners

@dataclass(frozen=True)
class Variant:
    """One way of cleaning: the cleaner with some rules off, or a peer rule."""

    name: str
    rules_off: tuple[str, ...] = ()
    peer: str | None = None


class Unread(Exception):
    """The project's reader does not take this file as an article (``dedup clean`` skips it)."""


def rule_switch() -> str | None:
    """How the cleaner takes rules to switch off, or None when it cannot.

    ``"options"``: a ``CleanOptions.ignore`` field; ``"settings"``: a ``Settings.ignore``
    field; ``"argument"``: an ``ignore`` parameter of ``canonicalize``.
    """
    import dedup
    from dedup import Settings, canonicalize

    options = getattr(dedup, "CleanOptions", None)
    if options is not None and "ignore" in {f.name for f in dataclasses.fields(options)}:
        return "options"
    if "ignore" in {f.name for f in dataclasses.fields(Settings)}:
        return "settings"
    if "ignore" in inspect.signature(canonicalize).parameters:
        return "argument"
    return None


def rule_codes() -> list[str] | None:
    """The codes of the cleaner's rule registry (``dedup.RULES`` or ``dedup.rules``), if any."""
    import dedup

    for name in ("RULES", "rules"):
        try:
            registry: Any = getattr(dedup, name)
        except (AttributeError, ImportError):
            continue
        if inspect.ismodule(registry):
            registry = getattr(registry, "RULES", None)
        if callable(registry) and not isinstance(registry, type):
            registry = registry()
        if isinstance(registry, dict):
            return [str(code) for code in registry]
        if isinstance(registry, Iterable):
            return [str(getattr(rule, "code", rule)) for rule in registry]
    return None


@lru_cache(maxsize=1)
def _shingler() -> Any:
    from dedup import Settings, Shingler

    settings = Settings()
    return Shingler(settings.shingle, settings.ngram)


def read_article(path: str) -> Any:
    """The article as ``dedup clean`` reads it (decoding, BOM, Markdown flag)."""
    from dedup import InputError, iter_inputs

    items = list(iter_inputs([path]))
    if len(items) != 1 or isinstance(items[0], InputError):
        raise Unread("; ".join(str(item) for item in items))
    return items[0]


def clean_dedup(article: Any, rules_off: tuple[str, ...]) -> str:
    """The cleaner's canonical text of one article, with its defaults."""
    from dedup import Settings, analyze, canonicalize

    settings, extra = Settings(), {}
    if rules_off:
        how = rule_switch()
        if how == "options":
            from dedup import CleanOptions

            extra = {"options": CleanOptions(ignore=rules_off)}
        elif how == "settings":
            settings = dataclasses.replace(settings, ignore=rules_off)
        elif how == "argument":
            extra = {"ignore": rules_off}
    doc = analyze(article, settings, _shingler())
    return str(canonicalize(doc, settings, **extra).text)


def clean_onion(text: str) -> str:
    """The naive peer: drop a line when more than half of its word 7-grams (a gram
    counted each time it occurs in the line) were seen in earlier lines, dropped or kept."""
    seen: set[Gram] = set()
    kept = []
    for line in text.splitlines(keepends=True):
        tokens = words(line)
        grams = [tuple(tokens[i:i + PEER_N]) for i in range(len(tokens) - PEER_N + 1)]
        if not grams or 2 * sum(g in seen for g in grams) <= len(grams):
            kept.append(line)
        seen.update(grams)
    return "".join(kept)


# ---------------------------------------------------------------- one page in a worker

@dataclass
class Outcome:
    """What one variant did to one page: its counts, or why there are none."""

    page: Page
    variant: str
    counts: Counts | None = None
    seconds: float = 0.0
    unread: str = ""
    error: str = ""


def run_page(task: tuple[Page, tuple[Variant, ...]]) -> list[Outcome]:
    """Clean one page with every variant and score each output (in a worker process)."""
    page, variants = task
    try:
        article = read_article(page.path)
    except Unread as exc:
        return [Outcome(page, v.name, unread=str(exc)) for v in variants]
    reference = Path(page.reference).read_text(encoding="utf-8")
    outcomes = []
    for variant in variants:
        started = time.process_time()
        try:
            out = (clean_onion(article.text) if variant.peer == "onion"
                   else clean_dedup(article, variant.rules_off))
        except Exception as exc:  # a cleaner crash is a finding, not the end of the run
            last = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(last.filename).name}:{last.lineno}"
            outcomes.append(Outcome(page, variant.name, error=f"{type(exc).__name__}: {exc} "
                                                              f"(at {where})"[:300]))
            continue
        seconds = time.process_time() - started
        outcomes.append(Outcome(page, variant.name, score(page, article.text, reference, out),
                                seconds))
    return outcomes


def score(page: Page, inp: str, reference: str, out: str) -> Counts:
    if page.dataset in GOLD_DATASETS:
        return score_gold(inp, reference, out)
    return score_snippets(inp, json.loads(reference).get("with", []), out)


def run_all(pages: Sequence[Page], variants: tuple[Variant, ...], jobs: int,
            progress: Callable[[int, int], None]) -> list[Outcome]:
    """Every page through every variant, largest files first so that workers finish together."""
    tasks = [(p, variants) for p in sorted(pages, key=lambda p: -p.size)]
    outcomes: list[Outcome] = []
    if jobs <= 1:
        results: Iterator[list[Outcome]] = map(run_page, tasks)
        for done, result in enumerate(results, 1):
            outcomes.extend(result)
            progress(done, len(tasks))
        return outcomes
    with get_context("fork" if sys.platform != "win32" else "spawn").Pool(jobs) as pool:
        for done, result in enumerate(pool.imap_unordered(run_page, tasks), 1):
            outcomes.extend(result)
            progress(done, len(tasks))
    return outcomes


# ---------------------------------------------------------------- sums and tables

Totals = dict[str, dict[str, dict[str, dict[str, Counts]]]]  # variant, dataset, half, extractor


def new_counts(dataset: str) -> Counts:
    return GoldCounts() if dataset in GOLD_DATASETS else SnippetCounts()


def totals(outcomes: Iterable[Outcome]) -> Totals:
    """Counts summed per variant, dataset, half (A, B, all) and extractor (and "overall")."""
    out: Totals = {}
    for o in outcomes:
        if o.counts is None:
            continue
        by_half = out.setdefault(o.variant, {}).setdefault(o.page.dataset, {})
        for half in (half_of(o.page.page_id), "all"):
            rows = by_half.setdefault(half, {})
            for row in (o.page.extractor, "overall"):
                rows.setdefault(row, new_counts(o.page.dataset)).add(o.counts)
    return out


def fmt(value: float, digits: int) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with aligned columns (readable as text, pasteable into the docs)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in rows)])


GOLD_HEADER = ("extractor", "pages", "excess removed", "article lost", "other lost",
               "harmed", "pages losing article")
SNIPPET_HEADER = ("extractor", "pages", "snippets lost", "of snippets", "pages losing one",
                  "repeat extras removed", "of extras", "lines wiped")


def gold_cells(name: str, f: dict[str, float]) -> list[str]:
    return [name, str(f["pages"]), fmt(f["excess_removed"], 3), fmt(f["article_lost"], 5),
            fmt(f["other_lost"], 4), str(f["harmed"]),
            f"{f['pages_losing']} ({fmt(100 * f['pages_losing_share'], 1)}%)"]


def snippet_cells(name: str, f: dict[str, float]) -> list[str]:
    return [name, str(f["pages"]), str(f["snippets_lost"]), str(f["snippets"]),
            str(f["pages_losing"]), fmt(f["repeats_removed"], 3), str(f["extra"]),
            str(f["lines_wiped"])]


def dataset_tables(variant: str, dataset: str, by_half: dict[str, dict[str, Counts]]) -> str:
    """Per extractor and overall, for half A, half B and both, with the goals each row misses."""
    gold = dataset in GOLD_DATASETS
    header, cells = (GOLD_HEADER, gold_cells) if gold else (SNIPPET_HEADER, snippet_cells)
    header = (*header, "goals missed")
    parts = []
    for half in HALVES:
        rows = by_half.get(half, {})
        names = sorted(n for n in rows if n != "overall") + ["overall"] * ("overall" in rows)
        title = "both halves" if half == "all" else f"half {half}"
        parts.append(f"### {variant}: {DATASETS[dataset]}, {title}\n\n"
                     + table(header, [[*cells(n, f), goals_missed(dataset, f)]
                                       for n, f in ((n, rows[n].figures()) for n in names)]))
    return "\n\n".join(parts)


def goals_missed(dataset: str, f: dict[str, float]) -> str:
    """The issue's goals this row misses, by short name ("-" when it meets them all;
    a figure of nothing, such as excess removed where there is no excess, misses nothing)."""
    missed = [GOAL_NAMES[name] for name, (op, goal) in GOALS[dataset].items()
              if f[name] == f[name] and (f[name] < goal if op == ">=" else f[name] > goal)]
    return ", ".join(missed) or "-"


def summary(t: Totals) -> str:
    """The overall row of every variant, dataset and half, with the issue's goals."""
    gold_rows, snippet_rows = [], []
    for variant, datasets in t.items():
        for dataset in DATASETS:
            for half in HALVES:
                counts = datasets.get(dataset, {}).get(half, {}).get("overall")
                if counts is None:
                    continue
                f = counts.figures()
                name = f"{variant} / {DATASETS[dataset]} / {half}"
                if dataset in GOLD_DATASETS:
                    gold_rows.append([*gold_cells(name, f), goals_missed(dataset, f)])
                else:
                    snippet_rows.append([*snippet_cells(name, f), goals_missed(dataset, f)])
    parts = []
    if gold_rows:
        parts.append(table(("variant / dataset / half", *GOLD_HEADER[1:], "goals missed"),
                           gold_rows))
    if snippet_rows:
        parts.append(table(("variant / dataset / half", *SNIPPET_HEADER[1:], "goals missed"),
                           snippet_rows))
    return "\n\n".join(parts)


def problems(outcomes: Sequence[Outcome], slowest: int) -> str:
    """Crashes, unread inputs and the slowest inputs of the cleaner."""
    lines = []
    errors = [o for o in outcomes if o.error]
    lines.append(f"cleaner errors: {len(errors)}")
    lines += [f"  {o.variant}: {o.page.path}: {o.error}" for o in errors]
    unread = {o.page.path: o.unread for o in outcomes if o.unread}
    lines.append(f"inputs the reader rejects (skipped, as dedup clean skips them): {len(unread)}")
    lines += [f"  {message}" for message in sorted(unread.values())]
    timed = sorted((o for o in outcomes if o.counts and o.variant != "onion"),
                   key=lambda o: -o.seconds)[:slowest]
    lines.append(f"slowest inputs ({BASELINE}, CPU seconds in the worker):")
    lines += [f"  {o.seconds:7.2f} s  {o.page.size / 1024:7.0f} KB  {o.variant}: {o.page.path}"
              for o in timed]
    return "\n".join(lines)


def worst_pages(outcomes: Sequence[Outcome], count: int) -> str:
    """The baseline's pages losing most article text, and those losing must-keep snippets."""
    base = [o for o in outcomes if o.variant == BASELINE]
    gold = [(o, c) for o in base if isinstance(c := o.counts, GoldCounts) and c.lost_article]
    gold.sort(key=lambda item: -item[1].lost_article)
    lines = [f"pages losing most article text ({BASELINE}; 8-grams lost of the gold's, half):"]
    lines += [f"  {c.lost_article:5d} of {c.target_article:5d}  {half_of(o.page.page_id)}  "
              f"{o.page.path}" for o, c in gold[:count]]
    snips = [(o, c) for o in base if isinstance(c := o.counts, SnippetCounts) and c.snippets_lost]
    snips.sort(key=lambda item: item[0].page.path)
    lines.append(f"pages losing must-keep snippets ({BASELINE}; lost of present, half):")
    lines += [f"  {c.snippets_lost} of {c.snippets}  {half_of(o.page.page_id)}  {o.page.path}"
              for o, c in snips]
    return "\n".join(lines)


def cpu_by_dataset(outcomes: Sequence[Outcome]) -> str:
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for o in outcomes:
        sums[(o.variant, o.page.dataset)] += o.seconds
    return "\n".join(f"  {variant} on {DATASETS[d]}: {s:.0f} s" for (variant, d), s in sums.items())


def to_json(t: Totals, outcomes: Sequence[Outcome], meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": meta,
        "figures": {v: {d: {h: {e: {"figures": c.figures(), "counts": dataclasses.asdict(c)}
                                for e, c in rows.items()}
                            for h, rows in halves.items()}
                        for d, halves in datasets.items()}
                    for v, datasets in t.items()},
        "pages": [{"variant": o.variant, "dataset": o.page.dataset, "extractor": o.page.extractor,
                   "id": o.page.page_id, "half": half_of(o.page.page_id), "path": o.page.path,
                   "seconds": round(o.seconds, 4), "error": o.error, "unread": o.unread,
                   "counts": dataclasses.asdict(o.counts) if o.counts else None}
                  for o in outcomes],
    }


def no_nan(value: Any) -> Any:
    """NaN (a ratio of nothing) as JSON null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [no_nan(v) for v in value]
    return value


# ---------------------------------------------------------------- command line

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generalisation", description=__doc__.split("\n\n")[0],
        epilog="See the module docstring for the definitions of the figures.")
    parser.add_argument("--data", type=Path, default=SHARED,
                        help="the shared data folder (default ../shared/data or $DEDUP_SHARED_DATA)")
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"comma list of parts to run: {', '.join(DATASETS)}")
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N page ids (sorted) of each dataset")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default 2)")
    parser.add_argument("--rules-off", default="",
                        help="comma list of rule codes to switch off in the cleaner")
    parser.add_argument("--each-rule", action="store_true",
                        help="also run with each registered rule switched off, one at a time")
    parser.add_argument("--peer", choices=PEERS, action="append", default=[],
                        help="also score a peer rule as a reference")
    parser.add_argument("--json", type=Path, help="write every figure (and per page) to FILE")
    parser.add_argument("--slowest", type=int, default=10, help="how many slowest inputs to list")
    args = parser.parse_args(argv)
    args.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = set(args.datasets) - set(DATASETS)
    if unknown:
        parser.error(f"unknown dataset(s): {', '.join(sorted(unknown))}")
    args.rules_off = tuple(c.strip() for c in args.rules_off.split(",") if c.strip())
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def variants(args: argparse.Namespace) -> tuple[list[Variant], list[str]]:
    """The variants to run and notes on those that cannot run with this cleaner."""
    notes = []
    name = BASELINE + (f" without {','.join(args.rules_off)}" if args.rules_off else "")
    chosen = [Variant(name, args.rules_off)]
    if args.each_rule:
        codes = rule_codes()
        if codes is None:
            notes.append("--each-rule skipped: dedup exposes no rule registry "
                         "(no dedup.RULES or dedup.rules)")
        elif rule_switch() is None:
            notes.append(f"--each-rule skipped: dedup lists {len(codes)} rules but its cleaner "
                         "cannot switch them off")
        else:
            chosen += [Variant(f"{BASELINE} without {code}", (*args.rules_off, code))
                       for code in codes if code not in args.rules_off]
    chosen += [Variant(peer, peer=peer) for peer in args.peer]
    return chosen, notes


def meta(args: argparse.Namespace, chosen: Sequence[Variant]) -> dict[str, Any]:
    import dedup

    return {"dedup": str(Path(dedup.__file__).parent), "dedup_version": dedup.__version__,
            "commit": _commit(), "datasets": args.datasets, "limit": args.limit,
            "jobs": args.jobs, "variants": [dataclasses.asdict(v) for v in chosen],
            "data": str(args.data), "halves": "A: first byte of sha1(page id) even, B: odd"}


def _commit() -> str:
    """The checkout's commit, so that a saved table says which cleaner made it."""
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def progress_printer(label: str) -> Callable[[int, int], None]:
    started = time.perf_counter()
    step = [0]

    def report(done: int, total: int) -> None:
        if done * 10 // total > step[0] or done == total:
            step[0] = done * 10 // total
            print(f"  {label}: {done}/{total} pages, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rules_off and rule_switch() is None:
        print("--rules-off: this cleaner cannot switch rules off (no Settings.ignore field and "
              "no ignore parameter of canonicalize); nothing run", file=sys.stderr)
        return 2
    chosen, notes = variants(args)
    info = meta(args, chosen)
    if not info["dedup"].startswith(str(ROOT)):
        notes.append(f"warning: dedup is imported from {info['dedup']}, not from this checkout "
                     f"(set PYTHONPATH={ROOT})")
    print(f"# Cleaning generalisation: dedup {info['dedup_version']} at {info['commit']} "
          f"({info['dedup']}), defaults, {args.jobs} workers\n")
    print("\n".join(notes + [f"halves: {info['halves']}"]) + "\n")
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for dataset in args.datasets:
        if not (args.data / DATASETS[dataset] / "input").is_dir():
            print(f"{DATASETS[dataset]}: skipped, no data at {args.data / DATASETS[dataset]}\n")
            continue
        pages = list_pages(args.data, dataset, args.limit)
        outcomes += run_all(pages, tuple(chosen), args.jobs, progress_printer(dataset))
    t = totals(outcomes)
    for variant in t:
        for dataset in DATASETS:
            if dataset in t[variant]:
                print(dataset_tables(variant, dataset, t[variant][dataset]) + "\n")
    print("## Summary (overall rows)\n\n" + summary(t) + "\n")
    print(problems(outcomes, args.slowest))
    print(worst_pages(outcomes, args.slowest))
    print(f"CPU in the workers:\n{cpu_by_dataset(outcomes)}")
    print(f"wall time: {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(no_nan(to_json(t, outcomes, info)), indent=1,
                                        allow_nan=False) + "\n", encoding="utf-8")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
