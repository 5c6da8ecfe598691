"""The canonicaliser: what an article keeps, its cleaned text and the list of edits.

Pure: an analysed article in, a :class:`Canonical` out. The rule that keeps content
safe is *coverage*: a paragraph (or sentence) is removed only when the text that is
kept, everything else in the article, already contains it (``containment`` of its
shingles, and every figure it states). Candidates are tried from the least to the
most preferred copy (last to first under ``keep="first"``), so of two copies the
preferred one is still there when the other is tested and survives.

Short paragraphs are never removed on their own, only as part of a pasted run
whose neighbours were removed; structural blocks and template repeats stay.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from ..detect.templates import (
    data_lines,
    is_data_line,
    same_words,
    strip_trailer,
    template_paragraphs,
)
from ..detect.within import shared_shingles
from ..document import Doc, Memo, analyze, contained, overlap
from ..options import CleanOptions
from ..rules import limit
from ..settings import Settings
from ..sketch.sets import unique
from ..sketch.shingle import Shingler, shared_shingler
from ..text.joins import join_points
from ..text.normalize import normalize, words
from .coverage import (
    Coverage,
    InnerSentences,
    KeptSentences,
    ShingleIndex,
    figures_of,
    memo_figures,
)
from .repeats import repeats_nothing
from .spans import Run, Words, doubled_runs, pasted_runs

EditKind = Literal["paragraph", "sentence", "span", "join", "moved"]
_NONE = np.zeros(0, dtype=np.uint32)
# A full stop, ! or ? at the end, perhaps inside closing quotes, but not an ellipsis.
_SENTENCE_END = re.compile("(?<!\\.)[.!?][\"'\u201d\u2019)\\]]*\\s*$")
_QUOTED = re.compile("\\s*[\"\u201c\u201e\u00ab\u2018']")
# Words in double quotes or guillemets: direct speech.
_SPEECH = re.compile("[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb]+)[\"\u201d\u00bb]")
# The signature of an embedded post: "— Rep. Ilhan Omar (@Ilhan) November 19, 2019".
_EMBED = re.compile(r"\(@\w+\)\s+[A-Z][a-z]+\.? \d{1,2}, \d{4}")
# A paragraph inside a single other one is removed only when it is a substantial
# part of it (a repeated intro minus its first sentence: Jaccard ~0.7); one sentence
# lifted from a long paragraph (Jaccard ~0.1) is a pull quote and is content.
MIN_CONTAINED_JACCARD = limit("DUP102", "min_jaccard")
# ... and only when it is at least this share of one sentence there (a pull quote).
LIFTED_SHARE = limit("KEEP105", "lifted_share")
# Direct speech lifted from a paragraph that is little more than the quote shares
# more of it (a quote of 16 words from one of 26: ~0.37).
MAX_QUOTE_JACCARD = limit("KEEP106", "max_jaccard")
MAX_ROUNDS = 4
MAX_UNDO = 4
# A block of short lines pasted again (DUP106): its size, its copies at most, and the
# lines around its copies that tell a form.
BLOCK_LINES = int(limit("DUP106", "min_lines"))
BLOCK_WORDS = int(limit("DUP106", "min_block_words"))
BLOCK_COPIES = int(limit("DUP106", "max_copies"))
BLOCK_GAP = int(limit("DUP106", "form_gap"))
MIN_SENTENCE_WORDS = int(limit("KEEP109", "min_sentence_words"))
MIN_REFRAIN_WORDS = int(limit("DUP302", "min_refrain_words"))


@dataclass(frozen=True)
class Edit:
    """One change. ``start``/``end`` are offsets into the original text; for a join
    both are the point where a space is put back."""

    kind: EditKind
    start: int
    end: int
    paragraph: int
    sentence: int | None = None
    reason: str = "duplicate"
    kept_paragraph: int | None = None
    kept_sentence: int | None = None
    jaccard: float = 1.0
    containment: float = 1.0
    removed: str = ""
    kept: str = ""
    # The code of the registered rule that made this edit (``DUP101``; see dedup.rules).
    rule: str = ""


@dataclass
class Canonical:
    """A cleaned article: its text, the edits that made it, and the text's analysis."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    doc: Doc | None = field(default=None, compare=False, repr=False)
    # Repeats kept on purpose, each with the protection (``KEEP1xx``) that kept it and
    # the copy it repeats (``kept_paragraph``): informational, nothing is changed.
    kept: list[Edit] = field(default_factory=list, compare=False)

    @property
    def removals(self) -> list[Edit]:
        return [e for e in self.edits if e.kind in ("paragraph", "sentence", "span")]


def canonicalize(doc: Doc, settings: Settings | None = None,
                 options: CleanOptions | None = None) -> Canonical:
    """The canonical version of one article and the edits that make it.

    Args:
        doc: the analysed article (``dedup.analyze``).
        settings: thresholds and shingles; the defaults when omitted.
        options: which copy survives (``keep``: ``first``, the default; ``longest``,
            the most complete copy at the position of the first; ``newest``, the
            same as ``first`` inside one article) and whether sentences glued
            together are repaired (``fix_joins``, "added.The"). The defaults when
            omitted.

    Returns:
        The canonical text, its edits, and (in ``doc``) the analysis of that text,
        so that nothing analyses it again.

    Example:
        >>> from dedup import Article, Settings, analyze
        >>> text = "One two three four five six seven eight nine.\\nSomething else entirely here now okay.\\nOne two three four five six seven eight nine."
        >>> canonicalize(analyze(Article("a", text, "a"), Settings())).text.splitlines()
        ['One two three four five six seven eight nine.', 'Something else entirely here now okay.']
    """
    settings = settings or Settings()
    shingler = shared_shingler(settings.shingle, settings.ngram)
    if repeats_nothing(doc, settings, shingler) and not _has_joins(doc):
        return Canonical(doc.article.text, doc=doc)  # what every rule would conclude
    options = (options or CleanOptions()).for_language(doc.language)
    doc.memo = Memo()
    try:
        return _canonicalize_until_stable(doc, settings, options, shingler)
    finally:
        doc.memo = None


