"""Comparison text: normalised for matching only, never written out."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """NFKC, case-fold, unify quotes and dashes, drop invisible characters, collapse spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def normalize_many(texts: list[str]) -> list[str]:
    """``[normalize(t) for t in texts]`` in one pass over the joined texts.

    NUL is a safe separator: NFKC, case-folding and the tables above leave it
    alone, it is not whitespace and it blocks composition across texts.
    """
    if len(texts) < 2:
        return [normalize(t) for t in texts]
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [normalize(t) for t in texts]
    joined = unicodedata.normalize("NFKC", joined).casefold().translate(_QUOTES)
    # str.split() splits on exactly the characters \s matches in str patterns.
    return [part.strip() for part in " ".join(joined.split()).split("\x00")]


def words(text: str) -> list[str]:
    """The word tokens of already normalised text."""
    return _WORD.findall(text)
