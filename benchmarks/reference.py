"""The reference pipeline, built the obvious way from datasketch.

Same reading, segmentation and normalisation as ``dedup`` and the same settings
(word 5-grams, 128 permutations, seed 1, threshold 0.8, containment 0.9, the same
banding, paragraphs under ``min_words`` words left out), but: shingles are strings,
signatures come from ``MinHash.bulk``, candidates from ``MinHashLSH`` (one index of
articles, one of paragraphs), and every candidate is verified with Python sets.

    python -m benchmarks.reference PATH... > pairs.json

prints every verified pair: articles across, paragraphs within and across.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from datasketch import MinHash, MinHashLSH

from dedup.io.reader import Article, iter_inputs
from dedup.settings import Settings
from dedup.sketch.minhash import bands_for_recall
from dedup.text.normalize import normalize, words
from dedup.text.segment import segment


def shingles(tokens: list[str], n: int) -> set[str]:
    if not tokens:
        return set()
    n = min(n, len(tokens))
    return {" ".join(tokens[i: i + n]) for i in range(len(tokens) - n + 1)}


def similar(a: set[str], b: set[str], settings: Settings) -> tuple[float, float] | None:
    if not a or not b:
        return None
    inter = len(a & b)
    jaccard = inter / (len(a) + len(b) - inter)
    contain = inter / min(len(a), len(b))
    if jaccard >= settings.threshold or contain >= settings.containment:
        return jaccard, contain
    return None


def pairs(sets: list[set[str]], settings: Settings) -> list[tuple[int, int, float, float]]:
    """Verified pairs ``(x, y)``, ``x < y``, among the sets, through ``MinHashLSH``."""
    nonempty = [i for i, s in enumerate(sets) if s]
    hashes = MinHash.bulk([[s.encode("utf-8") for s in sets[i]] for i in nonempty],
                          num_perm=settings.num_perm, seed=settings.seed)
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.num_perm,
                     params=bands_for_recall(settings.threshold, settings.num_perm))
    for i, m in zip(nonempty, hashes):
        lsh.insert(i, m)
    out = []
    for i, m in zip(nonempty, hashes):
        for j in lsh.query(m):
            if j > i:
                found = similar(sets[i], sets[j], settings)
                if found:
                    out.append((i, j, *found))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    settings = Settings()
    ids: list[str] = []
    article_sets: list[set[str]] = []
    refs: list[tuple[int, int]] = []
    paragraph_sets: list[set[str]] = []
    for item in iter_inputs(paths):
        if not isinstance(item, Article):
            continue
        number = len(ids)
        ids.append(item.id)
        prose: list[str] = []
        for index, paragraph in enumerate(segment(item.text, item.markdown)):
            tokens = words(normalize(item.text[paragraph.start:paragraph.end]))
            if paragraph.kind != "front_matter":
                prose.extend(tokens)
            if not paragraph.structural and len(tokens) >= settings.min_words:
                refs.append((number, index))
                paragraph_sets.append(shingles(tokens, settings.ngram))
        article_sets.append(shingles(prose, settings.ngram))
    result = {
        "articles": [[ids[x], ids[y], j, c] for x, y, j, c in pairs(article_sets, settings)],
        "paragraphs": [[ids[refs[x][0]], refs[x][1], ids[refs[y][0]], refs[y][1], j, c]
                       for x, y, j, c in pairs(paragraph_sets, settings)],
    }
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