def _canonicalize_until_stable(doc: Doc, settings: Settings, options: CleanOptions,
                               shingler: Shingler) -> Canonical:
    canonical, origin, undone = _with_undo(doc, settings, options, shingler)
    if not undone:
        return _forget(canonical)
    # An undone removal changes what the rest relies on: clean the result again until
    # it stays the same, so that cleaning a cleaned article changes nothing.
    edits, kept = list(canonical.edits), list(canonical.kept)
    for _ in range(MAX_ROUNDS):
        current = canonical.doc
        assert current is not None
        again, again_origin, undone = _with_undo(current, settings, options, shingler)
        if again.text == canonical.text:
            break
        edits.extend(_map_edit(e, origin, current, doc) for e in again.edits)
        kept.extend(_map_edit(e, origin, current, doc) for e in again.kept)
        origin = origin[again_origin]
        canonical = again
        if not undone:
            break
    removed = [(e.start, e.end) for e in edits if e.kind in ("paragraph", "sentence", "span")]
    kept = _outside(kept, removed)
    return _forget(Canonical(canonical.text, sorted(edits, key=lambda e: (e.start, e.kind != "join")),
                             doc=canonical.doc, kept=sorted(kept, key=lambda e: (e.start, e.end))))


def _outside(kept: list[Edit], removed: list[tuple[int, int]]) -> list[Edit]:
    """The kept repeats that start in no removed span: a binary search over the spans
    sorted by start, with the furthest end reached so far (an article with thousands
    of both once spent minutes comparing every pair)."""
    if not removed or not kept:
        return list(kept)
    spans = sorted(removed)
    starts = [s for s, _ in spans]
    reach = list(itertools.accumulate((t for _, t in spans), max))
    out = []
    for e in kept:
        at = bisect.bisect_right(starts, e.start) - 1
        if at < 0 or reach[at] <= e.start:
            out.append(e)
    return out


def _forget(canonical: Canonical) -> Canonical:
    """The result keeps its analysis but not the memo of the rounds."""
    if canonical.doc is not None:
        canonical.doc.memo = None
    return canonical


def _with_undo(doc: Doc, settings: Settings, options: CleanOptions,
               shingler: Shingler) -> tuple[Canonical, np.ndarray, bool]:
    """The article cleaned, with every removal still said by the text that is kept: one
    that relied on a copy removed later (a chain) is undone (KEEP113) and the article
    cleaned again without it. Also the origin of each output character, and whether
    anything was undone."""
    protect: frozenset[tuple[int, int]] = frozenset()
    for _ in range(MAX_UNDO):
        canonical, origin = _canonicalize(doc, settings, options, shingler, protect)
        if not options.on("KEEP113"):
            break
        unsupported = _unsupported(doc, canonical, settings, shingler)
        if not unsupported:
            break
        protect |= unsupported
    return canonical, origin, bool(protect)


def _canonicalize(doc: Doc, settings: Settings, options: CleanOptions, shingler: Shingler,
                  protect: frozenset[tuple[int, int]]) -> tuple[Canonical, np.ndarray]:
    result, origin = _once(doc, settings, options, shingler, protect)
    edits = list(result.edits)
    kept = list(result.kept)
    final: Doc | None = doc
    # Removing one copy can reveal another (a caption doubled inside a line, then
    # equal to a caption elsewhere): clean again until nothing changes, so that
    # cleaning a cleaned article changes nothing.
    for _ in range(MAX_ROUNDS):
        if not result.edits:
            break
        analysed = _reanalyse(doc, result.text, settings, shingler)
        final = None
        again, again_origin = _once(analysed, settings, options, shingler, _moved(protect, origin))
        if again.text == result.text:
            final = analysed
            break
        edits.extend(_map_edit(e, origin, analysed, doc) for e in again.edits)
        known = {(e.kind, e.start, e.end) for e in kept}
        kept.extend(e for e in (_map_edit(e, origin, analysed, doc) for e in again.kept)
                    if (e.kind, e.start, e.end) not in known)
        origin = origin[again_origin]
        result = again
    if final is None:
        final = _reanalyse(doc, result.text, settings, shingler)
    removed = [(e.start, e.end) for e in edits if e.kind in ("paragraph", "sentence", "span")]
    kept = _outside(kept, removed)
    return Canonical(result.text, sorted(edits, key=lambda e: (e.start, e.kind != "join")),
                     doc=final, kept=sorted(kept, key=lambda e: (e.start, e.end))), origin


def _reanalyse(doc: Doc, text: str, settings: Settings, shingler: Shingler) -> Doc:
    """The analysis of a cleaned version of ``doc``'s article, which shares its memo."""
    analysed = analyze(replace(doc.article, text=text, language=doc.language), settings, shingler)
    analysed.memo = doc.memo
    return analysed


def _moved(spans: frozenset[tuple[int, int]], origin: np.ndarray) -> frozenset[tuple[int, int]]:
    """Spans of the original text, as offsets of a cleaned text whose characters come
    from ``origin`` (spans no longer there whole are left out)."""
    if not spans:
        return spans
    if len(origin) and bool(np.all(origin[1:] >= origin[:-1])):
        def at(offset: int) -> int | None:  # the last character from ``offset``, by binary search
            k = int(np.searchsorted(origin, offset, side="right")) - 1
            return k if k >= 0 and int(origin[k]) == offset else None
    else:  # a copy moved to the place of another (keep="longest"): origins out of order
        where = {int(o): k for k, o in enumerate(origin.tolist())}

        def at(offset: int) -> int | None:
            return where.get(offset)
    found = ((at(s), at(e - 1)) for s, e in spans)
    return frozenset((first, last + 1) for first, last in found if first is not None and last is not None)


