"""Reporting a scan: the versioned JSON document, and the findings as a
:class:`~dedup.report.view.Report` for the terminal and the HTML page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..detect.findings import Finding, Ref
from ..errors import JSON_VERSION
from ..pipeline.scan import ScanResult
from .text import label_of, plural, rule_of
from .view import ArticleView, Entry, Report

PREVIEW = 400  # characters of a whole article shown
CONTEXT = 120  # characters of text kept around a cut inside a line


def to_json(result: ScanResult) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "articles": [{"id": aid, "paragraphs": count} for aid, count in result.articles],
        "findings": [f.to_json() for f in result.findings],
        "errors": [{"input": e.input, "message": e.message} for e in result.errors],
    }


def passage(result: ScanResult, ref: Ref, limit: int | None = PREVIEW) -> str:
    """The text a reference points at, if the scan kept the articles (a whole
    article's first ``limit`` characters)."""
    doc = result.docs.get(ref.article)
    if doc is None:
        return ""
    if ref.paragraph is None:
        return doc.article.text[:limit]
    if ref.sentence is not None:
        start, end = doc.sentences(ref.paragraph)[ref.sentence]
        return doc.article.text[start:end]
    return doc.text_of(ref.paragraph)


def _where(ref: Ref, with_article: bool) -> str:
    parts = [ref.article] if with_article else []
    if ref.paragraph is not None:
        parts.append(f"¶{ref.paragraph}")
    if ref.sentence is not None:
        parts.append(f"sentence {ref.sentence}")
    return " ".join(parts) or ref.article


def report(result: ScanResult, *, elapsed: float | None = None) -> Report:
    """The findings, grouped by the article that holds the later copy."""
    by_article: dict[str, list[tuple[Finding, Entry]]] = defaultdict(list)
    for finding in result.findings:
        by_article[_sides(finding)[0].article].append((finding, entry(result, finding)))
    articles = []
    for article_id, pairs in by_article.items():
        counts = {"within": 0, "across": 0, "kept": 0}
        for finding, _ in pairs:
            counts[finding.scope if finding.is_duplicate else "kept"] += 1
        what = ", ".join(f"{n:,} {name}" for name, n in counts.items() if n)
        articles.append(ArticleView(article_id, what, entries=[e for _, e in pairs]))
    dup = result.duplicates
    within = sum(1 for f in dup if f.scope == "within")
    across = len(dup) - within
    headline = ", ".join([
        plural(len(result.articles), "article"),
        plural(sum(n for _, n in result.articles), "paragraph"),
        f"{plural(len(dup), 'duplicate')} ({within:,} within, {across:,} across)",
        plural(len(result.findings) - len(dup), "legitimate repeat"),
    ])
    totals = [("articles", len(result.articles)), ("paragraphs", sum(n for _, n in result.articles)),
              ("within", within),
              ("across", sum(1 for f in dup if f.scope == "across" and f.kind != "article")),
              ("articles duplicated", sum(1 for f in dup if f.kind == "article")),
              ("legitimate repeats", len(result.findings) - len(dup))]
    return Report(title="dedup scan", headline=headline, articles=articles,
                  total_articles=len(result.articles), totals=totals, errors=list(result.errors),
                  elapsed=elapsed, removes=False)


def _sides(finding: Finding) -> tuple[Ref, Ref]:
    """``(redundant, other)``: the copy that would go (the later one when neither
    does), and the one it repeats."""
    return (finding.a, finding.b) if finding.remove == "a" else (finding.b, finding.a)


def entry(result: ScanResult, finding: Finding) -> Entry:
    """A finding as a person reads it: the redundant copy, and the one it repeats."""
    across = finding.scope == "across"
    redundant, other = _sides(finding)
    if finding.kind == "article":
        where = f"repeats {other.article}"
    else:
        where = f"{_where(redundant, False)} repeats {_where(other, across)}"
    if finding.covered_by:
        where += ", with " + ", ".join(_where(r, across) for r in finding.covered_by)
    if not finding.is_duplicate:
        where += f": kept ({finding.reason})"
    text, before, after = passage(result, redundant, limit=None), "", ""
    doc = result.docs.get(redundant.article)
    if finding.kind == "span" and finding.remove is not None and finding.start is not None \
            and finding.end is not None and doc is not None:
        # A cut inside a line: the cleaner's offsets name the copy, not its whole paragraph.
        whole = doc.article.text
        before = whole[max(0, finding.start - CONTEXT):finding.start]
        text, after = whole[finding.start:finding.end], whole[finding.end:finding.end + CONTEXT]
    return Entry(rule=rule_of(finding), label=label_of(finding), reason=finding.reason,
                 kind=finding.kind, where=where,
                 scores=f"J {finding.jaccard:.2f} · C {finding.containment:.2f}",
                 before=before, removed=text, after=after, kept=passage(result, other),
                 kept_where=_where(other, across), bytes=len(text.encode("utf-8")),
                 marked=finding.is_duplicate and finding.remove is not None)
