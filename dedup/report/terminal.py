"""A :class:`~dedup.report.view.Report` for the terminal: rich renderables, built here,
printed by the command line on a console it makes as late as it can.

By default: the summary (by rule, then one line per article), the details grouped
by article and rule with a few examples each ("and 12 more like this"), a legend of
the terms used, and one closing line. ``verbose`` shows every entry, with more
context and the kept text. ``plain`` (no colour: a file, a pipe, ``NO_COLOR``) marks
removed text ``[-like this-]`` and text put back ``{+like this+}``, as wdiff does.
Everything fits ``width`` columns.
"""

from __future__ import annotations

from typing import Any

from .text import (
    LEGEND,
    clip,
    common_folder,
    head,
    plural,
    printable,
    shorten_path,
    size,
    squash,
    tail,
)
from .view import ArticleView, Entry, Report, terms_used

EXAMPLES = 2  # entries shown per article and rule, by default
CONTEXT, VERBOSE_CONTEXT = 40, 80  # characters of context on each side
REMOVED, VERBOSE_REMOVED = 240, 0  # characters of removed text shown (0: all)
KEPT = 200  # characters of kept text shown with ``verbose``
INDENT_GROUP, INDENT_ENTRY, INDENT_TEXT = 2, 4, 6


class Indented:
    """A renderable shifted right by ``indent`` columns, wrapped to the width left,
    without the trailing spaces rich pads lines with."""

    def __init__(self, renderable: Any, indent: int) -> None:
        self.renderable, self.indent = renderable, indent

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        inner = options.update(width=max(1, options.max_width - self.indent))
        margin = Segment(" " * self.indent)
        for line in console.render_lines(self.renderable, inner, pad=False):
            while line and not line[-1].text.strip() and not line[-1].control:
                line.pop()  # the spaces a wrapped line ends with
            if line and not line[-1].control:
                line[-1] = Segment(line[-1].text.rstrip(), line[-1].style)
            yield margin
            yield from line
            yield Segment.line()


def render(report: Report, *, verbose: bool = False, plain: bool = False,
           width: int = 80) -> list[Any]:
    """The renderables of the report, in order."""
    from rich.text import Text

    out: list[Any] = []
    if report.articles:
        out += [Text("by rule", style="bold"), Indented(_rules(report), 0), Text("")]
        out += [*_articles(report, width), Text("")]
        shortened = False
        for article in report.articles:
            rendered, cut = _article(article, verbose=verbose, plain=plain, removes=report.removes)
            out += rendered
            shortened = shortened or cut
        out += _legend(report, plain=plain, verbose=verbose)
        if shortened:
            out.append(Text(f"{EXAMPLES} examples shown per article and rule: -v shows every "
                            "one, --html FILE writes a page to browse them all.", style="dim"))
    line = Text(f"{report.title}: ", style="bold") + Text(printable(report.headline))
    if report.errors:
        line += Text(f"; {plural(len(report.errors), 'error')}", style="red")
    if report.elapsed is not None:
        line += Text(f" ({report.elapsed:.2f} s)", style="dim")
    out.append(line)
    return [item if isinstance(item, Indented) else Indented(item, 0) for item in out]


def _rules(report: Report) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("rule", overflow="fold")
    table.add_column("kind")
    table.add_column("count", justify="right")
    table.add_column("articles", justify="right")
    if report.removes:
        table.add_column("bytes", justify="right")
    for row in report.rules:
        cells = [printable(row.label), row.kind, f"{row.count:,}", f"{row.articles:,}"]
        if report.removes:
            cells.append(size(row.bytes) if row.bytes else "")
        table.add_row(*map(Text, cells))  # text, not markup
    return table