def _unsupported(doc: Doc, canonical: Canonical, settings: Settings,
                 shingler: Shingler) -> frozenset[tuple[int, int]]:
    """The removals (their spans) with a sentence of ``min_words`` words or more that no
    single paragraph of the cleaned text contains."""
    final = canonical.doc
    if final is None:
        return frozenset()
    text = doc.article.text
    out = set()
    index = ShingleIndex(dict(enumerate(final.shingles)))
    for edit in canonical.edits:
        if edit.kind not in ("paragraph", "sentence") or edit.rule == "DUP104":
            continue
        spans = doc.sentences(edit.paragraph) if edit.kind == "paragraph" else [(edit.start, edit.end)]
        limit = edit.start + len(strip_trailer(text[edit.start:edit.end]))
        for start, end in spans:
            if start < edit.start or start >= limit:
                continue
            norm, sentence = doc.span(start, min(end, limit), shingler)
            if len(words(norm)) < settings.min_words:
                continue
            if not any(contained(sentence, final.shingles[k]) >= settings.containment
                       for k in index.holding(sentence)):
                out.add((edit.start, edit.end))
                break
    return frozenset(out)


def _map_edit(edit: Edit, origin: np.ndarray, current: Doc, original: Doc) -> Edit:
    """An edit of a cleaned text (analysed as ``current``), with offsets, paragraphs and
    sentences of the ``original`` text."""
    def at(offset: int) -> int:
        return int(origin[offset]) if offset < len(origin) else int(origin[-1]) + 1 if len(origin) else 0

    start = at(edit.start)
    end = at(edit.end - 1) + 1 if edit.end > edit.start else start
    paragraph = _paragraph_at(original, start)
    sentence = None
    if edit.sentence is not None:
        sentence = next((k for k, (s, e) in enumerate(original.sentences(paragraph)) if s <= start < e),
                        edit.sentence)
    kept_paragraph = edit.kept_paragraph
    if kept_paragraph is not None and kept_paragraph < len(current.paragraphs):
        kept_paragraph = _paragraph_at(original, at(current.paragraphs[kept_paragraph].start))
    return replace(edit, start=start, end=end, paragraph=paragraph, sentence=sentence,
                   kept_paragraph=kept_paragraph)


def _paragraph_at(doc: Doc, offset: int) -> int:
    """The paragraph of ``doc`` that holds ``offset`` (or the last one that starts before it)."""
    return max(0, bisect.bisect_right(doc.starts, offset) - 1)


def _once(doc: Doc, settings: Settings, options: CleanOptions, shingler: Shingler,
          protect: frozenset[tuple[int, int]] = frozenset()) -> tuple[Canonical, np.ndarray]:
    """One round of cleaning; the origin of each output character in ``doc``'s text."""
    n = len(doc.paragraphs)
    on = options.on
    keep = options.keep
    eligible = [i for i in range(n) if _eligible(doc, i, settings, options)]
    templates = template_paragraphs(doc, settings, shared_shingles(doc, eligible),
                                    structured=on("KEEP103"), data=on("KEEP104"))
    data = data_lines(doc, settings) if on("KEEP104") else set()
    paragraph_figures = [memo_figures(doc, norm) for norm in doc.norms]
    coverage = Coverage({i: doc.shingles[i] for i in range(n) if len(doc.shingles[i])},
                        dict(enumerate(paragraph_figures)))
    removed: dict[int, Edit] = {}
    kept: list[Edit] = []

    def keep_paragraph(i: int, code: str, best: int | None, share: float) -> None:
        p = doc.paragraphs[i]
        jaccard = overlap(doc.shingles[i], doc.shingles[best])[0] if best is not None else 0.0
        kept.append(Edit("paragraph", p.start, p.end, i, reason="kept", rule=code,
                         kept_paragraph=best, jaccard=jaccard, containment=share,
                         removed=doc.text_of(i), kept=doc.text_of(best) if best is not None else ""))

    for i in sorted(templates):
        share = coverage.covered_by_others(i, doc.shingles[i], set(paragraph_figures[i]))
        if share >= settings.containment:
            keep_paragraph(i, "KEEP104" if i in data else "KEEP103", _best_cover(doc, i, coverage), share)

    order = sorted((i for i in eligible if i not in templates),
                   key=lambda i: _preference(doc, i, keep), reverse=True)
    for i in order:
        if (doc.paragraphs[i].start, doc.paragraphs[i].end) in protect:
            continue  # its removal relied on text that goes too (KEEP113)
        shingles, figures = _substance(doc, i, shingler, on("DUP105"))
        share = coverage.covered_by_others(i, shingles, figures)
        if share >= settings.containment:
            best = _best_cover(doc, i, coverage)
            if i in data and (best is None or same_words(doc, best) != same_words(doc, i)):
                keep_paragraph(i, "KEEP104", best, share)
                continue  # a line of data goes only as a verbatim copy: its variants are content
            jaccard, _, _ = overlap(doc.shingles[i], doc.shingles[best]) if best is not None else (0.0, 0.0, 0)
            reason = "duplicate" if jaccard >= settings.threshold else (
                "contained" if best is not None and contained(doc.shingles[i], doc.shingles[best]) >= settings.containment
                else "covered")
            code = _PARAGRAPH_RULES[reason]
            if shingles is not doc.shingles[i] and coverage.covered_by_others(
                    i, doc.shingles[i], set(paragraph_figures[i])) < settings.containment:
                code = "DUP105"  # a copy only once its credit is left out
            if not on(code):
                continue
            if reason == "contained" and best is not None \
                    and _lifted(doc, i, best, jaccard, settings, shingler, options):
                keep_paragraph(i, "KEEP106" if jaccard >= MIN_CONTAINED_JACCARD else "KEEP105", best, share)
                continue  # a pull quote: a sentence lifted from a long paragraph
            if reason == "contained" and best is not None and jaccard < MIN_CONTAINED_JACCARD \
                    and on("KEEP114") and not _said_verbatim(doc, i, best, on("DUP105")):
                keep_paragraph(i, "KEEP114", best, share)
                continue  # a part with its words changed was written, not pasted
            if best is not None and on("KEEP115") and _display_quote(doc, i) != _display_quote(doc, best):
                keep_paragraph(i, "KEEP115", best, share)
                continue  # a pull quote and the text it quotes: two roles, not two copies
            if on("KEEP112") and not _each_sentence_kept(doc, i, coverage, settings, shingler):
                keep_paragraph(i, "KEEP112", best, share)
                continue  # it says something no single kept paragraph says: only repeats go
            if best is not None and best > i and keep != "longest" and on("KEEP110") and on("DUP201") \
                    and _sentences_repeat(doc, i, best, settings, shingler, options):
                continue  # the later paragraph repeats it in whole sentences: those go instead
            p = doc.paragraphs[i]
            removed[i] = Edit("paragraph", p.start, p.end, i, reason=reason, kept_paragraph=best, rule=code,
                              jaccard=jaccard, containment=share,
                              removed=doc.text_of(i), kept=doc.text_of(best) if best is not None else "")
            coverage.replace(i, None, None)

    if on("DUP104"):
        _remove_runs(doc, settings, removed, coverage, options)
    if on("DUP106"):
        _remove_short_blocks(doc, settings, removed, templates, coverage)
    if on("KEEP101"):
        first: dict[str, int] = {}
        for i in range(n):
            if doc.is_short(i, settings) and i not in removed:
                if doc.norms[i] in first:
                    keep_paragraph(i, "KEEP101", first[doc.norms[i]], 1.0)
                else:
                    first[doc.norms[i]] = i
    moves = _moves(doc, removed) if keep == "longest" else {}
    # A paragraph moved whole is edited inside in the next round, at its new place.
    whole = {**removed, **moves}
    sentence_edits = _remove_sentences(doc, settings, whole, templates, coverage, shingler,
                                       options, kept, protect) if on("DUP201") else []
    sentence_edits += _span_edits(doc, settings, whole, templates, sentence_edits, options, kept)
    joins = _joins(doc, whole, sentence_edits) if on("FIX101") else []
    edits = sorted([*removed.values(), *sentence_edits, *joins, *moves.values()],
                   key=lambda e: (e.start, e.kind != "join"))
    text, origin = _render(doc, removed, sentence_edits, joins, moves)
    return Canonical(text, edits, kept=kept), origin


