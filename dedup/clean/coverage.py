"""What the cleaner counts as kept: the shingles and figures of every kept paragraph
(and, inside one paragraph, of its other sentences), so that a candidate is removed
only when the rest of the kept text already says it.

Pure and in memory, one article at a time. A paragraph's entry is a sorted array,
except while its own sentences are being removed: :class:`KeptSentences` then keeps
it as a count of n-grams and updates it from the n-grams each removal touches.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import repeat

import numpy as np

from ..document import Doc
from ..sketch.sets import ranges, unique
from ..sketch.shingle import Shingler
from ..text.normalize import normalize, words

_DIGIT = re.compile(r"\d")
_NONE = np.zeros(0, dtype=np.uint32)
_NO_FIGURES: Counter[str] = Counter()


class ShingleIndex:
    """Which of some sets hold a shingle: every set's hashes in one sorted array, with
    the key of the set each came from."""

    def __init__(self, sets: dict[int, np.ndarray]) -> None:
        owned = [np.full(len(s), i, dtype=np.int64) for i, s in sets.items()]
        hashes = np.concatenate(list(sets.values())) if sets else _NONE
        by_hash = np.argsort(hashes, kind="stable")
        self._hashes = hashes[by_hash]
        self._owners = np.concatenate(owned)[by_hash] if owned else np.zeros(0, dtype=np.int64)

    def holding(self, hashes: np.ndarray) -> set[int]:
        """The keys of the sets that hold at least one of ``hashes``."""
        low = np.searchsorted(self._hashes, hashes, side="left")
        high = np.searchsorted(self._hashes, hashes, side="right")
        at = ranges(low, high - low)
        found: set[int] = set(unique(self._owners[at]).tolist())
        return found


class Coverage:
    """Multiset of the shingles (and figures) of everything currently kept."""

    def __init__(self, sets: dict[int, np.ndarray], figures: dict[int, Counter[str]]) -> None:
        self.sets = dict(sets)
        self.figures = dict(figures)
        self.counts: Counter[int] = Counter()
        self.figure_counts: Counter[str] = Counter()
        # Paragraphs whose entry is, for now, a count of n-grams (see KeptSentences).
        self.live: dict[int, Counter[int]] = {}
        for i, s in self.sets.items():
            self.counts.update(s.tolist())
            self.figure_counts.update(self.figures[i].keys())
        # Which paragraphs hold a shingle: the first sets, and the shingles entries
        # gained later (a new junction once a sentence is cut).
        self._first = dict(self.sets)
        self._index = ShingleIndex(self.sets)
        self._gained: dict[int, set[int]] = {}
        # The position of each entry in ``sets``, whose order breaks ties.
        self._order = {i: at for at, i in enumerate(self.sets)}
        self._next_order = len(self._order)

    def sharing(self, hashes: np.ndarray) -> list[int]:
        """The kept paragraphs that may hold one of ``hashes`` (every one that does, and
        perhaps some that no longer do), in the order of ``sets``: a search in the
        index of shingles instead of a pass over every paragraph, which made an
        article of thousands of paragraphs cost the square of their number."""
        found = self._index.holding(hashes)
        if self._gained:
            for h in hashes.tolist():
                found.update(self._gained.get(h, ()))
        order = self._order
        return sorted((k for k in found if k in self.sets), key=order.__getitem__)

    def _gain(self, owner: int, hashes: np.ndarray) -> None:
        """Index those of ``hashes`` that ``owner``'s first set did not hold."""
        first = self._first.get(owner, _NONE)
        if len(first):
            at = np.minimum(np.searchsorted(first, hashes), len(first) - 1)
            hashes = hashes[first[at] != hashes]
        for h in hashes.tolist():
            self._gained.setdefault(h, set()).add(owner)

    def covered_by_others(self, owner: int, shingles: np.ndarray, figures: set[str],
                          exclude: Iterable[int] = (), inner: InnerSentences | None = None) -> float:
        """Share of ``shingles`` kept elsewhere than in paragraph ``owner`` (and ``exclude``);
        0 when one of ``figures`` is not kept elsewhere. With ``inner``, the other
        sentences of ``owner`` count as kept text too (DUP202)."""
        if len(shingles) == 0:
            return 0.0
        owners = [owner, *exclude]
        own = self._held(owners, shingles)
        counts = self.counts
        rest, rest_figures = (inner.others(shingles, figures) if inner is not None
                              else ((lambda h: False), (lambda f: False)))
        if inner is None:  # kept elsewhere: more copies kept than the owners hold
            held = np.fromiter(map(counts.get, shingles.tolist(), repeat(0)), dtype=np.int64,
                               count=len(shingles))
            hits = int(np.count_nonzero(held > own))
        else:
            hits = sum(1 for h, mine in zip(shingles.tolist(), own.tolist()) if counts[h] - mine > 0 or rest(h))
        for figure in figures:
            own_figure = sum(1 for k in owners if figure in self.figures.get(k, _NO_FIGURES))
            if self.figure_counts[figure] - own_figure <= 0 and not rest_figures(figure):
                return 0.0
        return hits / len(shingles)

    def _held(self, owners: list[int], hashes: np.ndarray) -> np.ndarray:
        """How many of the ``owners``' sets hold each of ``hashes``: a binary search in
        each sorted set, so a sentence costs its own size, not its paragraph's."""
        held = np.zeros(len(hashes), dtype=np.int64)
        for k in owners:
            if k in self.live:
                grams = self.live[k]
                held += np.fromiter((grams[h] > 0 for h in hashes.tolist()), dtype=bool, count=len(hashes))
                continue
            s = self.sets.get(k, _NONE)
            if len(s):
                at = np.minimum(np.searchsorted(s, hashes), len(s) - 1)
                held += s[at] == hashes
        return held

    def replace(self, owner: int, shingles: np.ndarray | None, figures: Counter[str] | None) -> None:
        self.settle(owner)
        old = self.sets.pop(owner, None)
        if old is not None:
            self.counts.subtract(old.tolist())
            self.figure_counts.subtract(self.figures.pop(owner).keys())
        if shingles is not None and figures is not None:
            self._order[owner] = self._next_order
            self._next_order += 1
            self._gain(owner, shingles)
            self.sets[owner] = shingles
            self.figures[owner] = figures
            self.counts.update(shingles.tolist())
            self.figure_counts.update(figures.keys())

    def follow(self, owner: int, grams: Counter[int]) -> None:
        """From now on, ``owner``'s shingles are the n-grams ``grams`` counts above 0
        (they must be what its entry holds now); :meth:`change` keeps the counts."""
        self.live[owner] = grams

    def change(self, owner: int, gone: Iterable[int], new: Iterable[int],
               figures_gone: Iterable[str], figures_new: Iterable[str]) -> None:
        """Shingles and figures that left or joined ``owner``'s text."""
        new = list(new)
        self._gain(owner, np.array(new, dtype=np.uint32))
        self.counts.subtract(gone)
        self.counts.update(new)
        self.figure_counts.subtract(figures_gone)
        self.figure_counts.update(figures_new)

    def settle(self, owner: int) -> None:
        """``owner``'s entry becomes a sorted array again."""
        grams = self.live.pop(owner, None)
        if grams is not None:
            self.sets[owner] = np.array(sorted(h for h, c in grams.items() if c > 0), dtype=np.uint32)