def _articles(report: Report, width: int) -> list[Any]:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    folder = common_folder([a.id for a in report.articles])
    what_width = min(34, max(len(a.what) for a in report.articles))
    bytes_width = 8 if report.removes else 0
    # Gaps of one column between the columns, none at the edges.
    name_width = max(12, width - what_width - bytes_width - 2 - (1 if report.removes else 0))
    title = f"by article ({len(report.articles):,} of {report.total_articles:,})"
    if folder:
        title += f" in {shorten_path(folder, max(12, width - len(title) - 4))}"
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("article", no_wrap=True, max_width=name_width)
    table.add_column("what", overflow="fold", min_width=what_width, max_width=what_width)
    if report.removes:
        table.add_column("bytes", justify="right", no_wrap=True, min_width=bytes_width)
    for article in report.articles:
        cells = [shorten_path(article.id[len(folder):], name_width), printable(article.what)]
        if report.removes:
            cells.append(size(article.bytes) if article.bytes else "")
        table.add_row(*map(Text, cells))  # text, not markup
    return [Text(printable(title), style="bold"), Indented(table, 0)]


def _article(article: ArticleView, *, verbose: bool, plain: bool,
             removes: bool) -> tuple[list[Any], bool]:
    """An article's heading line, its note, then its entries by rule; and whether
    some entries were left out."""
    from rich.text import Text

    heading = Text(printable(article.id), style="bold") + Text("  " + printable(article.what), style="dim")
    out: list[Any] = [heading]
    cut = False
    for (_, kind), entries in article.groups():
        label = Text(f"{printable(entries[0].label)} · {kind}", style="bold cyan") \
            + Text(f" ×{len(entries)}" if len(entries) > 1 else "")
        removed = sum(e.bytes for e in entries)
        if removes and removed:
            label += Text(f"  {size(removed)}", style="dim")
        out.append(Indented(label, INDENT_GROUP))
        shown = entries if verbose else entries[:EXAMPLES]
        for entry in shown:
            out += _entry(entry, verbose=verbose, plain=plain)
        if len(shown) < len(entries):
            cut = True
            more = len(entries) - len(shown)
            out.append(Indented(Text(f"and {more:,} more like this", style="dim italic"),
                                INDENT_ENTRY))
    out.append(Text(""))
    return out, cut


def _entry(entry: Entry, *, verbose: bool, plain: bool) -> list[Any]:
    from rich.text import Text

    where = Text(printable(entry.where))
    if entry.scores:
        where += Text(" · " + entry.scores, style="dim")
    out: list[Any] = [Indented(where, INDENT_ENTRY)]
    if entry.before or entry.removed or entry.after or entry.inserted:  # the text, when known
        out.append(Indented(context(entry, verbose=verbose, plain=plain), INDENT_TEXT))
    if verbose and entry.kept:
        kept = Text(f"kept {entry.kept_where}: " if entry.kept_where else "kept: ", style="bold") \
            + Text(clip(squash(entry.kept), KEPT), style="green")
        out.append(Indented(kept, INDENT_TEXT))
    return out


def context(entry: Entry, *, verbose: bool = False, plain: bool = False) -> Any:
    """The entry's text in its context, the removed part struck out (and, in plain
    text, between ``[-`` and ``-]``)."""
    from rich.text import Text

    around = VERBOSE_CONTEXT if verbose else CONTEXT
    limit = VERBOSE_REMOVED if verbose else REMOVED
    text = Text()
    if entry.before:
        text.append(tail(squash(entry.before), around), style="dim")
    if entry.removed:
        style = "red strike" if entry.marked else "yellow"
        opening, closing = ("[-", "-]") if plain and entry.marked else ("", "")
        text.append(opening, style="bold red")
        text.append(clip(squash(entry.removed), limit), style=style)
        text.append(closing, style="bold red")
    if entry.inserted:
        text.append(f"{{+{entry.inserted}+}}" if plain else "␣", style="bold green")
    if entry.after:
        text.append(head(squash(entry.after), around), style="dim")
    return text


def _legend(report: Report, *, plain: bool, verbose: bool) -> list[Any]:
    """The terms this report uses, explained."""
    from rich.table import Table
    from rich.text import Text

    used = [term for term in terms_used(report, kept=verbose) if term in LEGEND]
    entries = [e for a in report.articles for e in a.entries]
    if plain and any(e.removed and e.marked for e in entries):
        used.append("[-text-]")
    if any(e.inserted for e in entries):
        used.append("{+ +}" if plain else "␣")
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for term in used:
        table.add_row(Text(term), Text(LEGEND[term]))
    return [Text("legend", style="bold"), Indented(table, 0), Text("")] if used else []
