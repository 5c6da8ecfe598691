"""Reporting a clean: what it did as a :class:`~dedup.report.view.Report` (for the
terminal and the HTML page), as JSON, and as unified diffs."""

from __future__ import annotations

import difflib
from typing import Any

from ..clean.engine import Edit
from ..errors import JSON_VERSION
from ..io.reader import display_name
from ..pipeline.clean import ArticleOutcome, CleanResult
from .text import label_of, plural, rule_label, rule_of, size
from .view import ArticleView, Entry, Report

CONTEXT = 120  # characters of text kept around a removal (renderers show less)
REMOVALS = ("paragraph", "sentence", "span")
ARTICLE_RULE = "DUP401"  # a whole article that repeats a kept one


def edit_json(article: str, edit: Edit) -> dict[str, Any]:
    out: dict[str, Any] = {"article": article, "kind": edit.kind, "paragraph": edit.paragraph,
                           "reason": edit.reason, "rule": edit.rule, "start": edit.start, "end": edit.end}
    if edit.sentence is not None:
        out["sentence"] = edit.sentence
    if edit.kind != "join":
        kept: dict[str, Any] = {"article": article}
        if edit.kept_paragraph is not None:
            kept["paragraph"] = edit.kept_paragraph
        out.update(kept=kept, jaccard=round(edit.jaccard, 4),
                   containment=round(edit.containment, 4), removed=edit.removed)
    return out


def to_json(result: CleanResult) -> dict[str, Any]:
    articles: list[dict[str, Any]] = []
    edits: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for outcome in result.articles:
        aid = outcome.article.id
        articles.append({"id": aid, "paragraphs": outcome.paragraphs, "changed": outcome.changed})
        if outcome.duplicate is not None:
            articles[-1]["duplicate_of"] = outcome.duplicate.kept
        if outcome.dropped is not None:
            dropped.append({"kind": "article", "scope": "across", "a": {"article": outcome.dropped.kept},
                            "b": {"article": aid}, "jaccard": round(outcome.dropped.jaccard, 4),
                            "containment": round(outcome.dropped.containment, 4),
                            "reason": "duplicate", "rule": ARTICLE_RULE, "remove": "b"})
            continue
        edits.extend(edit_json(aid, e) for e in outcome.canonical.edits)
    return {"version": JSON_VERSION, "articles": articles, "edits": edits, "dropped": dropped,
            "errors": [{"input": e.input, "message": e.message} for e in result.errors]}


def diff(result: CleanResult) -> str:
    """A unified diff of every file that would change."""
    chunks = []
    for outcome in result.files:
        if not outcome.changed:
            continue
        old = outcome.old.decode(outcome.encoding, "replace").splitlines(keepends=True)
        new = outcome.new.decode(outcome.encoding, "replace").splitlines(keepends=True)
        name = display_name(outcome.path)
        lines = list(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))
        chunks.append("".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                              for line in lines))
    return "".join(chunks)


def summary(result: CleanResult) -> dict[str, int]:
    outcomes = result.articles
    removals = [e for o in outcomes if o.dropped is None for e in o.canonical.edits]
    return {
        "articles": len(outcomes),
        "changed": sum(1 for o in outcomes if o.changed),
        "paragraphs removed": sum(1 for e in removals if e.kind == "paragraph"),
        "sentences removed": sum(1 for e in removals if e.kind in ("sentence", "span")),
        "joins repaired": sum(1 for e in removals if e.kind == "join"),
        "articles dropped": sum(1 for o in outcomes if o.dropped is not None),
        "duplicate files kept": sum(1 for o in outcomes if o.duplicate is not None),
        "bytes saved": sum(f.bytes_saved for f in result.files),
    }


def report(result: CleanResult, *, dry_run: bool = False, elapsed: float | None = None) -> Report:
    """What the clean did (or, with ``dry_run``, would do), article by article."""
    articles = [view for view in map(article_view, result.articles) if view is not None]
    figures = summary(result)
    changed = figures["changed"]
    edits = sum(len(a.entries) for a in articles)
    parts = [f"{changed:,} {'would change' if dry_run else 'changed'}"]
    if figures["articles dropped"]:
        parts.append(f"{plural(figures['articles dropped'], 'record')} dropped")
    if figures["duplicate files kept"]:
        parts.append(f"{plural(figures['duplicate files kept'], 'duplicate file')} kept")
    parts.append(plural(edits, "edit"))
    parts.append(f"{size(figures['bytes saved'])} {'less' if not dry_run else 'to remove'}")
    headline = ", ".join([plural(figures["articles"], "article"), *parts])
    return Report(title="dedup clean", headline=headline, articles=articles,
                  total_articles=figures["articles"], totals=list(figures.items()),
                  errors=list(result.errors), elapsed=elapsed)