class InnerSentences:
    """The shingles and figures of the sentences of one paragraph before the one being
    tested: a sentence said again further on in its own paragraph (a page extracted
    onto one line) is covered by the earlier copy there (DUP202). Sentences are tested
    from the last, each dropped from here before it is tested, so that only earlier
    ones cover it and the first copy survives."""

    def __init__(self, sets: list[np.ndarray], figures: list[Counter[str]]) -> None:
        self.sets = sets
        self.figure_sets = figures
        self.counts: Counter[int] = Counter(h for s in sets for h in s.tolist())
        self.figure_counts: Counter[str] = Counter(f for c in figures for f in c)

    def others(self, shingles: np.ndarray,
               figures: set[str]) -> tuple[Callable[[int], bool], Callable[[str], bool]]:
        """Tests of whether a shingle or figure is in an earlier sentence."""
        counts, figure_counts = self.counts, self.figure_counts
        return (lambda h: counts[h] > 0), (lambda f: figure_counts[f] > 0)

    def drop(self, k: int) -> None:
        """Sentence ``k`` and what follows it no longer cover the sentences before it."""
        self.counts.subtract(self.sets[k].tolist())
        self.figure_counts.subtract(self.figure_sets[k].keys())
        self.sets[k] = _NONE
        self.figure_sets[k] = Counter()


def figures_of(norm: str) -> Counter[str]:
    if not _DIGIT.search(norm):
        return Counter()
    return Counter(w for w in words(norm) if _DIGIT.search(w))


def memo_figures(doc: Doc, norm: str) -> Counter[str]:
    """:func:`figures_of` a comparison text of ``doc``, from the memo of the rounds
    when there is one (read only: every round shares it)."""
    if doc.memo is None:
        return figures_of(norm)
    found = doc.memo.figures.get(norm)
    if found is None:
        found = doc.memo.figures[norm] = figures_of(norm)
    return found



