"""Runs of words repeated inside paragraphs: doubled in place, or pasted into two.

Pure: paragraph texts in, the runs to cut out (offsets into each paragraph's text);
the canonicaliser turns them into edits. Words are compared case-folded, since a
doubled or pasted copy repeats the same bytes.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np

from ..text.normalize import WORD_PATTERN

_TOKEN = re.compile(WORD_PATTERN)


@dataclass(frozen=True)
class Words:
    """A paragraph's text, its words with their offsets, and their case-folded keys."""

    text: str
    tokens: list[re.Match[str]]
    keys: list[str]
    _tandems: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, text: str) -> Words:
        tokens = list(_TOKEN.finditer(text))
        return cls(text, tokens, [t.group().casefold() for t in tokens])

    @cached_property
    def shouting(self) -> bool:
        """Whether most words are in capitals (wire copy): then a capital marks nothing
        (computed once: it is asked for every candidate run)."""
        upper = sum(1 for t in self.tokens if t.group().isupper() and len(t.group()) > 1)
        return 2 * upper > len(self.tokens)

    def tandems(self, min_period: int) -> list[tuple[int, int, int]]:
        """:func:`tandem_repeats` of the words (computed once per period)."""
        found = self._tandems.get(min_period)
        if found is None:
            found = self._tandems[min_period] = tandem_repeats(self.keys, min_period)
        return found

    def gap(self, word: int) -> str:
        """The text between word ``word - 1`` and word ``word``."""
        return self.text[self.tokens[word - 1].end():self.tokens[word].start()]

    def between(self, first: int, last: int) -> str:
        """The text from word ``first`` to the end of word ``last``."""
        return self.text[self.tokens[first].start():self.tokens[last].end()]


@dataclass(frozen=True)
class Run:
    """A copy to cut, ``cut_from:cut_to`` in paragraph ``paragraph``'s text, and the
    kept copy it repeats."""

    paragraph: int
    cut_from: int
    cut_to: int
    kept_paragraph: int
    kept: str
    rule: str = ""


def doubled_runs(paragraph: int, words: Words, min_words: int, min_refrain: int,
                 rules: Collection[str] = ("DUP301", "DUP302", "DUP303")) -> list[Run]:
    """Text doubled in place ("The best TV deals of 2019 The best TV deals of 2019": a
    link's title glued to its alt text): copies of at least twice ``min_words`` words;
    of ``min_words`` or more when the second copy starts with a capital straight
    after the first, with no punctuation between (a title twice, not "... what the
    purpose of the dossier was. The purpose of the dossier was ..."); or a phrase of
    ``min_refrain`` or more words repeated three or more times over twice
    ``min_words`` words ("Created with Sketch." after every icon). A short phrase
    said twice may be emphasis or a refrain and stays.

    These are rules DUP301 (doubled text), DUP302 (a refrain) and DUP303 (a title
    twice); only those in ``rules`` are applied."""
    runs = []
    for start, period, copies in words.tandems(min_refrain):
        first_copy = start + period
        if period >= 2 * min_words:
            code = "DUP301"
        elif copies >= 3 and period * (copies - 1) >= 2 * min_words:
            code = "DUP302"
        elif period >= min_words and _title_twice(words, first_copy):
            code = "DUP303"
        else:
            continue
        if code not in rules:
            continue
        # From the end of the first copy to the end of the last: the punctuation after
        # the last copy stays, and so does the space before what follows.
        runs.append(Run(paragraph, words.tokens[first_copy - 1].end(),
                        words.tokens[start + period * copies - 1].end(),
                        paragraph, words.between(start, first_copy - 1), code))
    return runs


def _title_twice(words: Words, second: int) -> bool:
    """Whether the copy starting at word ``second`` is glued to the one before it:
    only spaces between, and a capital to start."""
    return not words.gap(second).strip() and words.tokens[second].group()[0].isupper()


def pasted_runs(paragraphs: dict[int, Words], min_words: int) -> list[Run]:
    """Runs of words pasted into the middle of two paragraphs, or twice into one: a
    hover card's headlines injected after a linked name ("Rep. Ilhan Omar Ilhan Omar
    Hillicon Valley: Progressives oppose ... | Senators call for ... MORE"). The
    later copy goes when, in both places, the run is at least twice ``min_words``
    words, its paragraph has ``min_words`` more, and the run is glued, with no
    punctuation between, to the word before it and to a capitalised word after it.
    A sentence or clause quoted twice starts or ends at punctuation or in lower
    case, or is nearly all of a pull quote, and stays.

    ``paragraphs`` are searched in the order given; earlier ones hold the kept copies.
    """
    size = 2 * min_words
    first_seen: dict[tuple[str, ...], tuple[int, int]] = {}
    runs = []
    repeated = repeated_windows([words.keys for words in paragraphs.values()], size)
    for (i, words), candidates in zip(paragraphs.items(), repeated):
        keys, at = words.keys, 0
        for window in candidates:
            if window < at:
                continue  # inside a run just cut
            at = window
            j, start = first_seen.setdefault(tuple(keys[at:at + size]), (i, at))
            kept = paragraphs[j]
            length = _common_length(kept.keys, start, keys, at, limit=at if j == i else len(kept.keys))
            cut_from = _cut_start(kept, start, words, at, length, min_words) \
                if length >= size and _mid_sentence(kept, start, length, min_words) else None
            if cut_from is not None:
                runs.append(Run(i, cut_from, words.tokens[at + length - 1].end(),
                                j, kept.between(start, start + length - 1), "DUP304"))
                at += length
                continue
            at += 1
    return runs