_PARAGRAPH_RULES = {"duplicate": "DUP101", "contained": "DUP102", "covered": "DUP103"}


def _eligible(doc: Doc, i: int, settings: Settings, options: CleanOptions) -> bool:
    """Whether paragraph ``i`` may be compared and removed on its own: long prose
    (KEEP101 keeps short lines, KEEP102 structure)."""
    paragraph = doc.paragraphs[i]
    if paragraph.structural and options.on("KEEP102"):
        return False
    return doc.nwords[i] >= (settings.min_words if options.on("KEEP101") else 1)


def _substance(doc: Doc, i: int, shingler: Shingler, trim: bool = True) -> tuple[np.ndarray, set[str]]:
    """Paragraph ``i``'s shingles and figures without a trailing photo credit ("Photo:
    John Locher, AP", "[File: Reuters]") or the word an ellipsis cut ("airport
    termin..."): a caption or teaser that repeats the text otherwise is a copy (DUP105)."""
    text = doc.text_of(i)
    trimmed = strip_trailer(text) if trim else text
    if trimmed == text:
        return doc.shingles[i], set(memo_figures(doc, doc.norms[i]))
    norm = normalize(trimmed)
    return shingler.from_units(shingler.units(norm)), set(figures_of(norm))


def _each_sentence_kept(doc: Doc, i: int, coverage: Coverage, settings: Settings,
                        shingler: Shingler) -> bool:
    """Whether every sentence of paragraph ``i`` (of ``min_words`` words or more, up to a
    trailing credit) is contained in one single kept paragraph: a near-copy that adds a
    sentence, or a list item whose parts are scattered over other items, is not a copy."""
    base = doc.paragraphs[i].start
    limit = base + len(strip_trailer(doc.text_of(i)))
    for start, end in doc.sentences(i):
        if start >= limit:
            break
        norm, sentence = doc.span(start, min(end, limit), shingler)
        if len(words(norm)) < settings.min_words:
            continue
        figures = set(figures_of(norm))
        if not any(contained(sentence, coverage.sets[k]) >= settings.containment
                   and figures <= set(coverage.figures[k]) for k in coverage.sharing(sentence) if k != i):
            return False
    return True


def _preference(doc: Doc, i: int, keep: str) -> tuple[float, ...]:
    """Higher is tried for removal first: the least preferred copy."""
    if keep == "longest":
        return (-len(doc.shingles[i]), i)
    return (i,)


def _best_cover(doc: Doc, i: int, coverage: Coverage) -> int | None:
    """The kept paragraph that contains most of ``i``; of equals, the most similar
    (an identical copy rather than a long paragraph quoting it), then the first."""
    best, best_key = None, (0.0, 0.0)
    size = len(doc.shingles[i])
    for k in coverage.sharing(doc.shingles[i]) if size else ():
        if k == i:
            continue
        jaccard, _, inter = overlap(doc.shingles[i], coverage.sets[k])
        key = (inter / size, jaccard)
        if key > best_key or (key == best_key and best is not None and k < best):
            best, best_key = k, key
    return best


