"""Duplicates inside one article, found exactly (an inverted index over shingles).

An article has at most a few hundred paragraphs, so every pair that shares a
shingle is counted exactly: there is nothing for LSH to save here, and exact
counts give containment for free.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..document import Doc, contained, overlap
from ..settings import Settings
from .findings import Finding, Ref
from .templates import template_paragraphs

PairStats = dict[tuple[int, int], int]
_RULES = {"template": "KEEP103", "duplicate": "DUP101", "contained": "DUP102"}


def shared_shingles(doc: Doc, indices: list[int]) -> PairStats:
    """Intersection sizes of every pair (i < j) of the given paragraphs sharing a shingle."""
    postings: dict[int, list[int]] = defaultdict(list)
    for i in indices:
        for h in doc.shingles[i].tolist():
            postings[h].append(i)
    counts: PairStats = defaultdict(int)
    for members in postings.values():
        if len(members) < 2:
            continue
        if len(members) > 64:  # a shingle in very many paragraphs says nothing about any pair
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                counts[(members[x], members[y])] += 1
    return counts


def find_within(doc: Doc, settings: Settings) -> list[Finding]:
    """Every redundant paragraph and sentence of one article, plus legitimate repeats."""
    aid = doc.id
    eligible = [i for i in range(len(doc.paragraphs)) if doc.eligible(i, settings)]
    counts = shared_shingles(doc, eligible)
    templates = template_paragraphs(doc, settings, counts)
    findings: list[Finding] = _short_repeats(doc, settings, templates)
    matched: set[int] = set()
    partner: dict[int, Finding] = {}
    for (i, j), inter in sorted(counts.items()):
        size_i, size_j = len(doc.shingles[i]), len(doc.shingles[j])
        jaccard = inter / (size_i + size_j - inter)
        containment = inter / min(size_i, size_j)
        if jaccard < settings.threshold and containment < settings.containment:
            continue
        if i in templates or j in templates:
            reason, remove = "template", None
        elif jaccard >= settings.threshold:
            reason, remove = "duplicate", "b"
        else:
            reason, remove = "contained", ("b" if size_j <= size_i else "a")
        finding = Finding("paragraph", "within", Ref(aid, i), Ref(aid, j), jaccard, containment,
                          reason, remove, rule=_RULES[reason])  # type: ignore[arg-type]
        if remove is not None:
            loser = j if remove == "b" else i
            if loser in partner:  # one finding per redundant paragraph: its earliest match
                continue
            partner[loser] = finding
            matched.update((i, j))
        findings.append(finding)
    findings.extend(_covered(doc, settings, eligible, set(partner), templates))
    findings.extend(_sentences(doc, settings, counts, matched | templates))
    return sorted(findings, key=lambda f: (f.b.paragraph or 0, f.b.sentence or -1, f.a.paragraph or 0))


def _short_repeats(doc: Doc, settings: Settings, templates: set[int]) -> list[Finding]:
    """Short paragraphs repeated verbatim: reported, never removed on their own."""
    first: dict[str, int] = {}
    out = []
    for i, norm in enumerate(doc.norms):
        if not doc.is_short(i, settings):
            continue
        if norm in first:
            out.append(Finding("paragraph", "within", Ref(doc.id, first[norm]), Ref(doc.id, i),
                               1.0, 1.0, "short", None, rule="KEEP101"))
        else:
            first[norm] = i
    return out


def _covered(doc: Doc, settings: Settings, eligible: list[int], removed: set[int],
             templates: set[int]) -> list[Finding]:
    """Paragraphs contained in the union of several earlier kept paragraphs (meta
    descriptions that join the first sentences of the paragraphs they precede)."""
    out = []
    kept: list[int] = []
    union = np.zeros(0, dtype=np.uint32)  # of the kept paragraphs' shingles, kept up to date
    for j in eligible:
        if j in removed or j in templates:
            continue
        if kept:
            share = contained(doc.shingles[j], union)
            if share >= settings.containment:
                parts = [i for i in kept if contained(doc.shingles[j], doc.shingles[i]) > 0]
                best = max(parts, key=lambda i: contained(doc.shingles[j], doc.shingles[i]))
                jaccard, _, _ = overlap(doc.shingles[best], doc.shingles[j])
                out.append(Finding("paragraph", "within", Ref(doc.id, best), Ref(doc.id, j),
                                   jaccard, share, "covered", "b",
                                   tuple(Ref(doc.id, i) for i in parts), rule="DUP103"))
                continue
        kept.append(j)
        union = np.union1d(union, doc.shingles[j])
    return out


def _sentences(doc: Doc, settings: Settings, counts: PairStats, skip: set[int]) -> list[Finding]:
    """Sentences of a later paragraph that repeat a sentence of an earlier, different one."""
    out = []
    done: set[tuple[int, int]] = set()
    shingler_cache: dict[tuple[int, int], np.ndarray] = {}
    for (i, j), inter in sorted(counts.items()):
        if i in skip or j in skip or inter < 1:
            continue
        sents_i = _sentence_sets(doc, i, settings, shingler_cache)
        sents_j = _sentence_sets(doc, j, settings, shingler_cache)
        for m, set_m in sents_j:
            if (j, m) in done:
                continue
            for k, set_k in sents_i:
                jaccard, _, _ = overlap(set_k, set_m)
                share = contained(set_m, set_k)
                if jaccard >= settings.threshold or share >= settings.containment:
                    out.append(Finding("sentence", "within", Ref(doc.id, i, k), Ref(doc.id, j, m),
                                       jaccard, share, "duplicate" if jaccard >= settings.threshold
                                       else "contained", "b", rule="DUP201"))
                    done.add((j, m))
                    break
    return out


def _sentence_sets(doc: Doc, index: int, settings: Settings,
                   cache: dict[tuple[int, int], np.ndarray]) -> list[tuple[int, np.ndarray]]:
    from ..sketch.shingle import shared_shingler
    from ..text.normalize import normalize, words

    shingler = shared_shingler(settings.shingle, settings.ngram)  # its token cache is warm
    out = []
    for k, (start, end) in enumerate(doc.sentences(index)):
        key = (index, k)
        if key not in cache:
            norm = normalize(doc.article.text[start:end])
            if len(words(norm)) < settings.min_words:
                cache[key] = np.zeros(0, dtype=np.uint32)
            else:
                cache[key] = shingler.from_units(shingler.units(norm))
        if len(cache[key]):
            out.append((k, cache[key]))
    return out