def article_view(outcome: ArticleOutcome) -> ArticleView | None:
    """One article's line and entries; ``None`` when nothing happened to it."""
    aid, text = outcome.article.id, outcome.article.text
    whole = outcome.dropped or outcome.duplicate
    if whole is not None:
        scores = f"J {whole.jaccard:.2f} · C {whole.containment:.2f}"
        if outcome.dropped is not None:
            gone = Entry(rule=ARTICLE_RULE, label=rule_label(ARTICLE_RULE), reason="duplicate",
                         kind="article", where=f"dropped: repeats {whole.kept}", scores=scores,
                         removed=text, bytes=len(text.encode("utf-8")))
            return ArticleView(aid, f"dropped: repeats {whole.kept}", gone.bytes, entries=[gone])
        kept = Entry(rule=ARTICLE_RULE, label=rule_label(ARTICLE_RULE), reason="duplicate",
                     kind="article", where=f"repeats {whole.kept}; kept (a file is never deleted: remove it "
                           "yourself if it is not wanted)", scores=scores, removed=text,
                     marked=False)
    entries = [entry(text, e) for e in outcome.canonical.edits]
    if whole is not None:
        entries.insert(0, kept)
    if not entries:
        return None
    what = what_changed(outcome.canonical.edits)
    if whole is not None:
        what = ", ".join(filter(None, [f"repeats {whole.kept}", what]))
    return ArticleView(aid, what, sum(e.bytes for e in entries), entries=entries)


def what_changed(edits: list[Edit]) -> str:
    """``−2 ¶, −1 sentence, 1 join``: one article's edits by kind."""
    counts: dict[str, int] = {}
    for edit in edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + 1
    words = {"paragraph": ("−", "¶", "¶"), "sentence": ("−", "sentence", "sentences"),
             "span": ("−", "span", "spans"), "join": ("", "join", "joins"),
             "moved": ("", "move", "moves")}
    parts = []
    for kind, (sign, one, many) in words.items():
        if counts.get(kind):
            n = counts[kind]
            parts.append(f"{sign}{n:,} {one if n == 1 else many}")
    return ", ".join(parts)


def entry(text: str, edit: Edit) -> Entry:
    """An edit as a person reads it: where, why, and the text around it."""
    before = text[max(0, edit.start - CONTEXT):edit.start]
    after = text[edit.end:edit.end + CONTEXT]
    at = f"¶{edit.paragraph}" + (f" sentence {edit.sentence}" if edit.sentence is not None else "")
    kept_at = f"¶{edit.kept_paragraph}" if edit.kept_paragraph is not None else ""
    scores = ""
    if edit.kind == "join":
        where, inserted, removed = f"{at}: a space put back", " ", ""
    elif edit.kind == "moved":
        where = f"{at} takes the longest copy, from ¶{edit.kept_paragraph}"
        inserted, removed, kept_at = "", edit.removed, ""
    else:
        inserted, removed = "", edit.removed
        if edit.reason == "run":
            where = f"{at}, beside removed text; kept at {kept_at}"
        elif edit.reason == "doubled":
            where = f"{at}: doubled in place"
        elif edit.reason == "pasted":
            where = f"{at}: pasted, kept in {kept_at}"
        elif edit.kind == "sentence":
            where = f"{at} repeats {kept_at}" if kept_at else f"{at} repeats the kept text"
            scores = f"C {edit.containment:.2f}"
        elif edit.reason == "covered":
            where = f"{at}: covered by the kept text" + (f", most of it in {kept_at}" if kept_at else "")
            scores = f"C {edit.containment:.2f}"
        else:
            where = f"{at} repeats {kept_at}" if kept_at else f"{at} repeats the kept text"
            scores = f"J {edit.jaccard:.2f} · C {edit.containment:.2f}"
    return Entry(rule=rule_of(edit), label=label_of(edit), reason=edit.reason, kind=edit.kind,
                 where=where, scores=scores, before=before, removed=removed, after=after, inserted=inserted,
                 kept=edit.kept if edit.kind not in ("join", "moved") else "", kept_where=kept_at,
                 bytes=len(removed.encode("utf-8")) if edit.kind in REMOVALS else 0)
