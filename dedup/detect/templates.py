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
block of the pair before it, separators without words in between not counting). A
page that repeats many different blocks is a structured page (a meal plan, a Q&A, a
spec sheet) when most of its paragraphs take part: its repeats, and its other
short-to-medium lines (the variants of the same template), are templates and stay.
Scrapers add copies to a page; they do not make most of it repeat in many different
places. A page with a few repeated blocks, or one whose body was pasted twice (one
long block), has artifacts.

What counts as evidence is what explains a template: a block filled in with
different content at each copy. A block whose copies have the same paragraph before
and the same after was pasted again, and one whose second copy follows the first
straight away was doubled: neither counts. Menus, link lists and code that a
whole-page converter puts around the article neither count nor dilute.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ..document import Doc
from ..rules import limit
from ..settings import Settings
from ..text.normalize import normalize, words
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
# Link targets, bare addresses, tags, reference definitions and template fields are
# not words of the text; code and style sheets have braces, tags, entities, a
# statement's closing semicolon, an attribute's quoted value or a selector (".menu a,").
_LINK = re.compile(r"\]\([^)]*\)|\b(?:https?://|www\.)\S+|<[^>]*>|^\s*\[[^\]]+\]:.*$|\{[^}]*\}", re.M)
_CODE = re.compile(r"[{}<>]|;\s*$|=[\"']|/\*|&\w+;|^\s*[.#][\w-]", re.M)
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


def repeated_blocks(pairs: set[tuple[int, int]], position: dict[int, int]) -> list[list[tuple[int, int]]]:
    """Repeated pairs merged along diagonals into blocks of consecutive paragraphs;
    ``position`` numbers the paragraphs that count, so that a separator between two
    paragraphs of one copy does not split its block."""
    by_position = {(position[i], position[j]): (i, j) for i, j in pairs}
    blocks: UnionFind[tuple[int, int]] = UnionFind(sorted(pairs))
    for (a, b), pair in by_position.items():
        after = by_position.get((a + 1, b + 1))
        if after is not None:
            blocks.union(pair, after)
    by_root: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for pair in sorted(pairs):
        by_root.setdefault(blocks.find(pair), []).append(pair)
    return list(by_root.values())


def is_markup(text: str, nwords: int, min_words: int) -> bool:
    """Whether a paragraph is navigation or code rather than text: its words are mostly
    link targets, addresses and tags ("[Facebook](https://facebook.com/...)"), or it
    has the marks of code or CSS. Whole-page converters put such lines around the
    article; they are neither evidence of a page's structure nor against it."""
    if _CODE.search(text):
        return True
    left = sum(1 for word in words(normalize(_LINK.sub(" ", text))) if not word.isdigit())
    return left < max(2, nwords / 2) if nwords >= min_words else left == 0


def _same_text(doc: Doc, a: int | None, b: int | None, threshold: float) -> bool:
    """Whether paragraphs ``a`` and ``b`` (``None``: the page's edge) say the same."""
    if a is None or b is None:
        return a is b
    if a == b or doc.norms[a] == doc.norms[b]:
        return True
    first, second = doc.shingles[a], doc.shingles[b]
    if not len(first) or not len(second):
        return False
    shared = len(np.intersect1d(first, second, assume_unique=True))
    return shared / (len(first) + len(second) - shared) >= threshold


def _pasted(doc: Doc, block: list[tuple[int, int]], order: list[int], position: dict[int, int],
            threshold: float) -> bool:
    """Whether ``block`` is one paragraph followed straight away by its copy (doubled),
    or both its copies sit between the same paragraphs (pasted again): not a template
    filled in with different content. (A longer block that runs on into its own copy
    is a list whose items repeat, as in a plan that serves the same meal every day.)"""
    def neighbour(i: int, step: int) -> int | None:
        at = position[i] + step
        return order[at] if 0 <= at < len(order) else None

    first = min(i for i, _ in block), max(i for i, _ in block)
    second = min(j for _, j in block), max(j for _, j in block)
    if len(block) == 1 and position[second[0]] == position[first[0]] + 1:
        return True
    return (_same_text(doc, neighbour(first[0], -1), neighbour(second[0], -1), threshold)
            and _same_text(doc, neighbour(first[1], 1), neighbour(second[1], 1), threshold))


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
    """On a structured page, its repeats and short-to-medium lines (else nothing).
    The evidence is the page's text paragraphs (not markup, not separators) that are
    prose worth comparing; blocks doubled or pasted again between the same neighbours
    are not evidence, and a short line (KEEP101) takes part in a block but is not
    counted. The templates are the lines from the first text paragraph to the last:
    the menus and scripts before and after the page's text are not."""
    pairs = repeated_pairs(doc, settings, counts)
    if not pairs:
        return set()
    candidates = {k for pair in pairs for k in pair}.union(eligible)
    text = {i for i in candidates if doc.nwords[i] and not doc.paragraphs[i].structural
            and not is_markup(doc.text_of(i), doc.nwords[i], settings.min_words)}
    pairs = {(i, j) for i, j in pairs if i in text and j in text}
    worded = [i for i in range(len(doc.paragraphs)) if doc.nwords[i]]
    position = {i: at for at, i in enumerate(worded)}
    blocks = [block for block in repeated_blocks(pairs, position)
              if not _pasted(doc, block, worded, position, settings.threshold)]
    order = text.intersection(eligible)
    repeated = {k for block in blocks for pair in block for k in pair if doc.eligible(k, settings)}
    # Distinct repeated content: blocks that repeat the same paragraphs count once.
    distinct = {min(i for i, _ in block) for block in blocks
                if any(doc.eligible(i, settings) for i, _ in block)}
    if not order or len(distinct) < MIN_TEMPLATE_BLOCKS or len(repeated) < MIN_REPEATED_SHARE * len(order):
        return set()
    first, last = min(order), max(order)
    return {i for i in eligible if first <= i <= last and doc.nwords[i] <= MAX_TEMPLATE_WORDS} | repeated
