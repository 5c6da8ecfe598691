"""Whether an article repeats anything at all: most do not, and then nothing can be cut.

Every rule that removes text, and every protection that reports a repeat it keeps,
starts from text said twice in the article: a paragraph's or sentence's shingles kept
elsewhere (DUP1xx, DUP2xx, KEEP1xx), or a run of words doubled inside a line or pasted
into two (DUP3xx). With shingles of ``n <= min_words`` units, each of those repeats
an ``n``-gram of units, so an article in which no ``n``-gram occurs twice (in two
paragraphs, or twice in one) has nothing to remove and nothing to report. The check
is one sort of the article's shingles; it spares such an article the sentence
splitting, language identification and rule loops of the canonicaliser. Pure.
"""

from __future__ import annotations

import numpy as np

from ..detect.templates import strip_trailer
from ..document import Doc
from ..settings import Settings
from ..sketch.sets import unique
from ..sketch.shingle import Shingler


def repeats_nothing(doc: Doc, settings: Settings, shingler: Shingler) -> bool:
    """Whether no shingle of ``doc`` occurs in two of its paragraphs or twice in one.

    ``False`` is only "perhaps": the canonicaliser then decides. ``True`` means no
    rule can find a copy. A sentence of ``min_words`` words has shingles of its
    paragraph only when ``n <= min_words``: for longer n-grams the answer is ``False``.

    Example:
        >>> from dedup import Article, Settings, analyze
        >>> from dedup.sketch.shingle import shared_shingler
        >>> s, shingler = Settings(), shared_shingler("word", 5)
        >>> text = "One two three four five six seven.\\nSomething else entirely here now."
        >>> repeats_nothing(analyze(Article("a", text, "a"), s), s, shingler)
        True
        >>> repeats_nothing(analyze(Article("a", text + "\\n" + text, "a"), s), s, shingler)
        False
    """
    n = settings.ngram
    if n > settings.min_words:
        return False
    sets = list(doc.shingles)
    for i, shingles in enumerate(doc.shingles):
        if not len(shingles):
            continue
        units = doc.nwords[i] if shingler.kind == "word" else len(doc.norms[i])
        if len(shingles) < max(1, units - n + 1):
            return False  # an n-gram twice inside the paragraph (or a hash collision)
        # A caption is also compared without its trailing credit (DUP105): that text
        # may be shorter than n units, one shingle its paragraph's set does not hold.
        text = doc.text_of(i)
        trimmed = strip_trailer(text)
        if trimmed != text:
            own = shingler.shingles(trimmed)
            sets.append(own[~np.isin(own, shingles, assume_unique=True)])
    flat = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint32)
    return len(unique(flat)) == len(flat)
