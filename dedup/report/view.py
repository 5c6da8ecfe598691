"""What a report shows, whatever it is shown on: the terminal and the HTML page
render the same :class:`Report`, built from a clean or a scan result.

Texts here are raw article text: each renderer makes them printable, squashes and
shortens them to its own measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import InputError


@dataclass(frozen=True)
class Entry:
    """One edit (or finding), as a person reads it.

    ``removed`` is the text that goes (or, for a scan, the text that repeats), shown
    between ``before`` and ``after``; ``inserted`` is text put back (a join's space).
    ``marked`` says whether ``removed`` is really removed: a legitimate repeat is
    shown as it is.
    """

    rule: str  # what entries are grouped and filtered by: a rule code, else the reason
    label: str  # the rule as a person reads it ("duplicate", "DUP101 duplicate")
    reason: str  # the reason, explained by the legend
    kind: str  # paragraph, sentence, span, join, moved, article
    where: str  # "¶3 repeats ¶1"
    scores: str = ""  # "J 1.00 · C 1.00"
    before: str = ""
    removed: str = ""
    after: str = ""
    inserted: str = ""
    kept: str = ""  # the kept text it repeats
    kept_where: str = ""  # "¶1"
    bytes: int = 0  # bytes it removes
    marked: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.kind)


@dataclass
class ArticleView:
    """One article with something to show: a line saying what changed, then entries."""

    id: str
    what: str  # "−2 ¶, −1 sentence, 1 join"
    bytes: int = 0
    entries: list[Entry] = field(default_factory=list)

    def groups(self) -> list[tuple[tuple[str, str], list[Entry]]]:
        """Entries by (rule, kind), in order of first appearance."""
        out: dict[tuple[str, str], list[Entry]] = {}
        for entry in self.entries:
            out.setdefault(entry.key, []).append(entry)
        return list(out.items())


@dataclass(frozen=True)
class RuleRow:
    """One line of the summary by rule."""

    rule: str
    label: str
    kind: str
    count: int
    articles: int
    bytes: int


@dataclass
class Report:
    """Everything a report shows, in the order a reader wants it."""

    title: str  # "dedup clean"
    headline: str  # "88 articles: 20 changed, 40 edits, 3.6 KB removed"
    articles: list[ArticleView]
    total_articles: int
    totals: list[tuple[str, int]] = field(default_factory=list)  # the figures, by name
    errors: list[InputError] = field(default_factory=list)
    elapsed: float | None = None
    removes: bool = True  # a clean removes text; a scan only shows what repeats

    @property
    def rules(self) -> list[RuleRow]:
        return rule_rows(self.articles)


def rule_rows(articles: Iterable[ArticleView]) -> list[RuleRow]:
    """Counts and bytes by (rule, kind), the most frequent first."""
    count: dict[tuple[str, str], int] = {}
    where: dict[tuple[str, str], set[str]] = {}
    size: dict[tuple[str, str], int] = {}
    labels: dict[tuple[str, str], str] = {}
    for article in articles:
        for entry in article.entries:
            key = entry.key
            count[key] = count.get(key, 0) + 1
            where.setdefault(key, set()).add(article.id)
            size[key] = size.get(key, 0) + entry.bytes
            labels.setdefault(key, entry.label)
    rows = [RuleRow(rule, labels[(rule, kind)], kind, n, len(where[(rule, kind)]), size[(rule, kind)])
            for (rule, kind), n in count.items()]
    return sorted(rows, key=lambda r: (-r.count, r.rule, r.kind))


def terms_used(report: Report, *, kept: bool = False) -> list[str]:
    """The legend's terms this report uses (marks of removed text left to the
    renderer); with ``kept``, the kept texts are shown too."""
    entries = [e for a in report.articles for e in a.entries]
    if not entries:
        return []
    used = ["¶N"]
    if any("J " in e.scores for e in entries):
        used.append("J")
    if any("C " in e.scores for e in entries):
        used.append("C")
    used += sorted({e.reason for e in entries}, key=[e.reason for e in entries].index)
    if any("\n" in e.removed or "\n" in e.before or "\n" in e.after or (kept and "\n" in e.kept)
           for e in entries):
        used.append("⏎")
    return used