def repeated_windows(paragraphs: list[list[str]], size: int) -> list[list[int]]:
    """For each paragraph's words, the starts of its windows of ``size`` words that
    occur more than once in all of them (a window said once can neither be a copy
    nor have one, so :func:`pasted_runs` skips it). Windows are compared by a
    polynomial hash of the words' hashes, so a collision only adds a window to try."""
    lengths = [len(keys) for keys in paragraphs]
    ids = np.fromiter(chain.from_iterable(map(hash, keys) for keys in paragraphs),
                      dtype=np.int64, count=sum(lengths)).view(np.uint64)
    count = len(ids) - size + 1
    if count <= 0:
        return [[] for _ in paragraphs]
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(size):  # uint64 arithmetic wraps: a hash modulo 2**64
        hashes = hashes * _MULTIPLIER + ids[offset:offset + count] + np.uint64(1)
    starts = np.cumsum([0] + lengths[:-1], dtype=np.int64)
    owner = np.repeat(np.arange(len(paragraphs)), lengths)[:count]
    whole = np.arange(count) + size <= (starts + np.asarray(lengths, dtype=np.int64))[owner]
    _, inverse, seen = np.unique(hashes[whole], return_inverse=True, return_counts=True)
    chosen = np.flatnonzero(whole)[seen[inverse] > 1]
    by_owner = np.searchsorted(chosen, np.append(starts, len(ids)))
    return [(chosen[by_owner[k]:by_owner[k + 1]] - starts[k]).tolist() for k in range(len(paragraphs))]


_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _common_length(kept: list[str], start: int, copy: list[str], at: int, limit: int) -> int:
    """How many words from ``copy[at]`` on repeat ``kept[start:limit]``; 0 unless the
    run cannot start earlier (it is then part of a longer one, tried already)."""
    if at and start and copy[at - 1] == kept[start - 1]:
        return 0
    length = 0
    while at + length < len(copy) and start + length < limit and copy[at + length] == kept[start + length]:
        length += 1
    return length


def _cut_start(kept: Words, start: int, copy: Words, at: int, length: int, min_words: int) -> int | None:
    """Where the cut of the copy at word ``at`` begins, or ``None`` when that copy is
    not glued into a sentence. The cut begins after the word before the copy, or
    earlier when the run starts with a word glued to the words before both copies
    ("Ilhan OmarHillicon Valley" and "follow suit Hillicon Valley": "Hillicon" goes
    too, and must itself run on from the word before it)."""
    before_kept, before_copy = kept.tokens[start - 1].group(), copy.tokens[at - 1].group()
    tail = os.path.commonprefix([before_kept[::-1], before_copy[::-1]])[::-1]
    if not tail[:1].isupper() or not all(_camel_joint(word, tail) for word in (before_kept, before_copy)):
        tail = ""
    if tail == before_copy:
        return copy.tokens[at - 2].end() if _mid_sentence(copy, at - 1, length + 1, min_words) else None
    if not _mid_sentence(copy, at, length, min_words):
        return None
    return copy.tokens[at - 1].end() - len(tail)


def _camel_joint(word: str, tail: str) -> bool:
    """Whether ``tail`` is all of ``word`` or glued to a lower-case letter in it."""
    return word == tail or word[-len(tail) - 1].islower()


def _mid_sentence(words: Words, start: int, length: int, min_words: int) -> bool:
    """Whether words ``start:start+length`` leave ``min_words`` others in the
    paragraph, start with a capital and run on, with nothing but spaces, from the word
    before them into a capitalised word after them (the next headline)."""
    tokens, end = words.tokens, start + length
    if start == 0 or end >= len(tokens) or len(tokens) - length < min_words or words.shouting:
        return False
    return not words.gap(start).strip() and not words.gap(end).strip() \
        and tokens[start].group()[0].isupper() and tokens[end].group()[0].isupper()


def tandem_repeats(keys: list[str], min_period: int) -> list[tuple[int, int, int]]:
    """Non-overlapping ``(start, period, copies)``: ``keys[start:start+period]`` repeated
    ``copies`` times back to back, for periods of at least ``min_period`` tokens."""
    found: list[tuple[int, int, int]] = []
    grams = [tuple(keys[at:at + min_period]) for at in range(len(keys) - min_period + 1)]
    positions: dict[tuple[str, ...], list[int]] = {}
    for at, gram in enumerate(grams):
        positions.setdefault(gram, []).append(at)
    if len(positions) == len(grams):
        return found  # no window of min_period words comes twice: nothing repeats
    position = 0
    while position < len(keys):
        best: tuple[int, int, int] | None = None
        later_ones = positions[grams[position]] if position < len(grams) else []
        for later in later_ones[bisect_right(later_ones, position + min_period - 1):]:
            period = later - position
            if position + 2 * period > len(keys):
                break  # positions ascend: every later one is too far as well
            if _same(keys, position, later, period):
                copies = 2
                while _same(keys, position, position + copies * period, period):
                    copies += 1
                best = (position, period, copies)
                break
        if best is None:
            position += 1
            continue
        found.append(best)
        position = best[0] + best[1] * best[2]
    return found


def _same(keys: list[str], first: int, second: int, length: int) -> bool:
    """Whether ``keys[second:second+length]`` (complete) equals ``keys[first:first+length]``.
    Compared in growing chunks, so that a mismatch costs about the words before it,
    not ``length``: a common phrase has many later occurrences to try."""
    if second + length > len(keys):
        return False
    done, step = 0, 8
    while done < length:
        upto = min(length, done + step)
        if keys[first + done:first + upto] != keys[second + done:second + upto]:
            return False
        done, step = upto, 2 * step
    return True
