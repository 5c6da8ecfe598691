"""Reporting a clean: the rich report (and its HTML copy), JSON, and unified diffs."""

from __future__ import annotations

import difflib
from typing import Any

from ..clean.engine import Edit
from ..errors import JSON_VERSION
from ..io.reader import display_name
from ..pipeline.clean import ArticleOutcome, CleanResult

CONTEXT = 80


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
                            "reason": "duplicate", "rule": "DUP401", "remove": "b"})
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


def render_rich(result: CleanResult, console: Any, elapsed: float | None = None,
                title: str = "dedup clean") -> None:
    """Per article, each removal in context beside the kept text it repeats; then a summary."""
    from rich import box
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    for outcome in result.articles:
        if outcome.duplicate is not None:
            console.print(f"[yellow]{escape(outcome.article.id)}[/yellow] repeats "
                          f"[green]{escape(outcome.duplicate.kept)}[/green] "
                          f"(J {outcome.duplicate.jaccard:.2f} · C {outcome.duplicate.containment:.2f}); "
                          "files are never deleted: remove it yourself if it is not wanted")
        if not outcome.changed:
            continue
        if outcome.dropped is not None:
            console.print(Panel(
                f"[red]dropped[/red] (DUP401): duplicates [green]{escape(outcome.dropped.kept)}[/green] "
                f"(J {outcome.dropped.jaccard:.2f} · C {outcome.dropped.containment:.2f})",
                title=f"[bold]{escape(outcome.article.id)}", title_align="left"))
            continue
        console.print(Panel(_edits_table(outcome, box, Table), title=f"[bold]{escape(outcome.article.id)}",
                            title_align="left"))
    table = Table(title=title, box=box.ROUNDED, show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in summary(result).items():
        table.add_row(name, f"{value:,}")
    table.add_row("errors", str(len(result.errors)))
    if elapsed is not None:
        table.add_row("time", f"{elapsed:.2f} s")
    console.print(table)


def _edits_table(outcome: ArticleOutcome, box: Any, table_class: Any) -> Any:
    from rich.text import Text

    text = outcome.article.text
    table = table_class(box=box.SIMPLE_HEAVY, expand=True, show_lines=True)
    table.add_column("removed, in context", ratio=6)
    table.add_column("kept text it repeats", ratio=5, style="green")
    table.add_column("why", ratio=2)
    for edit in outcome.canonical.edits:
        before = _squash(text[max(0, edit.start - CONTEXT):edit.start])
        after = _squash(text[edit.end:edit.end + CONTEXT])
        where = f"¶{edit.paragraph}" + (f" sentence {edit.sentence}" if edit.sentence is not None else "")
        if edit.kind == "join":
            cell = Text(f"{where}\n", style="bold") + Text("…" + before, style="dim") \
                + Text("␣", style="bold green") + Text(after + "…", style="dim")
            table.add_row(cell, "", "lost boundary: space put back")
            continue
        cell = Text(f"{where}\n", style="bold") + Text("…" + before, style="dim") \
            + Text(_squash(edit.removed), style="red strike") + Text(after + "…", style="dim")
        kept_at = f"¶{edit.kept_paragraph}\n" if edit.kept_paragraph is not None else ""
        kept = Text(kept_at, style="bold") + Text(_clip(_squash(edit.kept)))
        why = f"{edit.rule} {edit.kind} · {edit.reason}\nJ {edit.jaccard:.2f} · C {edit.containment:.2f}"
        if edit.kind == "moved":
            why = "the longest copy, moved to the first copy's place"
        table.add_row(cell, kept, why)
    return table


def _squash(text: str) -> str:
    """One line: paragraph breaks shown as ⏎, other whitespace collapsed to one space
    (kept at the ends: a span cut from a sentence shows the space it took)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    squashed = " ⏎ ".join(" ".join(line.split()) for line in lines)
    lead = " " if text[:1] in (" ", "\t") and not squashed.startswith(" ") else ""
    trail = " " if text[-1:] in (" ", "\t") and not squashed.endswith(" ") else ""
    return lead + squashed + trail


def _clip(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