def _display_quote(doc: Doc, i: int) -> bool:
    """Whether paragraph ``i`` is set apart as a quote: each of its lines starts with ">"."""
    lines = [line for line in doc.text_of(i).splitlines() if line.strip()]
    return bool(lines) and all(line.lstrip().startswith(">") for line in lines)


def _said_verbatim(doc: Doc, i: int, k: int, trim: bool) -> bool:
    """Whether paragraph ``i``'s words (without a trailing credit, with ``trim``) are one
    run of paragraph ``k``'s words, in the same order."""
    text = doc.text_of(i)
    own = words(normalize(strip_trailer(text)) if trim else doc.norms[i])
    return bool(own) and f" {' '.join(own)} " in f" {' '.join(words(doc.norms[k]))} "


def _lifted(doc: Doc, i: int, k: int, jaccard: float, settings: Settings, shingler: Shingler,
            options: CleanOptions) -> bool:
    """Whether paragraph ``i``, contained in ``k`` with this Jaccard, is a pull quote
    from it: a small part of ``k`` that is direct speech, a sentence (editors cut a
    quote's tail), or most of one sentence of ``k``; or a larger part that repeats,
    in quotes, what someone says in quotes in ``k`` (a writer's own sentence set in
    quotes beside it is a display quote, and the text has it). A headline inside a
    list of links is none of these."""
    text = doc.text_of(i)
    if jaccard >= MIN_CONTAINED_JACCARD:
        return options.on("KEEP106") and jaccard < MAX_QUOTE_JACCARD and bool(_QUOTED.match(text)) \
            and _speech_in(doc, i, k, settings, shingler)
    if not options.on("KEEP105"):
        return False
    if _QUOTED.match(text) or _SENTENCE_END.search(text):
        return True
    for start, end in doc.sentences(k):
        sentence = shingler.shingles(doc.article.text[start:end])
        if len(sentence) and contained(sentence, doc.shingles[i]) >= LIFTED_SHARE:
            return True
    return False


def _speech_in(doc: Doc, i: int, k: int, settings: Settings, shingler: Shingler) -> bool:
    """Whether paragraph ``i`` is contained in the quoted speech of paragraph ``k``."""
    quoted = [m.group(1) for m in _SPEECH.finditer(doc.text_of(k))]
    if not quoted:
        return False
    speech = shingler.shingles(" ".join(quoted))
    return contained(doc.shingles[i], speech) >= settings.containment


def _remove_runs(doc: Doc, settings: Settings, removed: dict[int, Edit], coverage: Coverage,
                 options: CleanOptions) -> None:
    """Short lines inside a pasted block go with it: a short paragraph next to a removed
    one whose kept twin has the same short line beside it."""
    # Passes over the paragraphs in order until one removes nothing. Only a paragraph
    # next to a removed one can go, so a pass visits those: the ones after a removal
    # in the same pass, the one before it in the next (a run grows one paragraph
    # backwards per pass, as a pass over every paragraph would have it).
    count = len(doc.paragraphs)
    visit = sorted({j for r in removed for j in (r - 1, r + 1) if 0 <= j < count})
    while visit:
        heapq.heapify(visit)
        seen: set[int] = set()
        again: set[int] = set()
        while visit:
            i = heapq.heappop(visit)
            if i in seen:
                continue
            seen.add(i)
            if i in removed or doc.paragraphs[i].structural or _eligible(doc, i, settings, options):
                continue
            twin = _aligned_twin(doc, i, removed)
            if twin is None:
                continue
            p = doc.paragraphs[i]
            removed[i] = Edit("paragraph", p.start, p.end, i, reason="run", kept_paragraph=twin, rule="DUP104",
                              removed=doc.text_of(i), kept=doc.text_of(twin))
            coverage.replace(i, None, None)
            if i + 1 < count:
                heapq.heappush(visit, i + 1)
            if i > 0:
                again.add(i - 1)
        visit = sorted(again)


def _remove_short_blocks(doc: Doc, settings: Settings, removed: dict[int, Edit],
                         templates: set[int], coverage: Coverage) -> None:
    """A block of short lines pasted again goes: a run of at least ``BLOCK_LINES`` short
    lines (``BLOCK_WORDS`` words in all) equal, in the same order, to an earlier run
    that is kept. Each of its lines has the same neighbours at both copies, which a
    line that recurs on purpose (a question before different answers) does not."""
    count = len(doc.paragraphs)
    free = [doc.is_short(i, settings) and i not in removed and i not in templates
            for i in range(count)]
    earlier: dict[str, list[int]] = {}
    copies = Counter(doc.norms[i] for i in range(count) if free[i])
    j = 0
    while j < count:
        if not free[j] or copies[doc.norms[j]] > BLOCK_COPIES:
            j += 1  # a block recurs at most BLOCK_COPIES times, so its first line does
            continue
        length, twin = 0, -1
        for i in earlier.get(doc.norms[j], []):  # at most BLOCK_COPIES - 1
            run = 0
            while (j + run < count and i + run < j and free[j + run] and free[i + run]
                   and doc.norms[i + run] == doc.norms[j + run]):
                run += 1
            if run > length:
                length, twin = run, i
        if (length >= BLOCK_LINES and sum(doc.nwords[j: j + length]) >= BLOCK_WORDS
                and not _in_form(doc, twin, j, length)):
            for k in range(length):
                p = doc.paragraphs[j + k]
                removed[j + k] = Edit("paragraph", p.start, p.end, j + k, reason="block",
                                      kept_paragraph=twin + k, rule="DUP106",
                                      removed=doc.text_of(j + k), kept=doc.text_of(twin + k))
                coverage.replace(j + k, None, None)
                free[j + k] = False
            j += length
            continue
        earlier.setdefault(doc.norms[j], []).append(j)
        j += 1


