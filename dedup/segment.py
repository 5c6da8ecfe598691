"""Segmentation of an article into paragraphs, with the layout detected per article.

Paragraphs are character spans into the original text, so whatever is kept can be
written back exactly as it was. Three layouts are recognised:

* ``lines``: one paragraph per line (extractor outputs);
* ``blocks``: paragraphs separated by blank lines (BBC, Markdown), a block of
  hard-wrapped lines being one paragraph;
* ``indented``: hard-wrapped lines whose paragraphs start with an indented line
  (Reuters), where a run of one-line indented rows is a table, not prose.

Markdown structure (front matter, headings, fenced code, tables) becomes blocks of
its own kind and is never merged into prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["prose", "heading", "code", "table", "front_matter"]
Layout = Literal["lines", "blocks", "indented", "markdown"]
STRUCTURAL: frozenset[str] = frozenset({"heading", "code", "table", "front_matter"})

_LINE = re.compile(r"([^\r\n]*)(\r\n|\n|\r|$)")
_WRAP_MAX = 100
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}([-*+]|\d{1,9}[.)])\s+")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: ``text[start:end]`` of its article (no line terminator at the end)."""

    start: int
    end: int
    kind: Kind = "prose"

    @property
    def structural(self) -> bool:
        return self.kind in STRUCTURAL


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # end of content, before the terminator
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def indented(self) -> bool:
        return self.text[:1] in (" ", "\t") and not self.blank


def split_lines(text: str) -> list[_Line]:
    lines = []
    for match in _LINE.finditer(text):
        if match.start() == len(text) and not match.group(0):
            break
        lines.append(_Line(match.start(1), match.end(1), match.group(1)))
    return lines


def detect_layout(text: str, markdown: bool = False) -> Layout:
    """Guess how paragraphs are laid out in this one article."""
    lines = split_lines(text)
    if markdown or _has_front_matter(lines):
        return "markdown"
    content = [line for line in lines if not line.blank]
    if len(content) < 2:
        return "lines"
    if _looks_indented(content):
        return "indented"
    if any(line.blank for line in lines[1:-1]):
        return "blocks"
    return "lines"


def _has_front_matter(lines: list[_Line]) -> bool:
    return bool(lines) and lines[0].text.rstrip() == "---" and any(
        line.text.rstrip() in ("---", "...") for line in lines[1:60])


def _looks_indented(content: list[_Line]) -> bool:
    """Hard-wrapped lines with indented paragraph starts."""
    lengths = [len(line.text.rstrip()) for line in content]
    wrapped = sum(1 for n in lengths if n <= _WRAP_MAX) / len(lengths)
    indented = sum(1 for line in content[1:] if line.indented)
    long_enough = sum(1 for n in lengths if n >= 45)
    return (wrapped >= 0.95 and indented >= 1
            and indented <= 0.7 * len(content) and long_enough >= 0.3 * len(content))


def segment(text: str, markdown: bool = False) -> list[Paragraph]:
    """Split ``text`` into paragraphs in document order."""
    layout = detect_layout(text, markdown)
    lines = split_lines(text)
    if layout == "markdown":
        return _markdown(lines)
    if layout == "indented":
        return _indented(lines)
    if layout == "blocks":
        return [p for block in _blocks(lines) for p in _block_paragraphs(block)]
    return [Paragraph(line.start, line.end) for line in lines if not line.blank]


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line.blank:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _is_wrapped(block: list[_Line]) -> bool:
    """A block whose lines are one hard-wrapped paragraph rather than one paragraph each."""
    if len(block) < 2:
        return False
    heads = [len(line.text.rstrip()) for line in block[:-1]]
    if max(heads) > _WRAP_MAX or len(block[-1].text) > _WRAP_MAX:
        return False
    return min(heads) >= 0.5 * max(heads) and max(heads) >= 30


def _block_paragraphs(block: list[_Line]) -> list[Paragraph]:
    if _is_wrapped(block):
        return [Paragraph(block[0].start, block[-1].end)]
    return [Paragraph(line.start, line.end) for line in block]


def _indented(lines: list[_Line]) -> list[Paragraph]:
    groups: list[list[_Line]] = []
    for line in lines:
        if line.blank:
            groups.append([])
        elif line.indented or not groups or not groups[-1]:
            groups.append([line])
        else:
            groups[-1].append(line)
    groups = [g for g in groups if g]
    paragraphs: list[Paragraph] = []
    index = 0
    while index < len(groups):
        run = index
        # Consecutive one-line indented rows are a table (Reuters earnings tables).
        while run < len(groups) and len(groups[run]) == 1 and groups[run][0].indented \
                and _row_like(groups[run][0].text):
            run += 1
        if run - index >= 2:
            paragraphs.append(Paragraph(groups[index][0].start, groups[run - 1][-1].end, "table"))
            index = run
            continue
        group = groups[index]
        paragraphs.append(Paragraph(group[0].start, group[-1].end))
        index += 1
    return paragraphs


def _row_like(text: str) -> bool:
    """A short line, or one with aligned columns: a table row rather than a paragraph start."""
    stripped = text.strip()
    if len(stripped) > 60 and stripped.endswith("."):
        return False
    return "  " in stripped or "..." in stripped or any(c.isdigit() for c in stripped)


def _markdown(lines: list[_Line]) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    i = 0
    n = len(lines)
    if n and lines[0].text.rstrip() == "---":
        for j in range(1, min(n, 200)):
            if lines[j].text.rstrip() in ("---", "..."):
                paragraphs.append(Paragraph(lines[0].start, lines[j].end, "front_matter"))
                i = j + 1
                break
    prose: list[_Line] = []

    def flush() -> None:
        if prose:
            paragraphs.extend(_block_paragraphs(prose) if not _is_list(prose)
                              else [Paragraph(line.start, line.end) for line in prose])
            prose.clear()

    while i < n:
        line = lines[i]
        fence = _FENCE.match(line.text)
        if fence:
            flush()
            marker = fence.group(1)
            j = i + 1
            while j < n and not lines[j].text.lstrip().startswith(marker[0] * len(marker)):
                j += 1
            end = lines[min(j, n - 1)].end
            paragraphs.append(Paragraph(line.start, end, "code"))
            i = j + 1
        elif _HEADING.match(line.text):
            flush()
            paragraphs.append(Paragraph(line.start, line.end, "heading"))
            i += 1
        elif prose and len(prose) == 1 and _SETEXT.match(line.text) and not line.blank:
            paragraphs.append(Paragraph(prose[0].start, line.end, "heading"))
            prose.clear()
            i += 1
        elif _TABLE_ROW.match(line.text) or (
                i + 1 < n and "|" in line.text and _TABLE_RULE.match(lines[i + 1].text)):
            flush()
            j = i
            while j < n and "|" in lines[j].text and not lines[j].blank:
                j += 1
            paragraphs.append(Paragraph(line.start, lines[j - 1].end, "table"))
            i = j
        elif line.blank:
            flush()
            i += 1
        else:
            prose.append(line)
            i += 1
    flush()
    return paragraphs


def _is_list(block: list[_Line]) -> bool:
    return sum(1 for line in block if _LIST_ITEM.match(line.text)) >= max(1, len(block) // 2)
