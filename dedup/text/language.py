"""The language of an article, for the sentence model and the rules that need English.

A ``language`` field of the record or ``--language`` says it; otherwise lingua's
identifier (its models ship in the wheel: no download) reads a sample of the
article's longest paragraphs. Only the sentence splitter and the rules marked
``needs="en"`` depend on it: shingles, and so every signature, are the same in
every language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

# What the identifier chooses between (ISO 639-1): the languages with a bundled
# sentence model, and those of news in other scripts, so that a page in one of them
# is not taken for a neighbour.
IDENTIFIED = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "sl", "hr", "hu", "ro",
    "da", "sv", "nb", "fi", "et", "lv", "lt", "el", "tr", "ru", "uk", "bg", "ar", "fa",
    "he", "hi", "zh", "ja", "ko", "vi", "id",
)
_CODE = re.compile(r"[a-z]{2,3}")
# The code of a language that cannot be told (ISO 639-2).
UNDETERMINED = "und"
# The sample: about this many characters from the longest paragraphs.
SAMPLE_CHARS = 400


def code_of(value: str) -> str | None:
    """The ISO 639 code a language tag starts with, or ``None`` when it is not one.

    Example:
        >>> code_of("en-GB"), code_of("DE"), code_of("English")
        ('en', 'de', None)
    """
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    return code if _CODE.fullmatch(code) else None


def sample(paragraphs: Sequence[str], size: int = SAMPLE_CHARS) -> str:
    """The longest paragraphs, longest first, until ``size`` characters: prose, not menus.

    Example:
        >>> sample(["Home", "Der Rat hat am Montag getagt.", "News"], size=20)
        'Der Rat hat am Montag getagt.'
    """
    picked: list[str] = []
    total = 0
    for text in sorted(paragraphs, key=len, reverse=True):
        if total >= size:
            break
        picked.append(text)
        total += len(text)
    return " ".join(picked)[: 2 * size]


def identify(text: str) -> str | None:
    """The ISO 639-1 code of the language of ``text``, or ``None`` when it cannot tell.

    Example:
        >>> identify("Der Gemeinderat hat am Montag beschlossen, die alte Brücke zu erneuern.")
        'de'
    """
    if not any(c.isalpha() for c in text):
        return None
    found = _detector().detect_language_of(text)
    return None if found is None else str(found.iso_code_639_1.name).lower()


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                 for code in IDENTIFIED]
    # Low accuracy mode: trigram models only, a few milliseconds and MB per language,
    # plenty for a paragraph of prose.
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