def _in_form(doc: Doc, first: int, second: int, length: int) -> bool:
    """Whether two copies of a block of ``length`` lines (at ``first`` and ``second``)
    are parts of a form: within ``BLOCK_GAP`` lines before both, or after both, the
    copies share another line (a label after a filled-in field), as the days of a
    meal plan do. A block pasted again shares nothing around its copies."""
    count = len(doc.paragraphs)

    def around(at: int, step: int) -> set[str]:
        lines = range(at - 1, max(-1, at - 1 - BLOCK_GAP), -1) if step < 0 else \
            range(at + length, min(count, at + length + BLOCK_GAP))
        return {doc.norms[k] for k in lines if doc.nwords[k]}

    return any(around(first, step) & around(second, step) for step in (-1, 1))


def _aligned_twin(doc: Doc, i: int, removed: dict[int, Edit]) -> int | None:
    for step in (-1, 1):
        neighbour = removed.get(i + step)
        if neighbour is None or neighbour.kept_paragraph is None:
            continue
        twin = neighbour.kept_paragraph - step
        if 0 <= twin < len(doc.paragraphs) and twin != i and twin not in removed \
                and doc.norms[twin] == doc.norms[i] and doc.text_of(twin).strip() == doc.text_of(i).strip():
            return twin
    return None


def _remove_sentences(doc: Doc, settings: Settings, removed: dict[int, Edit], templates: set[int],
                      coverage: Coverage, shingler: Shingler, options: CleanOptions,
                      kept: list[Edit], protect: frozenset[tuple[int, int]] = frozenset()) -> list[Edit]:
    """Sentences of kept paragraphs that the rest of the kept text already says (DUP201);
    repeated sentences a protection keeps are added to ``kept``."""
    edits: list[Edit] = []
    texts: dict[int, str] = {}

    def text_of(k: int) -> str:
        """One string per paragraph, however many edits name it (a line of thousands of
        sentences is named by each one it repeats)."""
        if k not in texts:
            texts[k] = doc.text_of(k)
        return texts[k]

    def keep_sentence(i: int, k: int, code: str, sentence_set: np.ndarray, share: float) -> None:
        start, end = doc.sentences(i)[k]
        at = _best_cover_set(i, sentence_set, coverage)
        kept.append(Edit("sentence", start, end, i, sentence=k, reason="kept", rule=code,
                         kept_paragraph=at, containment=share,
                         jaccard=contained(sentence_set, doc.shingles[at]) if at is not None else 0.0,
                         removed=doc.article.text[start:end],
                         kept=text_of(at) if at is not None else ""))

    def covered(i: int, k: int, exclude: Iterable[int] = ()) -> tuple[np.ndarray, float]:
        start, end = doc.sentences(i)[k]
        norm, sentence_set = doc.span(start, end, shingler)
        if _word_count(doc, norm) < settings.min_words:
            return _NONE, 0.0
        return sentence_set, coverage.covered_by_others(i, sentence_set, set(memo_figures(doc, norm)), exclude)

    candidates = [i for i in range(len(doc.paragraphs))
                  if i not in removed and i not in templates and _eligible(doc, i, settings, options)]
    doc.spans([span for i in candidates if len(doc.sentences(i)) > 1 for span in doc.sentences(i)], shingler)
    for i in sorted(candidates, key=lambda i: _preference(doc, i, options.keep), reverse=True):
        spans = doc.sentences(i)
        if len(spans) < 2:
            continue
        if options.on("KEEP108") and _EMBED.search(doc.text_of(i)):
            for k in range(len(spans)):  # an embedded post is quoted whole, even where it repeats
                sentence_set, share = covered(i, k)
                if share >= settings.containment:
                    keep_sentence(i, k, "KEEP108", sentence_set, share)
            continue
        quotes = _pull_quotes(doc, i, coverage, settings, shingler, options)
        kept_sentences = KeptSentences(doc, i, shingler)
        inner = _inner(doc, i, shingler) if options.on("DUP202") else None
        for k in reversed(range(len(spans))):
            start, end = spans[k]
            norm, sentence_set = doc.span(start, end, shingler)
            if inner is not None:
                inner.drop(k)
            if kept_sentences.count < 2 or (start, end) in protect:
                continue
            guard = _guard(doc.article.text[start:end], norm, settings, options, _word_count(doc, norm))
            if guard is not None:
                sentence_set, share = covered(i, k, quotes)
                if share >= settings.containment:
                    keep_sentence(i, k, guard, sentence_set, share)
                continue
            figures = set(memo_figures(doc, norm))
            share = coverage.covered_by_others(i, sentence_set, figures, quotes)
            code = "DUP201"
            if share < settings.containment and inner is not None:
                share = coverage.covered_by_others(i, sentence_set, figures, quotes, inner)
                code = "DUP202"
            if share < settings.containment:
                continue
            if options.on("KEEP115") and code == "DUP201":
                at = _best_cover_set(i, sentence_set, coverage)
                if at is not None and _display_quote(doc, i) != _display_quote(doc, at):
                    keep_sentence(i, k, "KEEP115", sentence_set, share)
                    continue  # said once as a pull quote and once in the text
            if kept_sentences.words_without(k) < settings.min_words and options.on("KEEP111"):
                keep_sentence(i, k, "KEEP111", sentence_set, share)
                continue  # what would be left is no new paragraph: an attribution, a label
            kept_sentences.remove(k, coverage)
            kept_at = i if code == "DUP202" else _best_cover_set(i, sentence_set, coverage)
            edits.append(Edit("sentence", start, end, i, sentence=k, reason="duplicate", rule=code,
                              kept_paragraph=kept_at, containment=share,
                              jaccard=contained(sentence_set, doc.shingles[kept_at]) if kept_at is not None else 0.0,
                              removed=doc.article.text[start:end],
                              kept=text_of(kept_at) if kept_at is not None else ""))
        kept_sentences.settle(coverage)
    return edits


