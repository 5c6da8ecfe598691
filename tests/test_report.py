"""The reports: pure text helpers, the terminal report, the HTML page (without a browser)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES

from dedup.clean.engine import Edit
from dedup.document import Article
from dedup.io.reader import iter_inputs
from dedup.options import CleanOptions
from dedup.pipeline.clean import clean_inputs
from dedup.pipeline.scan import scan
from dedup.report import clean as clean_report
from dedup.report import scan as scan_report
from dedup.report.html import page
from dedup.report.terminal import EXAMPLES, render
from dedup.report.text import clip, printable, rule_label, rule_of, shorten_path, squash
from dedup.report.view import ArticleView, Entry, Report
from dedup.settings import Settings

SETTINGS = Settings()
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\\x9b31m\u202e"

P = ["Since the storm reached the coast on Monday, emergency crews have worked around the clock to restore power.",
     "The mayor said in a briefing on Tuesday that more than twelve thousand households were still without electricity.",
     "Engineers from two neighbouring towns arrived with generators and pumps late in the evening on Wednesday.",
     "Schools in the three districts will stay closed until Friday while the water board checks the supply."]


def text_of(console_output: io.StringIO) -> str:
    return console_output.getvalue()


def show(report: Report, *, width: int = 80, verbose: bool = False, colour: bool = False) -> str:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, color_system="standard" if colour else None,
                      highlight=False)
    for renderable in render(report, verbose=verbose, plain=not colour, width=width):
        console.print(renderable)
    return out.getvalue()


def clean_result(tmp_path: Path, texts: dict[str, str], **options: str) -> object:
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return clean_inputs([str(tmp_path / n) for n in texts], SETTINGS, options=CleanOptions(**options))


# --- text helpers ------------------------------------------------------------------------------


def test_printable_makes_every_control_character_visible() -> None:
    shown = printable(ESCAPES)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e]", shown)
    assert shown.startswith("␛]0;pwned␇␛[2J") and "<U+009B>" in shown and "<U+202E>" in shown
    assert printable("a\tb\nc", keep_lines=True) == "a\tb\nc"
    assert printable("Größe – “quoted” ¶") == "Größe – “quoted” ¶"


def test_squash_clip_and_shorten_keep_what_a_reader_needs() -> None:
    assert squash(" One.\r\nTwo\t three.\n\nFour ") == " One. ⏎ Two three. ⏎ ⏎ Four "
    clipped = clip("a" * 300 + "b" * 300, 100)
    assert len(clipped) <= 100 and clipped.startswith("a") and clipped.endswith("b")
    assert "chars" in clipped and clip("short", 100) == "short"
    assert shorten_path("news/2019/november/0123456789abcdef.txt", 30).endswith("0123456789abcdef.txt")
    assert len(shorten_path("x" * 200, 30)) == 30


def test_entries_are_grouped_by_rule_code_and_named_from_the_registry() -> None:
    plain = Edit("paragraph", 0, 10, 2, reason="duplicate")
    coded = Edit("paragraph", 0, 10, 2, reason="duplicate", rule="DUP101")
    assert rule_of(plain) == "duplicate" and rule_of(coded) == "DUP101"
    text = "x" * 20
    assert clean_report.entry(text, coded).rule == "DUP101"
    assert clean_report.entry(text, coded).label == "DUP101 duplicate-paragraph"
    assert clean_report.entry(text, plain).label == "duplicate"
    assert rule_label("KEEP101") == "KEEP101 short-line"
    assert rule_label("XYZ999", "duplicate") == "XYZ999 duplicate"  # not in the registry


# --- the terminal report -----------------------------------------------------------------------


def many_edits(count: int) -> Report:
    """One article with ``count`` removed lines of one rule and one of another."""
    entries = [Entry(rule="run", label="run", reason="run", kind="paragraph", where=f"¶{10 + k}",
                     before="Menu\n", removed=f"Link number {k}", after="\nMore", bytes=14)
               for k in range(count)]
    entries.append(Entry(rule="duplicate", label="duplicate", reason="duplicate", kind="paragraph",
                         where="¶3 repeats ¶1", scores="J 1.00 · C 1.00", removed=P[1], bytes=len(P[1])))
    article = ArticleView("news/site/page.txt", f"−{count + 1} ¶", entries=entries)
    return Report(title="dedup clean", headline="1 article, 1 changed", articles=[article],
                  total_articles=1)


def test_the_default_report_shows_a_few_examples_per_rule_and_says_how_many_more() -> None:
    out = show(many_edits(40))
    assert out.count("Link number") == EXAMPLES
    assert f"and {40 - EXAMPLES} more like this" in out
    assert "-v shows every one" in out
    verbose = show(many_edits(40), verbose=True)
    assert verbose.count("Link number") == 40 and "more like this" not in verbose


def test_the_summary_comes_first_and_counts_by_rule_and_article() -> None:
    out = show(many_edits(40))
    rules = out.index("by rule")
    assert rules < out.index("by article") < out.index("news/site/page.txt  −41 ¶")
    rule_lines = out[rules:out.index("by article")].splitlines()
    assert any(re.match(r"run\s+paragraph\s+40\s+1\s+560 B$", line) for line in rule_lines)
    assert out.rstrip().endswith("dedup clean: 1 article, 1 changed")


def test_without_colour_removed_text_is_marked_and_the_legend_explains_it() -> None:
    out = show(many_edits(3))
    assert "[-Link number 0-]" in out
    assert "[-text-]" in out and "removed text" in out
    for term in ("¶N", "J ", "C ", "run", "duplicate", "⏎"):
        assert re.search(rf"^{re.escape(term.strip())}\s", out, re.M), term
    coloured = show(many_edits(3), colour=True)
    assert "[-" not in coloured and "\x1b[" in coloured


@pytest.mark.parametrize("width", [80, 60])
def test_every_line_fits_the_width(tmp_path: Path, width: int) -> None:
    name = "a-rather-long-file-name-of-a-scraped-page-about-the-storm-and-its-aftermath.txt"
    result = clean_result(tmp_path, {name: "\n".join([P[0], P[1], P[0] + " " + P[3], P[1], P[2]]) + "\n",
                                     "b.txt": "\n".join([P[2], P[2], P[3]]) + "\n"}, scope="within")
    for verbose in (False, True):
        out = show(clean_report.report(result, dry_run=True), width=width, verbose=verbose)
        assert max(len(line) for line in out.splitlines()) <= width
        assert not [line for line in out.splitlines() if line != line.rstrip()]


def test_escape_sequences_in_text_and_names_never_reach_the_terminal(tmp_path: Path) -> None:
    name = "evil\x1b]0;title\x07.txt"
    text = "\n".join([P[0], P[1] + ESCAPES, P[2], P[1] + ESCAPES]) + "\n"
    result = clean_result(tmp_path, {name: text}, scope="within")
    report = clean_report.report(result)
    assert report.articles and any(e.removed for e in report.articles[0].entries)
    for verbose in (False, True):
        for colour in (False, True):
            out = show(report, verbose=verbose, colour=colour)
            # Only rich's own colour codes (CSI ... m) may remain.
            assert not re.sub(r"\x1b\[[0-9;]*m", "", out).count("\x1b"), out
            assert "\x07" not in out and "\x9b" not in out and "\u202e" not in out
            assert "␛]0;pwned␇" in out or "␛]0;" in out


def test_markup_in_ids_and_text_is_shown_literally() -> None:
    entry = Entry(rule="[bold]r[/bold]", label="[bold]r[/bold]", reason="x", kind="paragraph",
                  where="¶1 repeats [link=x]¶0[/link]", removed="[red]text[/oops]")
    report = Report(title="dedup clean", headline="[b]1[/b]", total_articles=1,
                    articles=[ArticleView("[red]odd[/oops]", "[i]−1 ¶", entries=[entry])])
    out = show(report, verbose=True)
    for literal in ("[red]odd[/oops]", "[i]−1 ¶", "[bold]r[/bold]", "[red]text[/oops]", "[link=x]¶0[/link]"):
        assert literal in out


def test_scan_report_groups_by_the_copy_that_would_go_and_marks_it() -> None:
    text = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    result = scan([Article("a.txt", text, "a.txt")], SETTINGS, keep_docs=True)
    report = scan_report.report(result)
    out = show(report)
    assert "a.txt  2 within" in out
    assert "¶3 repeats ¶1 · J 1.00 · C 1.00" in out
    assert "[-The mayor said in a briefing" in out


def test_legitimate_repeats_are_shown_unmarked_as_kept() -> None:
    items = list(iter_inputs([str(FIXTURES / "interview.txt")]))
    result = scan(items, SETTINGS, keep_docs=True)
    out = show(scan_report.report(result))
    assert "kept (short)" in out or "kept (template)" in out
    kept = [line for line in out.splitlines() if line.startswith("      ")]
    assert kept and not any("[-" in line for line in kept)


# --- the HTML page -----------------------------------------------------------------------------


class Page(HTMLParser):
    """The ids, local links, external references and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src", "action", "data"):
            value = values.get(name)
            if value is None:
                continue
            if value.startswith("#"):
                self.links.append(value[1:])
            else:
                self.external.append(value)
        if tag == "link":
            self.external.append(str(values))


