"""Telling legitimate repeats (templates) from scraping artifacts.

Real pages repeat short structural lines on purpose: a recipe's "Portion Fix
Containers: 1 Green, 1 Red, 1 Yellow, 1 tsp." under every meal, an interview's
recurring question, a table header. Artifacts repeat differently: a pasted intro or
related-stories block comes back as a *run* of paragraphs in the same order, and a
caption or teaser comes back alone once or twice on an otherwise plain page.

The rule: a repeated paragraph is a template when it is short-to-medium, none of
its copies sits in a repeated run, and the page repeats several different such
lines (it is a structured page, not a page with a stray copy).
"""

from __future__ import annotations

from .document import Doc
from .settings import Settings

MAX_TEMPLATE_WORDS = 30
MIN_TEMPLATE_GROUPS = 3


def template_paragraphs(doc: Doc, settings: Settings,
                        counts: dict[tuple[int, int], int]) -> set[int]:
    pairs = set()
    for (i, j), inter in counts.items():
        size_i, size_j = len(doc.shingles[i]), len(doc.shingles[j])
        if inter / (size_i + size_j - inter) >= settings.threshold:
            pairs.add((i, j))
    if not pairs:
        return set()

    def same(x: int, y: int) -> bool:
        if x < 0 or y < 0 or x >= len(doc.norms) or y >= len(doc.norms):
            return False
        return (min(x, y), max(x, y)) in pairs or (bool(doc.norms[x]) and doc.norms[x] == doc.norms[y])

    isolated: dict[int, set[int]] = {}
    for i, j in pairs:
        if max(doc.nwords[i], doc.nwords[j]) > MAX_TEMPLATE_WORDS:
            continue
        if same(i - 1, j - 1) or same(i + 1, j + 1):
            continue
        isolated.setdefault(i, {i}).add(j)
    groups = {frozenset(members) for members in isolated.values()}
    if len(groups) < MIN_TEMPLATE_GROUPS:
        return set()
    return {i for members in groups for i in members}