def _inner(doc: Doc, i: int, shingler: Shingler) -> InnerSentences:
    """The shingles and figures of each sentence of paragraph ``i``."""
    spans = [doc.span(start, end, shingler) for start, end in doc.sentences(i)]
    return InnerSentences([shingles for _, shingles in spans], [figures_of(norm) for norm, _ in spans])


def _span_edits(doc: Doc, settings: Settings, removed: dict[int, Edit], templates: set[int],
                sentence_edits: list[Edit], options: CleanOptions, kept: list[Edit]) -> list[Edit]:
    """Copies of text doubled inside a paragraph, then of runs pasted into two, in
    the prose paragraphs kept whole so far (see :mod:`dedup.clean.spans`). A pasted
    run that is a line of data (a meal's portions under every meal of a plan on one
    line) is a template filled in again, not headlines: it is kept (KEEP104)."""
    edits: list[Edit] = []
    parsed = doc.memo.parsed if doc.memo is not None else {}

    def words_of(i: int) -> Words:
        text = doc.text_of(i)
        found = parsed.get(text)
        if found is None:
            found = parsed[text] = Words.of(text)
        assert isinstance(found, Words)
        return found

    def kept_whole() -> dict[int, Words]:
        touched = {e.paragraph for e in [*sentence_edits, *edits]}
        return {i: words_of(i) for i, p in enumerate(doc.paragraphs)
                if i not in removed and i not in templates and i not in touched
                and p.kind == "prose" and doc.nwords[i] >= 2 * settings.min_words}

    doubled = {code for code in ("DUP301", "DUP302", "DUP303") if options.on(code)}
    if doubled:
        for i, paragraph_words in kept_whole().items():
            edits += [_span_edit(doc, run, "doubled")
                      for run in doubled_runs(i, paragraph_words, settings.min_words,
                                              MIN_REFRAIN_WORDS, doubled)]
    if options.on("DUP304"):
        for run in pasted_runs(kept_whole(), settings.min_words):
            edit = _span_edit(doc, run, "pasted")
            if options.on("KEEP104") and is_data_line(normalize(edit.removed)):
                kept.append(replace(edit, reason="kept", rule="KEEP104"))
            else:
                edits.append(edit)
    return edits


def _span_edit(doc: Doc, run: Run, reason: str) -> Edit:
    start = doc.paragraphs[run.paragraph].start
    return Edit("span", start + run.cut_from, start + run.cut_to, run.paragraph, reason=reason, rule=run.rule,
                kept_paragraph=run.kept_paragraph, kept=run.kept,
                removed=doc.article.text[start + run.cut_from:start + run.cut_to])


def _pull_quotes(doc: Doc, i: int, coverage: Coverage, settings: Settings, shingler: Shingler,
                 options: CleanOptions) -> list[int]:
    """Kept paragraphs that are a sentence lifted from paragraph ``i``: they do not
    make that sentence redundant in ``i``, where it belongs.

    One is a small part of ``i`` (Jaccard under ``min_jaccard``) that lies almost wholly
    inside it, or (KEEP105) that holds one whole sentence of ``i`` and is mostly text
    of ``i`` (``lifted_share``): a title that adds a name and the site's to the sentence
    it quotes ("Sheila Atim: ... | RosaMag").
    """
    own = doc.shingles[i]
    smaller = [(k, s) for k in coverage.sharing(own) if k != i and 0 < len(s := coverage.sets[k]) < len(own)]
    if not smaller:
        return []
    members = set(own.tolist())
    sentences: list[np.ndarray] | None = None
    quotes = []
    for k, s in smaller:
        shared = sum(map(members.__contains__, s.tolist()))
        jaccard, inside = shared / (len(s) + len(own) - shared), shared / len(s)
        if jaccard >= MIN_CONTAINED_JACCARD or inside < LIFTED_SHARE:
            continue
        if inside >= 0.9:
            quotes.append(k)
        elif options.on("KEEP105"):
            if sentences is None:
                sentences = [doc.span(start, end, shingler)[1] for start, end in doc.sentences(i)]
            if any(len(sentence) and contained(sentence, s) >= settings.containment
                   for sentence in sentences):
                quotes.append(k)
    return quotes


def _sentences_repeat(doc: Doc, i: int, k: int, settings: Settings, shingler: Shingler,
                      options: CleanOptions) -> bool:
    """Whether paragraph ``i`` is repeated in ``k`` as whole sentences (so that removing
    those sentences from ``k`` keeps the earlier copy and loses nothing)."""
    repeated = []
    for start, end in doc.sentences(k):
        norm, sentence = doc.span(start, end, shingler)
        if len(sentence) and contained(sentence, doc.shingles[i]) >= settings.containment:
            if not _may_go(doc.article.text[start:end], norm, settings, options):
                return False  # the sentence pass would keep it: this copy goes instead
            repeated.append(sentence)
    if not repeated or len(repeated) == len(doc.sentences(k)):
        return False
    return contained(doc.shingles[i], unique(np.concatenate(repeated))) >= settings.containment


def _may_go(sentence: str, norm: str, settings: Settings, options: CleanOptions) -> bool:
    """Whether a sentence may be cut out of its paragraph: short ones ("I agree.",
    "Best song of the year?") recur on purpose (KEEP109), and direct speech repeated
    inside a paragraph is the writer's choice (KEEP107)."""
    return _guard(sentence, norm, settings, options) is None


