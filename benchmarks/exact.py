"""The exact reference for recall and precision: every near-duplicate pair, no sketching.

Shingle sets are built here independently of ``dedup.sketch.shingle``: word n-grams as
tuples of strings (no hashing, so no collisions), over the same segmentation and
normalisation. Pairs are found with an all-pairs similarity join (prefix filtering
over an inverted index, rarest shingles first), which is exact: a pair whose
overlap reaches ``min(threshold, containment)`` of the smaller set must share one
of the smaller set's rarest ``|x| - ceil(t * |x|) + 1`` shingles.

A pair is *true* when its Jaccard is at least the threshold or the containment of
the smaller set in the larger is at least ``containment``. Items are whole
articles (their non-front-matter prose as one word stream) and eligible paragraphs
(not structural, at least ``min_words`` words), compared across different articles.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from dedup.io.reader import Article, iter_inputs
from dedup.settings import Settings
from dedup.text.normalize import normalize, words
from dedup.text.segment import segment

Pair = tuple[int, int]


@dataclass
class Corpus:
    """Exact shingle sets of every article and eligible paragraph of a corpus."""

    ids: list[str] = field(default_factory=list)
    article_sets: list[frozenset[tuple[str, ...]]] = field(default_factory=list)
    # one entry per eligible paragraph: (article number, paragraph index)
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    paragraph_sets: list[frozenset[tuple[str, ...]]] = field(default_factory=list)


def ngrams(tokens: list[str], n: int) -> frozenset[tuple[str, ...]]:
    if not tokens:
        return frozenset()
    n = min(n, len(tokens))
    return frozenset(tuple(tokens[i: i + n]) for i in range(len(tokens) - n + 1))


def char_units(norm: str) -> list[str]:
    return list(norm)


def load(paths: Iterable[str], settings: Settings) -> Corpus:
    corpus = Corpus()
    units = words if settings.shingle == "word" else char_units
    for item in iter_inputs(list(paths)):
        if not isinstance(item, Article):
            continue
        number = len(corpus.ids)
        corpus.ids.append(item.id)
        prose: list[str] = []
        for index, paragraph in enumerate(segment(item.text, item.markdown)):
            norm = normalize(item.text[paragraph.start:paragraph.end])
            tokens = units(norm)
            if paragraph.kind != "front_matter":
                prose.append(norm)
            if not paragraph.structural and len(words(norm)) >= settings.min_words:
                corpus.paragraphs.append((number, index))
                corpus.paragraph_sets.append(ngrams(tokens, settings.ngram))
        corpus.article_sets.append(ngrams(units(" ".join(prose)), settings.ngram))
    return corpus


def similar_pairs(sets: list[frozenset[tuple[str, ...]]], owners: list[int], threshold: float,
                  containment: float) -> dict[Pair, tuple[float, float]]:
    """Every pair ``(x, y)``, ``x < y``, of different owners with Jaccard >= threshold or
    containment of the smaller in the larger >= containment, with both values."""
    frequency: dict[tuple[str, ...], int] = defaultdict(int)
    for s in sets:
        for g in s:
            frequency[g] += 1
    # Rarest first; ties broken by the value so the order is total.
    ordered = [sorted(s, key=lambda g: (frequency[g], g)) for s in sets]
    bound = min(threshold, containment)
    by_size = sorted((i for i in range(len(sets)) if sets[i]), key=lambda i: (len(sets[i]), i))
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    found: dict[Pair, tuple[float, float]] = {}
    # Visit sets from the largest down: every set already indexed is at least as large,
    # so probing with the current set's prefix finds every partner.
    for x in reversed(by_size):
        size = len(sets[x])
        prefix = size - math.ceil(bound * size - 1e-9) + 1
        seen: set[int] = set()
        for g in ordered[x][:prefix]:
            for y in index.get(g, ()):
                if y in seen or owners[y] == owners[x]:
                    continue
                seen.add(y)
                inter = len(sets[x] & sets[y])
                jaccard = inter / (size + len(sets[y]) - inter)
                contain = inter / min(size, len(sets[y]))
                if jaccard >= threshold or contain >= containment:
                    found[(min(x, y), max(x, y))] = (jaccard, contain)
        for g in ordered[x]:
            index[g].append(x)
    return found


@dataclass
class Truth:
    corpus: Corpus
    article_pairs: dict[Pair, tuple[float, float]]
    paragraph_pairs: dict[Pair, tuple[float, float]]


def exact(paths: Iterable[str], settings: Settings | None = None) -> Truth:
    settings = settings or Settings()
    corpus = load(paths, settings)
    articles = similar_pairs(corpus.article_sets, list(range(len(corpus.ids))),
                             settings.threshold, settings.containment)
    paragraphs = similar_pairs(corpus.paragraph_sets, [a for a, _ in corpus.paragraphs],
                               settings.threshold, settings.containment)
    return Truth(corpus, articles, paragraphs)


class _Components:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, x: object, y: object) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[rx] = ry


@dataclass
class Quality:
    kind: str
    true_pairs: int
    recalled: int
    findings: int
    verified: int

    @property
    def recall(self) -> float:
        return self.recalled / self.true_pairs if self.true_pairs else 1.0

    @property
    def precision(self) -> float:
        return self.verified / self.findings if self.findings else 1.0


def _exact_similarity(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> tuple[float, float]:
    if not a or not b:
        return 0.0, 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def score(truth: Truth, report: dict, settings: Settings | None = None) -> list[Quality]:
    """Recall and precision of a ``dedup scan --scope across --format json`` report.

    A finding is *verified* when its pair is truly similar (recomputed here exactly).
    Findings are one per later item (its earliest partner), so a true pair counts as
    *recalled* when the findings connect its two items. Paragraphs of articles reported
    as near-duplicate articles are not reported again one by one: a true pair of such
    paragraphs links them as a finding would.
    """
    settings = settings or Settings()
    corpus = truth.corpus
    number = {aid: k for k, aid in enumerate(corpus.ids)}
    para_number = {p: k for k, p in enumerate(corpus.paragraphs)}
    t, c = settings.threshold - 1e-9, settings.containment - 1e-9

    articles = _Components()
    art_findings = art_verified = 0
    paras = _Components()
    par_findings = par_verified = 0
    for f in report["findings"]:
        if f.get("scope") != "across":
            continue
        a, b = number[f["a"]["article"]], number[f["b"]["article"]]
        if f["kind"] == "article":
            art_findings += 1
            articles.union(a, b)
            j, k = _exact_similarity(corpus.article_sets[a], corpus.article_sets[b])
            art_verified += j >= t or k >= c
        elif f["kind"] == "paragraph":
            par_findings += 1
            x = para_number.get((a, f["a"]["paragraph"]))
            y = para_number.get((b, f["b"]["paragraph"]))
            if x is None or y is None:
                continue
            paras.union(x, y)
            j, k = _exact_similarity(corpus.paragraph_sets[x], corpus.paragraph_sets[y])
            par_verified += j >= t or k >= c
    art_recalled = sum(articles.find(a) == articles.find(b) for a, b in truth.article_pairs)
    # A true pair of paragraphs whose articles were reported as near-duplicate articles
    # was reported with them: it links its two paragraphs like a paragraph finding.
    for x, y in truth.paragraph_pairs:
        if articles.find(corpus.paragraphs[x][0]) == articles.find(corpus.paragraphs[y][0]):
            paras.union(x, y)
    par_recalled = sum(paras.find(x) == paras.find(y) for x, y in truth.paragraph_pairs)
    return [Quality("articles", len(truth.article_pairs), art_recalled, art_findings, art_verified),
            Quality("paragraphs", len(truth.paragraph_pairs), par_recalled, par_findings,
                    par_verified)]
