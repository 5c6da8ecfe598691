"""Scan's findings within one article, made from the cleaner's own decisions.

One engine: what ``dedup scan`` reports inside an article is exactly what
``dedup clean`` removes (each edit, with its rule code), plus the repeats the cleaner
kept on purpose, reported as informational findings with the protection (``KEEP1xx``)
that kept them. Repairs (a space put back) and moves are not duplicates and are left out.
"""

from __future__ import annotations

from typing import Literal

from ..detect.findings import Finding, Reason, Ref
from ..document import Doc, contained
from ..options import CleanOptions
from ..settings import Settings
from ..sketch.shingle import shared_shingler
from .engine import Canonical, Edit, canonicalize

_REMOVALS = ("paragraph", "sentence", "span")


def within_findings(doc: Doc, settings: Settings | None = None,
                    options: CleanOptions | None = None,
                    canonical: Canonical | None = None) -> list[Finding]:
    """Every repeat inside one article: what the cleaner removes, then what it keeps.

    Args:
        doc: the analysed article.
        settings: thresholds and shingles (the defaults when omitted).
        options: the rules switched on (``select`` / ``ignore``); the defaults when omitted.
        canonical: the cleaner's result for ``doc``, when it was already computed.

    Example:
        >>> from dedup import Article, analyze
        >>> text = "One two three four five six seven eight nine.\\nSomething else here.\\nOne two three four five six seven eight nine."
        >>> [(f.a.paragraph, f.b.paragraph, f.rule) for f in within_findings(analyze(Article("a", text, "a"), Settings()))]
        [(0, 2, 'DUP101')]
    """
    settings = settings or Settings()
    options = options or CleanOptions()
    if canonical is None:
        canonical = canonicalize(doc, settings, options)
    gone = {e.paragraph for e in canonical.edits if e.kind == "paragraph"}
    findings = [_finding(doc, edit, gone, settings, removed=True)
                for edit in canonical.edits if edit.kind in _REMOVALS]
    findings += [_finding(doc, edit, gone, settings, removed=False) for edit in canonical.kept]
    return sorted(findings, key=lambda f: (f.b.paragraph or 0, f.b.sentence or -1,
                                           f.a.paragraph or 0, f.start or 0))


def _kept_sentence(doc: Doc, edit: Edit, settings: Settings) -> int | None:
    """The sentence of the kept paragraph that holds most of a sentence ``edit`` names."""
    if edit.kept_paragraph is None:
        return None
    shingler = shared_shingler(settings.shingle, settings.ngram)
    mine = shingler.shingles(doc.article.text[edit.start:edit.end])
    shares = [contained(mine, shingler.shingles(doc.article.text[start:end]))
              for start, end in doc.sentences(edit.kept_paragraph)]
    if not shares or max(shares) == 0:
        return None
    return shares.index(max(shares))


def _finding(doc: Doc, edit: Edit, gone: set[int], settings: Settings, *, removed: bool) -> Finding:
    aid = doc.id
    here = Ref(aid, edit.paragraph, edit.sentence if edit.kind == "sentence" else None)
    other = edit.kept_paragraph
    there = Ref(aid, other, _kept_sentence(doc, edit, settings) if edit.kind == "sentence" else None) \
        if other is not None else Ref(aid)
    reason: Reason = _reason(edit) if removed else (
        "short" if edit.rule == "KEEP101" else "template" if edit.rule in ("KEEP103", "KEEP104")
        else "kept")
    earlier = other is None or other < edit.paragraph or (
        other == edit.paragraph and edit.kind != "paragraph")
    a, b = (there, here) if earlier else (here, there)
    remove: Literal["a", "b"] | None = ("b" if earlier else "a") if removed else None
    covered_by: tuple[Ref, ...] = ()
    if removed and edit.rule == "DUP103":
        covered_by = tuple(Ref(aid, k) for k in range(len(doc.paragraphs))
                           if k != edit.paragraph and k not in gone
                           and contained(doc.shingles[edit.paragraph], doc.shingles[k]) > 0)
    kind = "paragraph" if edit.kind == "paragraph" else "sentence" if edit.kind == "sentence" else "span"
    return Finding(kind, "within", a, b, edit.jaccard, edit.containment, reason,  # type: ignore[arg-type]
                   remove, covered_by, rule=edit.rule, start=edit.start, end=edit.end)


def _reason(edit: Edit) -> Reason:
    if edit.reason in ("duplicate", "contained", "covered", "run", "doubled", "pasted"):
        return edit.reason  # type: ignore[return-value]
    return "duplicate"