def _guard(sentence: str, norm: str, settings: Settings, options: CleanOptions,
           count: int | None = None) -> str | None:
    """The protection that keeps a sentence in its paragraph, if any (a sentence under
    ``min_words`` words is never compared, whatever the rules). ``count`` is the
    number of words of ``norm``, when known."""
    if count is None:
        count = len(words(norm))
    if count < settings.min_words:
        return "KEEP109"
    if options.on("KEEP109") and count < MIN_SENTENCE_WORDS:
        return "KEEP109"
    if options.on("KEEP107") and _QUOTED.match(sentence):
        return "KEEP107"
    return None


def _word_count(doc: Doc, norm: str) -> int:
    """How many words ``norm`` has, kept for the later rounds of cleaning ``doc``."""
    if doc.memo is None:
        return len(words(norm))
    found = doc.memo.word_counts.get(norm)
    if found is None:
        found = doc.memo.word_counts[norm] = len(words(norm))
    return found


def _best_cover_set(owner: int, shingles: np.ndarray, coverage: Coverage) -> int | None:
    best, best_share = None, 0.0
    for k in coverage.sharing(shingles):
        if k != owner:
            share = contained(shingles, coverage.sets[k])
            if share > best_share:
                best, best_share = k, share
    return best


def _moves(doc: Doc, removed: dict[int, Edit]) -> dict[int, Edit]:
    """Under ``keep="longest"``, the surviving copy takes the place of the first copy."""
    moves: dict[int, Edit] = {}
    for i, edit in sorted(removed.items()):
        k = edit.kept_paragraph
        if k is None or k < i or k in moves or edit.reason == "run":
            continue
        if edit.reason not in ("duplicate", "contained"):
            continue
        p = doc.paragraphs[k]
        moves[k] = Edit("moved", p.start, p.end, k, reason="longest", kept_paragraph=i, rule=edit.rule,
                        removed=doc.text_of(k), kept=doc.text_of(k))
    return moves


def _has_joins(doc: Doc) -> bool:
    """Whether a prose paragraph has a lost sentence boundary to repair (FIX101)."""
    return any(p.kind == "prose" and join_points(doc.text_of(i)) for i, p in enumerate(doc.paragraphs))


def _joins(doc: Doc, removed: dict[int, Edit], sentence_edits: list[Edit]) -> list[Edit]:
    gone = [(e.start, e.end) for e in sentence_edits]
    out = []
    for i, p in enumerate(doc.paragraphs):
        if i in removed or p.kind != "prose":
            continue
        body = doc.text_of(i)
        for point in join_points(body):
            at = p.start + point
            if any(s <= at <= e for s, e in gone):
                continue
            out.append(Edit("join", at, at, i, reason="lost boundary", rule="FIX101",
                            removed=body[max(0, point - 30): point + 30]))
    return out


def _render(doc: Doc, removed: dict[int, Edit], sentences: list[Edit], joins: list[Edit],
            moves: dict[int, Edit]) -> tuple[str, np.ndarray]:
    """The kept bytes, in order, with separators of removed paragraphs dropped."""
    text = doc.article.text
    paragraphs = doc.paragraphs
    cuts: list[tuple[int, int]] = []
    gone = set(removed) | set(moves)
    targets = {move.kept_paragraph: k for k, move in moves.items()}
    inserts: dict[int, list[tuple[str, np.ndarray]]] = {}
    for i in sorted(gone):
        p = paragraphs[i]
        if i in targets:  # the longest copy takes this place: swap the text, keep the separator
            cuts.append((p.start, p.end))
            moved = paragraphs[targets[i]]
            inserts.setdefault(p.start, []).append(
                (text[moved.start:moved.end], np.arange(moved.start, moved.end, dtype=np.int64)))
        elif any(j not in gone or j in targets for j in range(i + 1, len(paragraphs))):
            cuts.append((p.start, paragraphs[i + 1].start))
        else:
            before = [j for j in range(i) if j not in gone or j in targets]
            cuts.append((paragraphs[before[-1]].end if before else p.start, p.end))
    for edit in sentences:
        if edit.kind == "span":  # its own bounds already take the space before the next word
            cuts.append((edit.start, edit.end))
            continue
        spans = doc.sentences(edit.paragraph)
        k = edit.sentence if edit.sentence is not None else 0
        nxt = spans[k + 1][0] if k + 1 < len(spans) else None
        if nxt is not None:
            cuts.append((edit.start, nxt))
        else:
            cuts.append((spans[k - 1][1] if k > 0 else edit.start, edit.end))
    for join in joins:
        inserts.setdefault(join.start, []).append((" ", np.full(1, join.start, dtype=np.int64)))
    return _apply(text, cuts, inserts)


def _apply(text: str, cuts: list[tuple[int, int]],
           inserts: dict[int, list[tuple[str, np.ndarray]]]) -> tuple[str, np.ndarray]:
    """``text`` without the cut spans, with the inserts (each with the origin of its
    characters); and each output character's origin."""
    deleted = np.zeros(len(text) + 1, dtype=bool)
    for start, end in cuts:
        deleted[start:end] = True
    pieces: list[str] = []
    origins: list[np.ndarray] = []
    last = 0
    for point in sorted(set(inserts) | {len(text)}):
        keep = ~deleted[last:point]
        kept = np.flatnonzero(keep) + last
        if len(kept) < point - last:  # the runs of kept characters, as slices
            edges = np.flatnonzero(np.diff(np.concatenate(([False], keep, [False])).view(np.int8))) + last
            pieces.extend(text[start:end] for start, end in zip(edges[::2].tolist(), edges[1::2].tolist()))
        else:
            pieces.append(text[last:point])
        origins.append(kept)
        for inserted, origin in inserts.get(point, ()):
            pieces.append(inserted)
            origins.append(origin)
        last = point
    return "".join(pieces), np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64)