def parse(html: str) -> Page:
    parser = Page()
    parser.feed(html)
    return parser


def test_the_page_is_standalone_and_every_link_lands(tmp_path: Path) -> None:
    result = clean_result(tmp_path, {"a.txt": "\n".join([P[0], P[1], P[0], P[2]]) + "\n",
                                     "b.txt": "\n".join([P[2], P[3], P[3] + " " + P[1]]) + "\n"},
                          scope="within")
    html = page(clean_report.report(result, dry_run=True))
    doc = parse(html)
    assert html.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in html
    assert doc.external == [] and "<link" not in html and "@import" not in html
    anchors = [link for link in doc.links if "=" not in link]
    assert anchors and all(link in doc.ids for link in anchors)
    assert html.index('id="summary"') < html.index('id="articles"') < html.index('id="details"')
    assert doc.tags.count("details") == 2 and " open" not in html.split('id="details"')[1].split("<script")[0]
    assert 'href="#rule=DUP101&amp;kind=paragraph"' in html  # rule rows filter the page


def test_the_page_escapes_article_text_and_names(tmp_path: Path) -> None:
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    result = clean_result(tmp_path, {"x.txt": "\n".join([P[0], P[1] + evil, P[2], P[1] + evil]) + "\n"},
                          scope="within")
    html = page(clean_report.report(result))
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert parse(html).external == []


def test_the_page_costs_a_few_kb_per_article_beyond_the_text_it_shows() -> None:
    articles = []
    shown = 0
    for n in range(2000):
        entries = [Entry(rule=rule, label=rule, reason=rule, kind="paragraph", where=f"¶{k + 3} repeats ¶{k}",
                         scores="J 1.00 · C 1.00", before=P[0], removed=P[1], after=P[2], kept=P[1],
                         kept_where=f"¶{k}", bytes=len(P[1]))
                   for k, rule in enumerate(["duplicate", "contained", "run"])]
        shown += sum(len(e.before) + len(e.removed) + len(e.after) + len(e.kept) for e in entries)
        articles.append(ArticleView(f"news/2019/11/{n:05d}.txt", "−3 ¶", bytes=300, entries=entries))
    report = Report(title="dedup clean", headline="2,000 articles", articles=articles, total_articles=2000)
    html = page(report)
    overhead = (len(html.encode("utf-8")) - shown) / 2000
    assert overhead < 3000, overhead
    assert html.count("<details") == 2000
