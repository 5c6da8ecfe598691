"""``--format github``: GitHub Actions workflow commands, one annotation per line.

``::warning file=PATH,line=L,col=C::CODE message`` marks a duplicate (``scan``) or a
change ``clean --check`` would make, at the line and column where the repeated text
starts; ``::error ...::`` marks an input that could not be read. Values are escaped
as the runner expects (``%``, line breaks, and in properties ``:`` and ``,``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..detect.findings import Ref
from ..document import Doc
from ..errors import InputError
from ..pipeline.clean import ArticleOutcome, CleanResult
from ..pipeline.scan import ScanResult
from .locate import Layout, Place, describe_edit, place, rule_code, similarity


def escape_data(text: str) -> str:
    """A message as a workflow command carries it.

    Example:
        >>> escape_data("100% sure\\nreally")
        '100%25 sure%0Areally'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (``file=...``): data escapes, plus ``:`` and ``,``.

    Example:
        >>> escape_property("news/a,b.txt")
        'news/a%2Cb.txt'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, at: Place | None = None) -> str:
    """One workflow command line.

    Example:
        >>> annotation("warning", "DUP102 paragraph repeats line 1", Place("a.txt", 5, 1))
        '::warning file=a.txt,line=5,col=1::DUP102 paragraph repeats line 1'
    """
    where = "" if at is None else (f" file={escape_property(at.path)},line={at.line},"
                                   f"col={at.column}")
    return f"::{level}{where}::{escape_data(message)}"


def error_annotations(errors: Iterable[InputError]) -> list[str]:
    """``::error`` lines for inputs that could not be read (``path:LINE`` when known)."""
    out = []
    for error in errors:
        path, _, line = error.input.rpartition(":")
        at = Place(path, int(line), 1) if path and line.isdigit() else Place(error.input)
        out.append(annotation("error", error.message, at))
    return out


# -- scan --------------------------------------------------------------------------------


def scan_annotations(result: ScanResult) -> list[str]:
    """A warning per duplicate (legitimate repeats are left out), then the errors."""
    out: list[str] = []
    for finding in result.findings:
        if not finding.is_duplicate:
            continue
        side, other = (finding.a, finding.b) if finding.remove == "a" else (finding.b, finding.a)
        doc = result.docs.get(side.article)
        at = Layout(doc.article, doc).place(side.paragraph, side.sentence) if doc else None
        what = finding.kind if finding.kind != "article" else "article"
        verb = "repeats" if finding.scope == "within" else "duplicates"
        message = (f"{rule_code(finding)} {what} {verb} {_refer(result.docs, other, doc)} "
                   f"({similarity(finding.reason, finding.jaccard, finding.containment)})")
        if at is None:
            message = f"{side.article}: {message}"
        out.append(annotation("warning", message, at))
    return out + error_annotations(result.errors)


def _refer(docs: dict[str, Doc], ref: Ref, here: Doc | None) -> str:
    doc = docs.get(ref.article)
    if doc is None:  # an index entry: its key, and its paragraph counted from 1
        return ref.article + ("" if ref.paragraph is None else f" paragraph {ref.paragraph + 1}")
    return Layout(doc.article, doc).refer(ref.paragraph, ref.sentence,
                                          here=here.article if here else None)


# -- clean --check -------------------------------------------------------------------------


def clean_annotations(result: CleanResult) -> list[str]:
    """A warning per change ``clean`` would make, a notice per file that repeats
    another (files are never deleted), then the errors."""
    out: list[str] = []
    for outcome in result.articles:
        out.extend(_outcome_annotations(outcome))
    return out + error_annotations(result.errors)


def _outcome_annotations(outcome: ArticleOutcome) -> list[str]:
    article = outcome.article
    layout = Layout(article)
    if outcome.dropped is not None:
        d = outcome.dropped
        return [annotation("warning", f"{rule_code(d)} record duplicates {d.kept} "
                           f"({similarity('duplicate', d.jaccard, d.containment)}): it would be "
                           "dropped", layout.place(None))]
    out = []
    if outcome.duplicate is not None:
        d = outcome.duplicate
        out.append(annotation("notice", f"{rule_code(d)} article repeats {d.kept} "
                              f"({similarity('duplicate', d.jaccard, d.containment)}); files are "
                              "never deleted", layout.place(None)))
    for edit in outcome.canonical.edits:
        out.append(annotation("warning", f"{rule_code(edit)} {describe_edit(edit, layout)}",
                              place(article, edit.start)))
    return out
