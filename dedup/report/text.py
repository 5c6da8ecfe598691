"""Text helpers the reports share: safe to print, one line, shortened, grouped by rule.

Pure string functions. Article text and file names are data: before they reach a
terminal (or a page) their control characters are made visible, so an escape
sequence in a scraped page cannot retitle the window, plant a hyperlink or clear
the screen.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls (but the tab and newline a caller may keep), DEL, C1 controls, and the
# bidirectional overrides and isolates that reorder what is shown ("Trojan source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BLANK = re.compile("⏎ (?= ⏎)")  # "⏎  ⏎" of an empty line: one space between
ELLIPSIS = "…"


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL, ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def printable(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with every control character replaced by a visible stand-in.

    Example:
        >>> printable("a\\x1b]0;pwned\\x07b")
        'a␛]0;pwned␇b'
    """
    pattern = _CONTROL if keep_lines else _CONTROL_ALL
    return pattern.sub(_picture, text) if pattern.search(text) else text


def squash(text: str) -> str:
    """One printable line: paragraph breaks shown as ⏎, other whitespace collapsed to
    one space (kept at the ends: a span cut from a sentence shows the space it took).

    Example:
        >>> squash("One.\\n\\nTwo  three. ")
        'One. ⏎ ⏎ Two three. '
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    squashed = _BLANK.sub("⏎", " ⏎ ".join(" ".join(line.split()) for line in lines))
    lead = " " if text[:1] in (" ", "\t") and not squashed.startswith(" ") else ""
    trail = " " if text[-1:] in (" ", "\t") and not squashed.endswith(" ") else ""
    return printable(lead + squashed + trail)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters: the start, the end, and how much was left out.

    Example:
        >>> clip("a" * 20 + "b" * 20, 24)
        'aaaaaa…(28 chars)…bbbbbb'
    """
    if limit <= 0 or len(text) <= limit:
        return text
    for _ in range(3):  # the count's own width shrinks what is shown
        shown = max(2, limit - len(f"{ELLIPSIS}({len(text):,} chars){ELLIPSIS}"))
        head, tail = shown - shown // 2, shown // 2
        omitted = len(text) - head - tail
        label = f"{ELLIPSIS}({omitted:,} chars){ELLIPSIS}"
        if head + tail + len(label) <= limit:
            break
    return text[:head] + label + text[len(text) - tail:]


def tail(text: str, limit: int) -> str:
    """The last ``limit`` characters, with … where text was cut."""
    return text if len(text) <= limit else ELLIPSIS + text[len(text) - limit + 1:]


def head(text: str, limit: int) -> str:
    """The first ``limit`` characters, with … where text was cut."""
    return text if len(text) <= limit else text[:limit - 1] + ELLIPSIS


def shorten_path(path: str, width: int) -> str:
    """A name that fits ``width`` columns, cut in the middle: the file name whole
    where it fits, and the start of the folders.

    Example:
        >>> shorten_path("news/2019/november/long-name.txt", 24)
        'news/2019…/long-name.txt'
    """
    path = printable(path)
    if len(path) <= width:
        return path
    keep = max(1, width - 1)
    name = len(path) - path.rfind("/")  # the file name and the slash before it
    right = name if name + 4 <= keep else max(1, (keep * 2) // 3)
    left = keep - right
    return path[:left] + ELLIPSIS + path[len(path) - right:]


def common_folder(ids: list[str]) -> str:
    """The folder every id starts with (ending in ``/``), or ``""``.

    Example:
        >>> common_folder(["news/a/1.txt", "news/a/2.txt", "news/b.txt"])
        'news/'
    """
    if len(ids) < 2:
        return ""
    prefix = ids[0]
    for aid in ids[1:]:
        while not aid.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[:prefix.rfind("/") + 1]


def rule_of(item: Any) -> str:
    """The rule an edit or finding comes from: its rule code where it has one, else
    its reason."""
    return str(getattr(item, "rule", None) or item.reason)


def rule_label(code: str, fallback: str = "") -> str:
    """A rule code with its name in the registry: ``DUP101 duplicate-paragraph``;
    ``fallback`` (or the bare code) for a code the registry does not know.

    Example:
        >>> rule_label("DUP101"), rule_label("", "duplicate")
        ('DUP101 duplicate-paragraph', 'duplicate')
    """
    from ..rules import BY_CODE

    known = BY_CODE.get(code)
    if known is not None:
        return f"{code} {known.name}"
    return " ".join(filter(None, [code, fallback if fallback != code else ""]))


def label_of(item: Any) -> str:
    """What a person reads for the rule: ``DUP101 duplicate-paragraph``, or the
    reason of an item without a rule code."""
    return rule_label(str(getattr(item, "rule", None) or ""), str(item.reason))


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 paragraph``, ``2 paragraphs``, ``1,200 joins``."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def size(count: int) -> str:
    """Bytes in a short human form: ``512 B``, ``3.6 KB``, ``1.2 MB``."""
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} KB"
    return f"{count / 1_000_000:.1f} MB"


# What the abbreviations and terms of the reports mean; a report lists those it uses.
LEGEND: dict[str, str] = {
    "¶N": "paragraph N of the article, counted from 0",
    "J": "Jaccard similarity of the two texts' word 5-grams (1.00: the same)",
    "C": "containment: the share of the removed text found in the kept text",
    "duplicate": "a near-copy of kept text (J at or above the threshold)",
    "contained": "wholly inside one kept paragraph (C at or above the threshold)",
    "covered": "inside several kept paragraphs together, not inside any one of them",
    "run": "a short line inside a pasted block, beside a removed paragraph whose "
           "kept copy has the same line beside it",
    "doubled": "text repeated in place inside a paragraph",
    "pasted": "a run of words pasted into the middle of two paragraphs",
    "lost boundary": "two sentences glued together (added.The): a space is put back",
    "longest": "the longest copy moves to the first copy's place (--keep longest)",
    "short": "a repeat too short to remove on its own (reported, kept)",
    "template": "a line that recurs as structure, such as an interview's question (kept)",
    "shared": "text shared with another article",
    "[-text-]": "removed text (in colour: struck out in red)",
    "{+ +}": "a space put back between glued sentences",
    "␣": "a space put back between glued sentences",
    "⏎": "a line break inside the text shown",
}