class KeptSentences:
    """The sentences of paragraph ``i`` still kept while they are tested one by one,
    and what the coverage holds for the paragraph: the shingles and figures of those
    sentences joined by spaces.

    The first removal sets the paragraph's entry from all the sentences left. Later
    ones, for word shingles, update it from the n-grams that touch the removed
    sentence (they reach at most ``n - 1`` words into its neighbours) and those of the
    new junction, so that a paragraph of thousands of sentences (an article extracted
    onto one line) costs each removal its own size, not the paragraph's. Character
    shingles count the spaces between sentences as units and are recomputed.
    """

    def __init__(self, doc: Doc, i: int, shingler: Shingler) -> None:
        self.doc, self.i, self.shingler = doc, i, shingler
        self.spans = doc.sentences(i)
        size = len(self.spans)
        self.count = size
        self.prev = list(range(-1, size - 1))
        self.next = [*range(1, size), -1]
        self.first = 0 if size else -1
        self._units: list[np.ndarray] | None = None
        self._nwords: list[int] = []
        self._words = 0
        self._grams: Counter[int] | None = None

    def words_without(self, k: int) -> int:
        """How many words the kept sentences would have without sentence ``k``."""
        self._measure()
        return self._words - self._nwords[k]

    def remove(self, k: int, coverage: Coverage) -> None:
        """Sentence ``k`` is removed: the paragraph's entry in ``coverage`` follows."""
        self._measure()
        left, right = self.prev[k], self.next[k]
        if self._grams is not None and self.shingler.kind == "word":
            before_k, after_k = self._context(left, -1), self._context(right, +1)
            gone = self._windows([*before_k, self._units_of(k), *after_k])
            new = self._windows([*before_k, *after_k])
            self._unlink(k)
            if self._words >= self.shingler.n:  # a word shingle's units are the words
                self._shift(k, gone, new, coverage)
                return
        else:
            self._unlink(k)
        self._reset(coverage)

    def settle(self, coverage: Coverage) -> None:
        """The tests of this paragraph are over: its entry is a sorted array again."""
        coverage.settle(self.i)

    def _measure(self) -> None:
        if self._units is not None:
            return
        norms = [self.doc.span(start, end, self.shingler)[0] for start, end in self.spans]
        if self.shingler.kind == "word":
            flat, offsets = self.shingler.units_many(norms)
            bounds = offsets.tolist()
            self._units = [flat[bounds[m]:bounds[m + 1]] for m in range(len(norms))]
            self._nwords = [len(u) for u in self._units]
        else:
            self._units = []
            self._nwords = [len(words(norm)) for norm in norms]
        self._words = sum(self._nwords)

    def _alive(self) -> list[int]:
        out, m = [], self.first
        while m != -1:
            out.append(m)
            m = self.next[m]
        return out

    def _unlink(self, k: int) -> None:
        left, right = self.prev[k], self.next[k]
        if left == -1:
            self.first = right
        else:
            self.next[left] = right
        if right != -1:
            self.prev[right] = left
        self.count -= 1
        self._words -= self._nwords[k]

    def _units_of(self, m: int) -> np.ndarray:
        assert self._units is not None
        return self._units[m]

    def _context(self, m: int, step: int) -> list[np.ndarray]:
        """Up to ``n - 1`` units next to a sentence, from sentence ``m`` on, walking
        back (``step`` -1) or forward (+1), in text order."""
        need, pieces = self.shingler.n - 1, []
        while m != -1 and need > 0:
            units = self._units_of(m)
            piece = units[max(0, len(units) - need):] if step < 0 else units[:need]
            pieces.append(piece)
            need -= len(piece)
            m = self.prev[m] if step < 0 else self.next[m]
        return pieces[::-1] if step < 0 else pieces

    def _windows(self, pieces: list[np.ndarray]) -> list[int]:
        if not pieces:
            return []
        hashes: list[int] = self.shingler.window_hashes(np.concatenate(pieces)).tolist()
        return hashes

    def _shift(self, k: int, gone: list[int], new: list[int], coverage: Coverage) -> None:
        grams = self._grams
        assert grams is not None
        touched = set(gone) | set(new)
        had = {h for h in touched if grams[h] > 0}
        grams.subtract(gone)
        grams.update(new)
        has = {h for h in touched if grams[h] > 0}
        start, end = self.spans[k]
        figures = coverage.figures[self.i]
        figures_gone = []
        for figure, times in memo_figures(self.doc, self.doc.span(start, end, self.shingler)[0]).items():
            figures[figure] -= times
            if figures[figure] <= 0:
                del figures[figure]
                figures_gone.append(figure)
        coverage.change(self.i, had - has, has - had, figures_gone, ())

    def _reset(self, coverage: Coverage) -> None:
        """The entry computed from the kept sentences, as a new text."""
        alive = self._alive()
        text = self.doc.article.text
        if self.shingler.kind == "word":
            units = np.concatenate([self._units_of(m) for m in alive]) if alive else np.zeros(0, np.uint64)
            figures: Counter[str] = Counter()
            for m in alive:
                start, end = self.spans[m]
                figures.update(memo_figures(self.doc, self.doc.span(start, end, self.shingler)[0]))
        else:
            rest = normalize(" ".join(text[self.spans[m][0]:self.spans[m][1]] for m in alive))
            units, figures = self.shingler.units(rest), figures_of(rest)
        coverage.replace(self.i, self.shingler.from_units(units), figures)
        if self.shingler.kind == "word" and len(units) >= self.shingler.n:
            self._grams = Counter(self.shingler.window_hashes(units).tolist())
            coverage.follow(self.i, self._grams)
        else:
            self._grams = None
