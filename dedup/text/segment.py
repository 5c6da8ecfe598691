"""Segmentation of an article into paragraphs, with the layout detected per article.

Paragraphs are character spans into the original text, so whatever is kept can be
written back exactly as it was. Four layouts are recognised:

* ``lines``: one paragraph per line (extractor outputs, the seed article);
* ``blocks``: paragraphs separated by blank lines (BBC); each line is a paragraph,
  unless the article is narrow and a block is one hard-wrapped paragraph;
* ``indented``: hard-wrapped lines (Reuters) where a paragraph starts at an
  indented line or after a blank line, and a line that is not indented continues
  the paragraph above. Runs of one-line rows (earnings tables, rate tables) are
  ``table`` blocks, never prose; the closing sign-off (" Reuter") stays apart;
* ``markdown``: front matter, headings (ATX and setext), fenced and indented code,
  tables and thematic breaks are blocks of their own kind, never merged into
  prose; list items are one paragraph each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["prose", "heading", "code", "table", "front_matter", "rule"]
Layout = Literal["lines", "blocks", "indented", "markdown"]
STRUCTURAL: frozenset[str] = frozenset({"heading", "code", "table", "front_matter", "rule"})

_LINE = re.compile(r"([^\r\n]*)(\r\n|\n|\r|$)")
# Hard-wrapped text keeps its lines at or under this width (Reuters: about 70).
_WRAP_MAX = 100
# Punctuation that ends a paragraph line in one-paragraph-per-line text.
_TERMINAL = tuple(".!?:;\"')]”’»")
_COLUMN_GAP = re.compile(r"\S(?: {3,}|\t)\S")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
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


class _Line:
    """One line: its content span (without the terminator) and shape, computed once."""

    __slots__ = ("start", "end", "text", "blank", "indent", "width")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.width = len(text.rstrip())
        self.blank = not self.width  # all blank once its trailing blanks go
        self.indent = len(text) - len(text.lstrip(" \t"))

    @property
    def indented(self) -> bool:
        return self.indent > 0 and not self.blank

    def __repr__(self) -> str:
        return f"_Line({self.start}, {self.end}, {self.text!r})"


def split_lines(text: str) -> list[_Line]:
    """Every line of ``text`` (``\\n``, ``\\r\\n`` or ``\\r`` endings) as a span without its terminator."""
    lines = []
    if "\r" not in text:  # the common case, without a regex match per line
        pieces = text.split("\n")
        if not pieces[-1]:
            pieces.pop()  # a final line terminator ends the last line; it starts none
        position = 0
        for piece in pieces:
            end = position + len(piece)
            lines.append(_Line(position, end, piece))
            position = end + 1
        return lines
    size = len(text)
    for match in _LINE.finditer(text):
        start = match.start()
        if start == size and start == match.end():
            break
        lines.append(_Line(start, match.end(1), match.group(1)))
    return lines


def detect_layout(text: str, markdown: bool = False) -> Layout:
    """Guess how paragraphs are laid out in this one article.

    Example:
        >>> detect_layout("First paragraph.\\nSecond paragraph.")
        'lines'
    """
    return _layout(split_lines(text), markdown)


def _layout(lines: list[_Line], markdown: bool) -> Layout:
    if markdown or _has_front_matter(lines):
        return "markdown"
    content = [line for line in lines if not line.blank]
    if len(content) < 2:
        return "lines"
    if _hard_wrapped(lines, content):
        return "indented"
    first, last = lines.index(content[0]), lines.index(content[-1])
    if any(line.blank for line in lines[first:last]):
        return "blocks"
    return "lines"


def _has_front_matter(lines: list[_Line]) -> bool:
    return bool(lines) and lines[0].text.rstrip() == "---" and any(
        line.text.rstrip() in ("---", "...") for line in lines[1:60])


def _hard_wrapped(lines: list[_Line], content: list[_Line]) -> bool:
    """Lines broken at a fixed width, rather than one paragraph per line.

    Wrapped lines are narrow, and a line followed by a non-indented line (a
    continuation) mostly stops mid-sentence and fills the width; in
    one-paragraph-per-line text almost every line ends a sentence. Indented
    paragraph starts (Reuters) are evidence enough to need less of the rest.
    """
    widths = [line.width for line in content]
    if max(widths) > 2 * _WRAP_MAX or sum(w > _WRAP_MAX for w in widths) > len(widths) // 20:
        return False
    base = min(line.indent for line in content)
    has_indent = any(line.indent > base for line in content[1:])
    last = content[-1]
    pairs = [(prev, cur) for prev, cur in zip(lines, lines[1:])
             if not prev.blank and not cur.blank and cur.indent <= base
             and not _stray(cur, last)]
    if not pairs:
        return has_indent
    open_ended = sum(1 for prev, _ in pairs if not prev.text.rstrip().endswith(_TERMINAL))
    if has_indent:
        indented = sum(1 for line in content if line.indent > base)
        return open_ended >= len(pairs) / 3 or indented >= len(content) / 2
    widest = max(widths)
    if open_ended < len(pairs) / 2 or widest < 30:
        return False
    inner = [prev for prev, _ in pairs if prev is not content[0]]
    return sum(1 for prev in inner if prev.width >= 0.6 * widest) >= len(inner) / 2


def _stray(line: _Line, last: _Line) -> bool:
    """A line that says nothing about wrapping: "REUTER", ".", the closing sign-off."""
    stripped = line.text.strip()
    return len(stripped) <= 1 or stripped.upper() == stripped or (line is last and _sign_off(line))


def _sign_off(line: _Line) -> bool:
    """A closing line such as " Reuter" or a stray ".": never a row nor a continuation."""
    stripped = line.text.strip()
    return len(stripped.split()) <= 2 and not any(c.isdigit() for c in stripped)


def segment(text: str, markdown: bool = False) -> list[Paragraph]:
    """Split ``text`` into paragraphs in document order.

    Example:
        >>> text = "One.\\nTwo."
        >>> [text[p.start:p.end] for p in segment(text)]
        ['One.', 'Two.']
    """
    lines = split_lines(text)
    layout = _layout(lines, markdown)
    if layout == "markdown":
        return _markdown(lines)
    if layout == "indented":
        return _indented(lines)
    if layout == "blocks":
        # Only a narrow article can hold a hard-wrapped block; where some lines are long,
        # each line is a paragraph of its own (a short caption above a long line).
        if any(line.width > _WRAP_MAX for line in lines):
            return [Paragraph(line.start, line.end) for line in lines if not line.blank]
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
    heads = [line.width for line in block[:-1]]
    if max(heads) > _WRAP_MAX or block[-1].width > _WRAP_MAX:
        return False
    if min(heads) < 0.5 * max(heads) or max(heads) < 30:
        return False
    # Wrapped prose breaks mid-sentence; a list of headlines or links breaks between items.
    breaks = list(zip(block[:-1], block[1:]))
    flowing = sum(1 for above, below in breaks if _continues(above.text, below.text))
    return flowing >= 0.5 * len(breaks)


def _continues(above: str, below: str) -> bool:
    """Whether ``below`` carries on the sentence ``above`` was cut in."""
    head = below.lstrip()[:1]
    tail = above.rstrip()[-1:]
    return head.islower() or head.isdigit() or tail in (",", "-", ";") or (
        bool(tail) and tail.isalpha() and not head.isupper())


def _block_paragraphs(block: list[_Line]) -> list[Paragraph]:
    if _is_wrapped(block):
        return [Paragraph(block[0].start, block[-1].end)]
    return [Paragraph(line.start, line.end) for line in block]


def _indented(lines: list[_Line]) -> list[Paragraph]:
    """Hard-wrapped text: indented lines start paragraphs, runs of rows are tables."""
    content = [line for line in lines if not line.blank]
    base = min(line.indent for line in content)
    # Groups of lines, each one paragraph candidate; None marks a blank line.
    groups: list[list[_Line] | None] = []
    last = content[-1]
    after_row = False  # the last group is one line with aligned columns: a table row
    # Whether a line has aligned columns, by its start (the gap's two ends are not
    # blank, so the line's own leading and trailing blanks never change the answer).
    columned: dict[int, bool] = {}
    for line in lines:
        if line.blank:
            groups.append(None)
            after_row = False
            continue
        text = line.text  # a gap needs three spaces or a tab after the indent
        columns = columned[line.start] = (text.find("   ", line.indent) >= 0 or "\t" in text) \
            and bool(_COLUMN_GAP.search(text))
        if (line.indent > base or not groups or groups[-1] is None or columns or after_row
                or _LIST_ITEM.match(line.text) or (line is last and _sign_off(line))):
            groups.append([line])
            after_row = columns
        else:
            groups[-1].append(line)
            after_row = False
    rows = [group is not None and len(group) == 1
            and _row_like(group[0], group[0] is last, columned[group[0].start]) for group in groups]
    paragraphs: list[Paragraph] = []
    index = 0
    while index < len(groups):
        group = groups[index]
        if group is None:
            index += 1
            continue
        run = index
        while run < len(groups) and rows[run]:
            run += 1
        if run - index >= 2:
            first_row, last_row = groups[index], groups[run - 1]
            assert first_row is not None and last_row is not None
            paragraphs.append(Paragraph(first_row[0].start, last_row[-1].end, "table"))
            index = run
            continue
        paragraphs.append(Paragraph(group[0].start, group[-1].end))
        index += 1
    return paragraphs


def _row_like(line: _Line, is_last: bool, columns: bool) -> bool:
    """A one-line row of a table (a figure, a label, aligned ``columns``), not a paragraph."""
    stripped = line.text.strip()
    if _LIST_ITEM.match(stripped) or (is_last and _sign_off(line)):
        return False
    if columns:
        return True
    words = stripped.split()
    if len(stripped) > 70 or (stripped.endswith(".") and len(words) >= 6):
        return False
    return (any(c.isdigit() for c in stripped) or len(words) <= 4 or "..." in stripped
            or stripped.endswith(("-", ":")) or (len(words) <= 8 and not stripped.endswith(_TERMINAL)))


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
    # After a list, indented lines continue it; elsewhere they are indented code.
    after_list = False

    def flush() -> None:
        nonlocal after_list
        if prose:
            after_list = _is_list(prose)
            paragraphs.extend(_list_items(prose) if after_list else _block_paragraphs(prose))
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
            after_list = False
            i = j + 1
        elif _HEADING.match(line.text):
            flush()
            after_list = False
            paragraphs.append(Paragraph(line.start, line.end, "heading"))
            i += 1
        elif prose and not _is_list(prose) and _SETEXT.match(line.text):
            # The paragraph above an === or --- underline is a heading.
            paragraphs.append(Paragraph(prose[0].start, line.end, "heading"))
            prose.clear()
            after_list = False
            i += 1
        elif _RULE.match(line.text):
            flush()
            after_list = False
            paragraphs.append(Paragraph(line.start, line.end, "rule"))
            i += 1
        elif _TABLE_ROW.match(line.text) or (
                i + 1 < n and "|" in line.text and _TABLE_RULE.match(lines[i + 1].text)):
            flush()
            after_list = False
            j = i
            while j < n and "|" in lines[j].text and not lines[j].blank:
                j += 1
            paragraphs.append(Paragraph(line.start, lines[j - 1].end, "table"))
            i = j
        elif line.blank:
            flush()
            i += 1
        elif not prose and not after_list and (line.indent >= 4 or line.text.startswith("\t")):
            j = i
            while j < n and (lines[j].blank or lines[j].indent >= 4 or lines[j].text.startswith("\t")):
                j += 1
            while lines[j - 1].blank:
                j -= 1
            paragraphs.append(Paragraph(line.start, lines[j - 1].end, "code"))
            i = j
        else:
            prose.append(line)
            i += 1
    flush()
    return paragraphs


def _is_list(block: list[_Line]) -> bool:
    return any(_LIST_ITEM.match(line.text) for line in block)


def _list_items(block: list[_Line]) -> list[Paragraph]:
    """One paragraph per list item (with its continuation lines); lines before the
    first item form paragraphs of their own."""
    items: list[list[_Line]] = []
    lead: list[_Line] = []
    for line in block:
        if _LIST_ITEM.match(line.text):
            items.append([line])
        elif items:
            items[-1].append(line)
        else:
            lead.append(line)
    out = _block_paragraphs(lead) if lead else []
    return out + [Paragraph(item[0].start, item[-1].end) for item in items]
