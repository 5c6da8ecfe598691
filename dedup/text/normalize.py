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
# Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer,
# Myanmar): each character is a word, so that shingles are character n-grams there.
UNSPACED_CHARS = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
                  "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f")
# Unicode words: runs of word characters, and single characters of unspaced scripts.
WORD_PATTERN = f"[{UNSPACED_CHARS}]|[^\\W{UNSPACED_CHARS}]+"
_WORD = re.compile(WORD_PATTERN)


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
    """The word tokens of already normalised text.

    Example:
        >>> words("der rat tagte. 今天下雨")
        ['der', 'rat', 'tagte', '今', '天', '下', '雨']
    """
    return _WORD.findall(text)
