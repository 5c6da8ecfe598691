"""Lost sentence boundaries: "...Kirby added.The United States..." missing its space.

A join is a sentence end (``.``, ``!`` or ``?``, maybe a closing quote) glued to a
capitalised word. A straight double quote there closes a quotation when an odd number
of them come before it, and opens the next sentence's quotation otherwise: the space
then goes before it ('11."Ich nehme' becomes '11. "Ich nehme'). Abbreviations and initials ("U.S.Steel" is left alone: one-letter
segments), decimals ("3.5"), URLs, e-mail addresses, file and domain names
("example.com", "report.PDF") are not joins.
"""

from __future__ import annotations

import re

_JOIN = re.compile(r"(?<=[a-z\d%)\]][a-z\d%)\]][.!?])([\"'\u201d\u2019)]?)(?=[A-Z][a-z])")
_URLISH = re.compile(r"(https?://|www\.|@)\S*$|\.[A-Za-z0-9-]+\.[a-z]{2,}$", re.IGNORECASE)
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt", "inc", "corp", "co", "ltd", "vs", "etc", "no", "fig", "vol", "pp", "approx", "dept", "univ", "est", "ave", "blvd", "rd", "mt", "ft"])
_FILE_EXT = re.compile(r"^(PDF|DOC|DOCX|TXT|CSV|JPG|JPEG|PNG|GIF|HTML?|XLSX?|ZIP|MP[34]|Js|Py|Com|Net|Org|Io)\b")


def join_points(text: str) -> list[int]:
    """Offsets at which a space is missing between two sentences.

    Example:
        >>> fix_joins('He said "we are ready."Then he left.Night came."Wait," she said.')[0]
        'He said "we are ready." Then he left. Night came. "Wait," she said.'
    """
    points = []
    for match in _JOIN.finditer(text):
        at = match.end()
        word_start = text.rfind(" ", 0, match.start()) + 1
        before = text[word_start: match.start()]
        if _URLISH.search(before + text[match.start(): at + 12].split(" ")[0]):
            continue
        if _FILE_EXT.match(text[at:]):
            continue
        if before.lower().rstrip(".") in _ABBREVIATIONS:
            continue
        following = text[at:].split(" ", 1)[0]
        if re.search(r"\.[A-Za-z]{2,}", following):
            continue  # a domain or dotted name: Halo.Bungie.Org
        if before[:1].isupper() and len(before.rstrip(".!?")) <= 3:
            continue  # a short capitalised name: One.Tel
        if "<" in before and ">" not in before:
            continue  # a ticker or code in angle brackets: <NTTN.AS>, <eric.St>
        # Initials and abbreviations: every dotted segment of the word is one letter.
        segments = before.split(".")
        if len(segments) > 1 and all(len(s) <= 1 for s in segments[:-1]):
            continue
        if match.group(1) == '"' and text.count('"', 0, match.start(1)) % 2 == 0:
            at = match.start(1)  # an opening quote: it belongs to the next sentence
        points.append(at)
    return points


def fix_joins(text: str) -> tuple[str, list[int]]:
    """``text`` with a space put back at every join, and the original offsets fixed."""
    points = join_points(text)
    if not points:
        return text, []
    pieces, last = [], 0
    for at in points:
        pieces.append(text[last:at])
        pieces.append(" ")
        last = at
    pieces.append(text[last:])
    return "".join(pieces), points
