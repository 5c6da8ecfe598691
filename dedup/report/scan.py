"""Rendering scan results: the versioned JSON document and the rich terminal report."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..detect.findings import Finding, Ref
from ..errors import JSON_VERSION
from ..pipeline.scan import ScanResult

PREVIEW = 400


def to_json(result: ScanResult) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "articles": [{"id": aid, "paragraphs": count} for aid, count in result.articles],
        "findings": [f.to_json() for f in result.findings],
        "errors": [{"input": e.input, "message": e.message} for e in result.errors],
    }


def passage(result: ScanResult, ref: Ref) -> str:
    """The text a reference points at, if the scan kept the articles."""
    doc = result.docs.get(ref.article)
    if doc is None:
        return ""
    if ref.paragraph is None:
        return doc.article.text[:PREVIEW]
    if ref.sentence is not None:
        start, end = doc.sentences(ref.paragraph)[ref.sentence]
        return doc.article.text[start:end]
    return doc.text_of(ref.paragraph)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _where(ref: Ref, with_article: bool) -> str:
    parts = [ref.article] if with_article else []
    if ref.paragraph is not None:
        parts.append(f"¶{ref.paragraph}")
    if ref.sentence is not None:
        parts.append(f"sentence {ref.sentence}")
    return " ".join(parts) or ref.article


def render_rich(result: ScanResult, console: Any, elapsed: float | None = None) -> None:
    """Per article: each duplicated passage beside the one it repeats; then a summary."""
    from rich import box
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    by_article: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_article[finding.b.article].append(finding)
    for article_id, findings in by_article.items():
        table = Table(box=box.SIMPLE_HEAVY, expand=True, show_lines=True)
        table.add_column("kept (earlier)", ratio=5, style="green")
        table.add_column("repeat (later)", ratio=5)
        table.add_column("similarity", ratio=2, no_wrap=False)
        for f in findings:
            across = f.scope == "across"
            left = Text(_where(f.a, across) + "\n", style="bold") + Text(_clip(passage(result, f.a)))
            style = "red" if f.remove == "b" else ("yellow" if f.is_duplicate else "dim")
            right = Text(_where(f.b, False) + "\n", style="bold") + Text(_clip(passage(result, f.b)),
                                                                         style=style)
            label = f"{f.rule} {f.kind} · {f.reason}\nJ {f.jaccard:.2f} · C {f.containment:.2f}"
            if not f.is_duplicate:
                label += "\nlegitimate repeat, kept"
            table.add_row(left, right, label)
        console.print(Panel(table, title=f"[bold]{escape(article_id)}", title_align="left"))
    summary = Table(title="dedup scan", box=box.ROUNDED)
    for column in ("articles", "paragraphs", "within", "across", "articles duplicated",
                   "legitimate repeats", "errors"):
        summary.add_column(column, justify="right")
    dup = result.duplicates
    summary.add_row(
        str(len(result.articles)), str(sum(n for _, n in result.articles)),
        str(sum(1 for f in dup if f.scope == "within")),
        str(sum(1 for f in dup if f.scope == "across" and f.kind != "article")),
        str(sum(1 for f in dup if f.kind == "article")),
        str(len(result.findings) - len(dup)), str(len(result.errors)),
    )
    console.print(summary)
    if elapsed is not None:
        console.print(f"[dim]{elapsed:.2f} s[/dim]")
