"""The Python work done inside Spark tasks: pure functions over plain tuples.

Nothing here imports pyspark; every function reuses the library's own analysis,
detection, signature and verification code, so a task computes exactly what the
local engine computes for the same articles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..document import Doc, overlap
from ..findings import Finding, Ref
from ..reader import Article
from ..scan import analyze_chunk
from ..settings import Settings
from ..within import find_within

CHUNK = 256
# A paragraph item is ``ordinal << PARAGRAPH_BITS | paragraph``; an article item is its ordinal.
PARAGRAPH_BITS = 24
ARTICLE_ITEM, PARAGRAPH_ITEM = 0, 1
# Sections order findings as the local engine lists them.
WITHIN, ACROSS_ARTICLE, ACROSS_PARAGRAPH = 0, 1, 2

# One input article: (ordinal, id, text, date).
ArticleRow = tuple[int, str, str, "str | None"]
RefRow = tuple[str, "int | None", "int | None"]
Canonicalizer = Callable[[Doc, list[Finding], Settings], str]


def paragraph_item(ordinal: int, paragraph: int) -> int:
    if paragraph >= 1 << PARAGRAPH_BITS:
        raise ValueError(f"article {ordinal} has more than {(1 << PARAGRAPH_BITS) - 1} paragraphs")
    return ordinal << PARAGRAPH_BITS | paragraph


def split_item(item: int) -> tuple[int, int]:
    return item >> PARAGRAPH_BITS, item & ((1 << PARAGRAPH_BITS) - 1)


def set_digest(values: np.ndarray) -> bytes:
    """An exact-identity digest of a sorted shingle set, stable across processes."""
    return hashlib.blake2b(values.tobytes(), digest_size=16).digest()


def _ref_row(ref: Ref) -> RefRow:
    return (ref.article, ref.paragraph, ref.sentence)


def _ref(row: Any) -> Ref:
    return Ref(row[0], row[1], row[2])


def finding_row(section: int, ordinal: int, seq: int, f: Finding) -> tuple[Any, ...]:
    """A finding as a row of :data:`dedup.spark.engine.FINDING_SCHEMA`."""
    import json

    return (section, ordinal, seq, f.kind, f.scope, _ref_row(f.a), _ref_row(f.b),
            f.jaccard, f.containment, f.reason, f.remove, [_ref_row(r) for r in f.covered_by],
            json.dumps(f.to_json(), ensure_ascii=False))


def finding_from_row(row: Any) -> Finding:
    """The :class:`~dedup.findings.Finding` a findings row holds (exact values)."""
    return Finding(row["kind"], row["scope"], _ref(row["a"]), _ref(row["b"]), row["jaccard"],
                   row["containment"], row["reason"], row["remove"],
                   tuple(_ref(r) for r in row["covered_by"] or ()))


def _chunks(rows: Iterable[ArticleRow], size: int) -> Iterator[list[ArticleRow]]:
    batch: list[ArticleRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_partition(rows: Iterable[ArticleRow], settings: Settings, scope: str,
                      canonicalize: Canonicalizer | None = None) -> Iterator[tuple[Any, ...]]:
    """Analyse one partition of articles, in chunks, and emit tagged rows.

    ``("A", ordinal, id, paragraphs, length, date)`` per article;
    ``("W", finding_row)`` per within-article finding;
    ``("I", kind, item, owner, size, digest, set bytes, band keys)`` per comparable item;
    ``("C", ordinal, canonical text)`` per article when ``canonicalize`` is given.
    """
    within = scope in ("within", "all")
    across = scope in ("across", "all")
    for chunk in _chunks(rows, CHUNK):
        articles = [Article(id=aid, text=text, source="spark", date=date)
                    for _, aid, text, date in chunk]
        # The local engine's own chunk analysis; within-article findings are found per
        # article below, so that each is filed under its article's ordinal.
        result = analyze_chunk(articles, settings, "across" if across else "none", keep_docs=True)
        docs = result.docs or []
        if across:
            yield from _items(chunk, result)
        for (ordinal, aid, text, date), doc in zip(chunk, docs):
            yield ("A", ordinal, aid, len(doc.paragraphs), len(text), date)
            findings = find_within(doc, settings) if within else []
            for seq, finding in enumerate(findings):
                yield ("W", finding_row(WITHIN, ordinal, seq, finding))
            if canonicalize is not None:
                yield ("C", ordinal, canonicalize(doc, findings, settings) if within else text)


def _items(chunk: list[ArticleRow], result: Any) -> Iterator[tuple[Any, ...]]:
    ordinals = [row[0] for row in chunk]
    article_keys = result.article_keys.view(np.int64)
    for k, values in enumerate(result.article_sets):
        yield ("I", ARTICLE_ITEM, ordinals[k], ordinals[k], len(values), set_digest(values),
               values.tobytes(), article_keys[k].tolist())
    paragraph_keys = result.paragraph_keys.view(np.int64)
    for k, (owner, index, values) in enumerate(zip(result.paragraph_owner, result.paragraph_index,
                                                   result.paragraph_sets)):
        ordinal = ordinals[owner]
        yield ("I", PARAGRAPH_ITEM, paragraph_item(ordinal, index), ordinal, len(values),
               set_digest(values), values.tobytes(), paragraph_keys[k].tolist())


def verify_partition(rows: Iterable[Any], threshold: float,
                     containment: float) -> Iterator[tuple[int, int, float, float, int, int]]:
    """Exact verification of candidate pairs ``(x, y, set x, set y)``, as the local engine does."""
    for x, y, set_x, set_y in rows:
        a = np.frombuffer(set_x, dtype=np.uint32)
        b = np.frombuffer(set_y, dtype=np.uint32)
        jaccard, share, _ = overlap(a, b)
        if jaccard >= threshold or share >= containment:
            yield (x, y, jaccard, share, len(a), len(b))


def article_finding(row: Any, threshold: float) -> tuple[Any, ...]:
    """The finding for a later article and its earliest verified near-duplicate."""
    x, y, jaccard, share, size_x, size_y, id_x, id_y = row
    reason = "duplicate" if jaccard >= threshold else "contained"
    remove = "b" if reason == "duplicate" or size_y <= size_x else "a"
    finding = Finding("article", "across", Ref(id_x), Ref(id_y), jaccard, share,
                      reason, remove)  # type: ignore[arg-type]
    return finding_row(ACROSS_ARTICLE, y, 0, finding)


def paragraph_finding(row: Any, threshold: float) -> tuple[Any, ...]:
    """The finding for a later paragraph and its earliest copy in a different article."""
    x, y, jaccard, share, id_x, id_y = row
    ox, px = split_item(x)
    oy, py = split_item(y)
    reason = "duplicate" if jaccard >= threshold else "contained"
    finding = Finding("paragraph", "across", Ref(id_x, px), Ref(id_y, py), jaccard, share,
                      reason, None)  # type: ignore[arg-type]
    return finding_row(ACROSS_PARAGRAPH, oy, py, finding)


def component_drops(group: Any, settings: Settings,
                    keep: str) -> Iterator[tuple[int, int, float, float]]:
    """``(dropped, kept, jaccard, containment)`` for one cluster of near-duplicate articles.

    The local policy (:func:`dedup.keep.survivors`) only ever links articles of one
    cluster, so running it cluster by cluster gives its corpus-wide answer.
    """
    from ..keep import Pair, Record, survivors

    members = sorted(group["records"], key=lambda r: r["ordinal"])
    position = {r["ordinal"]: k for k, r in enumerate(members)}
    records = [Record(r["ordinal"], r["length"], r["date"]) for r in members]
    pairs = [Pair(position[p["x"]], position[p["y"]], p["jaccard"], p["containment"],
                  p["size_x"], p["size_y"]) for p in group["pairs"]]
    for drop in survivors(records, pairs, settings, keep):
        yield (members[drop.dropped]["ordinal"], members[drop.kept]["ordinal"],
               drop.jaccard, drop.containment)
