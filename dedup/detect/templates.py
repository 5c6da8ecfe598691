"""Telling legitimate repeats (templates) from scraping artifacts.

Real pages repeat lines on purpose: a recipe's "Portion Fix Containers: 1 Green,
1 Red, 1 Yellow, 1 tsp." under every meal, an interview's recurring question, a
table header. Artifacts repeat differently: a pasted intro or a related-stories
block comes back as one *block* of consecutive paragraphs, and a caption or teaser
comes back once or a few times on an otherwise plain page.

Lines of data (quantities, scores, specifications: a fifth or more of their words
are figures) repeat and vary by nature: a data line is a template wherever it is,
unless the very same line is on the page again ("Published 11:11 PM EST Nov 19,
2019" twice): that copy is an artifact, while its variants are not.

Other repeats are first merged into blocks (a repeated pair ``(i, j)`` continues the
block of ``(i - 1, j - 1)``). A page that repeats many different blocks is a
structured page (a meal plan, a Q&A, a spec sheet) when most of its paragraphs take
part: its repeats, and its other short-to-medium lines (the variants of the
same template), are templates and stay. Scrapers add copies to a page; they do
not make most of it repeat in many different places. A page with a few repeated
blocks, or one whose body was pasted twice (one long block), has artifacts.
"""

from __future__ import annotations

import re
from collections import Counter

from ..document import Doc
from ..rules import limit
from ..settings import Settings
from ..text.normalize import words
from .unionfind import UnionFind

MAX_TEMPLATE_WORDS = int(limit("KEEP103", "max_template_words"))
MIN_TEMPLATE_BLOCKS = int(limit("KEEP103", "min_template_blocks"))
MIN_REPEATED_SHARE = limit("KEEP103", "min_repeated_share")
MIN_FIGURE_SHARE = limit("KEEP104", "min_figure_share")
# ... and at least this many: a headline with a year and a count ("7 key questions
# heading into the 2020 Democratic debate") is prose.
MIN_FIGURES = int(limit("KEEP104", "min_figures"))
_DIGIT = re.compile(r"\d")
# A photo credit ("Photo: John Locher, AP", "[File: Reuters]") or an ellipsis that cut
# the last word ("airport termin...") ends a caption or a teaser: prose, never data.
TRAILER = re.compile(
    r"(?:\s*[(\[]\s*(?:Photo(?:graph)?|Image(?: credit)?|Picture|Credit|File|Source)\s*:[^()\[\]]{1,60}[)\]]"
    r"|\s+(?:Photo(?:graph)?|Image|Credit)\s*:[^.:]{1,50}"
    r"|\s*\S*(?:\.\.\.|\u2026))\s*$")
# Every match ends the text in ")", "]" or an ellipsis, or has its colon this close to
# the end: other texts are not searched (the search costs as much as the text is long).
_TRAILER_REACH = 64


def strip_trailer(text: str) -> str:
    """``text`` without a trailing photo credit or the word an ellipsis cut.

    Example:
        >>> strip_trailer("Crowds at the airport. Photo: John Locher, AP")
        'Crowds at the airport.'
    """
    tail = text.rstrip()[-_TRAILER_REACH:]
    if not tail.endswith((")", "]", "...", "\u2026")) and ":" not in tail:
        return text
    return TRAILER.sub("", text)


def is_data_line(norm: str) -> bool:
    """Quantities, scores and specs rather than prose: many of the words are figures."""
    tokens = words(norm)
    figures = sum(1 for t in tokens if _DIGIT.search(t))
    return bool(tokens) and figures >= MIN_FIGURES and figures >= MIN_FIGURE_SHARE * len(tokens)


def data_lines(doc: Doc, settings: Settings) -> set[int]:
    """Eligible paragraphs that are lines of data."""
    return {i for i in range(len(doc.paragraphs)) if doc.eligible(i, settings)
            and doc.nwords[i] <= MAX_TEMPLATE_WORDS and is_data_line(doc.norms[i])
            and strip_trailer(doc.text_of(i)) == doc.text_of(i)}


def same_words(doc: Doc, i: int) -> tuple[str, ...]:
    """Paragraph ``i``'s words: copies compare equal whatever their bullets and punctuation."""
    return tuple(words(doc.norms[i]))


def repeated_pairs(doc: Doc, settings: Settings, counts: dict[tuple[int, int], int]) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of near-identical paragraphs, short ones compared verbatim."""
    pairs = set()
    for (i, j), inter in counts.items():
        size_i, size_j = len(doc.shingles[i]), len(doc.shingles[j])
        if inter / (size_i + size_j - inter) >= settings.threshold:
            pairs.add((i, j))
    first: dict[str, list[int]] = {}
    for i, norm in enumerate(doc.norms):
        if norm and not doc.paragraphs[i].structural and not doc.eligible(i, settings):
            first.setdefault(norm, []).append(i)
    for members in first.values():
        if 1 < len(members) <= 64:
            pairs.update((a, b) for x, a in enumerate(members) for b in members[x + 1:])
    return pairs


def repeated_blocks(pairs: set[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Repeated pairs merged along diagonals into blocks of consecutive paragraphs."""
    blocks: UnionFind[tuple[int, int]] = UnionFind(sorted(pairs))
    for i, j in pairs:
        if (i + 1, j + 1) in pairs:
            blocks.union((i, j), (i + 1, j + 1))
    by_root: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for pair in sorted(pairs):
        by_root.setdefault(blocks.find(pair), []).append(pair)
    return list(by_root.values())


def template_paragraphs(doc: Doc, settings: Settings, counts: dict[tuple[int, int], int], *,
                        structured: bool = True, data: bool = True) -> set[int]:
    """Eligible paragraphs whose repeats are legitimate and must all be kept: lines of
    data said once (rule KEEP104, with ``data``) and, on a structured page, its
    repeats and short-to-medium lines (rule KEEP103, with ``structured``)."""
    eligible = [i for i in range(len(doc.paragraphs)) if doc.eligible(i, settings)]
    copies = Counter(same_words(doc, i) for i in eligible)
    data_kept = {i for i in data_lines(doc, settings) if copies[same_words(doc, i)] == 1} \
        if data else set()
    return data_kept | (structured_page(doc, settings, counts, eligible) if structured else set())


def structured_page(doc: Doc, settings: Settings, counts: dict[tuple[int, int], int],
                    eligible: list[int]) -> set[int]:
    """On a structured page, its repeats and short-to-medium lines (else nothing)."""
    pairs = repeated_pairs(doc, settings, counts)
    if not pairs:
        return set()
    blocks = repeated_blocks(pairs)
    # Distinct repeated content: blocks that repeat the same paragraphs count once.
    distinct = {min(i for i, _ in block) for block in blocks
                if any(doc.eligible(i, settings) for i, _ in block)}
    repeated = {k for pair in pairs for k in pair if doc.eligible(k, settings)}
    if len(distinct) < MIN_TEMPLATE_BLOCKS or len(repeated) < MIN_REPEATED_SHARE * len(eligible):
        return set()
    return {i for i in eligible if doc.nwords[i] <= MAX_TEMPLATE_WORDS} | repeated
