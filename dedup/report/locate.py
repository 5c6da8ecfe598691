"""Where a finding or an edit is in its file, and the code of the rule behind it.

Editors and CI read ``path:LINE:COLUMN:`` as a position, so the hooks' messages and
the CI annotations name the line and column (both from 1) where the repeated text
starts: the first line of a paragraph, the start of a sentence or of a cut span. A
JSON lines record is one line, so its position is the record's line, column 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clean.engine import Edit
from ..document import Article, Doc, paragraph_sentences
from ..text.segment import Paragraph, segment

# Codes for edits and findings that do not carry a ``rule`` of their own yet, by
# (kind, reason); then by kind alone.
_CODES: dict[tuple[str, str], str] = {
    ("paragraph", "duplicate"): "DUP101",
    ("paragraph", "contained"): "DUP102",
    ("paragraph", "covered"): "DUP103",
    ("paragraph", "run"): "DUP104",
    ("paragraph", "block"): "DUP106",
    ("moved", "longest"): "DUP105",
    ("sentence", "duplicate"): "DUP201",
    ("span", "doubled"): "DUP301",
    ("span", "pasted"): "DUP302",
    ("join", "lost boundary"): "FIX101",
}
_KIND_CODES = {"paragraph": "DUP100", "moved": "DUP105", "sentence": "DUP200", "span": "DUP300",
               "article": "DUP401", "join": "FIX101"}
_ACROSS_CODES = {"article": "DUP401", "paragraph": "DUP402", "sentence": "DUP403"}


def rule_code(item: Any, *, across: bool | None = None) -> str:
    """The rule code of an edit, a finding or an index match.

    Its own ``rule`` (a code, or an object with a ``code``) when it has one; until
    then a code derived from its kind and reason (and scope: ``across`` says it for
    items that have none, such as index matches).

    Example:
        >>> rule_code(Edit("paragraph", 0, 10, 2, reason="contained"))
        'DUP102'
    """
    rule = getattr(item, "rule", None)
    if rule:
        return str(getattr(rule, "code", rule))
    kind = str(getattr(item, "kind", "article"))  # a dropped article has no kind
    if across is None:
        across = getattr(item, "scope", "within") == "across"
    if across or kind == "article":
        return _ACROSS_CODES.get(kind, "DUP400")
    return _CODES.get((kind, str(getattr(item, "reason", ""))), _KIND_CODES.get(kind, "DUP100"))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` in ``text`` (LF, CRLF or CR lines).

    Example:
        >>> line_col("one\\r\\ntwo\\rthree\\nfour", 15)
        (4, 1)
        >>> line_col("one\\ntwo", 5)
        (2, 2)
    """
    head = text[:offset]
    breaks = head.count("\n") + head.count("\r") - head.count("\r\n")
    start = max(head.rfind("\n"), head.rfind("\r")) + 1
    return breaks + 1, offset - start + 1


@dataclass(frozen=True)
class Place:
    """A position in a file: ``path:line:column``."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


def place(article: Article, offset: int = 0) -> Place:
    """Where ``offset`` of the article's text is in its file."""
    if article.line is not None:  # a JSON lines record: its line
        return Place(article.source, article.line, 1)
    line, column = line_col(article.text, offset)
    return Place(article.source, line, column)


class Layout:
    """Where an article's paragraphs and sentences start in its text: from the analysis
    when there is one (``Doc``), else segmented here (only when asked)."""

    def __init__(self, article: Article, doc: Doc | None = None) -> None:
        self.article = article
        self._paragraphs: list[Paragraph] | None = doc.paragraphs if doc is not None else None
        self._doc = doc

    @property
    def paragraphs(self) -> list[Paragraph]:
        if self._paragraphs is None:
            self._paragraphs = segment(self.article.text, self.article.markdown)
        return self._paragraphs

    def offset(self, paragraph: int | None, sentence: int | None = None) -> int:
        """Where a paragraph (or one of its sentences) starts; 0 for the whole article."""
        if paragraph is None or not 0 <= paragraph < len(self.paragraphs):
            return 0
        if sentence is not None:
            if self._doc is not None:
                spans = self._doc.sentences(paragraph)
            else:
                spans = paragraph_sentences(self.article.text, self.paragraphs[paragraph],
                                            self.article.language or "en")
            if 0 <= sentence < len(spans):
                return spans[sentence][0]
        return self.paragraphs[paragraph].start

    def place(self, paragraph: int | None, sentence: int | None = None) -> Place:
        return place(self.article, self.offset(paragraph, sentence))

    def refer(self, paragraph: int | None, sentence: int | None = None, *,
              here: Article | None = None) -> str:
        """How a message names this place: ``line 3`` in the file ``here`` comes from,
        ``path:7`` in another; in a JSON lines record, its paragraph (and sentence)
        counted from 1, after ``path:LINE`` when it is another record."""
        article = self.article
        same_file = here is not None and here.source == article.source
        if article.line is None:
            if paragraph is None:
                return article.source
            line = self.place(paragraph, sentence).line
            return f"line {line}" if same_file else f"{article.source}:{line}"
        record = "" if same_file and here is not None and here.line == article.line \
            else f"{article.source}:{article.line}"
        if paragraph is None:
            return record or "this record"
        part = f"paragraph {paragraph + 1}" + (f" sentence {sentence + 1}" if sentence is not None else "")
        return f"{record} {part}".strip()


def similarity(reason: str, jaccard: float, containment: float) -> str:
    """``contained, J 0.53, C 1.00``: why, and how similar."""
    return f"{reason}, J {jaccard:.2f}, C {containment:.2f}"


def describe_edit(edit: Edit, layout: Layout) -> str:
    """What an edit does, without its position: ``paragraph repeats line 1 (contained, ...)``."""
    here = layout.article
    if edit.kind == "join":
        return "space put back between glued sentences"
    if edit.kind == "moved":
        target = layout.refer(edit.kept_paragraph, here=here) if edit.kept_paragraph is not None \
            else "the first copy's place"
        return f"the longest copy of a repeated paragraph, moved to {target}"
    what = {"sentence": "sentence", "span": "text"}.get(edit.kind, "paragraph")
    if edit.kept_paragraph is None:
        kept = "text kept elsewhere in the article"
    else:
        kept = layout.refer(edit.kept_paragraph, edit.kept_sentence, here=here)
    return f"{what} repeats {kept} ({similarity(edit.reason, edit.jaccard, edit.containment)})"
