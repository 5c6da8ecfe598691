"""Using a persistent index from the scan and clean pipelines.

``scan --index`` and ``clean --index`` compare the articles they read with the corpus
already in an index; ``--update-index`` adds them afterwards. Both work on the
analysed articles (``Doc``) the pipeline already holds, so nothing is read twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from ..detect.findings import Finding, Ref
from ..document import Doc, article_shingles
from ..settings import Settings
from ..sketch.shingle import Shingler
from . import DEFAULT_LOCATION, Match, MinHashIndex


def open_index(location: str | os.PathLike[str] | None, settings: Settings | None, *,
               create: bool, name: str = "dedup") -> MinHashIndex:
    """The index at ``location`` (default ``.dedup/index.sqlite``).

    Raises:
        dedup.index.IndexStoreError: the index is missing (and ``create`` is false),
            not an index, damaged, or made with incompatible ``settings``.
    """
    return MinHashIndex(location or DEFAULT_LOCATION, settings, name=name, create=create)


def doc_findings(index: MinHashIndex, doc: Doc, shingler: Shingler | None = None) -> list[Finding]:
    """Findings for one article against the index: ``a`` is the indexed copy, ``b`` the article.

    A whole-article match is reported once (the best); paragraphs of an article already
    matched as a whole are not repeated; each other paragraph reports its best match.
    The article's own key is left out, so re-scanning an indexed corpus finds nothing new.
    """
    matches = index.query_doc(doc, exclude=doc.id)
    findings: list[Finding] = []
    whole = [m for m in matches if m.kind == "article"]
    matched_articles = {m.article for m in whole}
    if whole:
        best = whole[0]
        size = len(article_shingles(doc, shingler or Shingler(index.settings.shingle,
                                                              index.settings.ngram)))
        findings.append(Finding("article", "across", Ref(best.article), Ref(doc.id),
                                best.jaccard, best.containment, best.reason,
                                "b" if best.reason == "duplicate" or size <= best.size else None,
                                rule="DUP401"))
    seen: set[int | None] = set()
    for match in matches:  # most similar first: the first per paragraph is its best
        if match.kind != "paragraph" or match.query in seen or match.article in matched_articles:
            continue
        seen.add(match.query)
        findings.append(_paragraph_finding(match, doc.id))
    return sorted(findings, key=_order)


def _paragraph_finding(match: Match, article: str) -> Finding:
    return Finding("paragraph", "across", Ref(match.article, match.paragraph),
                   Ref(article, match.query), match.jaccard, match.containment, match.reason, None,
                   rule="DUP402")


def _order(finding: Finding) -> tuple[int, int]:
    return (0 if finding.kind == "article" else 1,
            -1 if finding.b.paragraph is None else finding.b.paragraph)


def index_findings(index: MinHashIndex, docs: Iterable[Doc],
                   progress: Callable[[int], None] | None = None) -> list[Finding]:
    """Findings for many articles against the index, in the order given."""
    shingler = Shingler(index.settings.shingle, index.settings.ngram)
    findings: list[Finding] = []
    for doc in docs:
        findings.extend(doc_findings(index, doc, shingler))
        if progress is not None:
            progress(1)
    return findings


def update_index(index: MinHashIndex, docs: Iterable[Doc],
                 progress: Callable[[int], None] | None = None) -> int:
    """Add (or replace) the articles in the index; the number of entries stored."""
    return index.add_docs(docs, progress=progress)
