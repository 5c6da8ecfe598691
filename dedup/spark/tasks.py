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

from ..clean.findings import within_findings
from ..detect.findings import Finding, Ref
from ..detect.unionfind import UnionFind
from ..document import Article, Doc, overlap
from ..parallel import batched
from ..pipeline.scan import analyze_chunk
from ..settings import Settings

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
    """The :class:`~dedup.detect.findings.Finding` a findings row holds (exact values)."""
    import json

    extra = json.loads(row["json"]) if row["json"] else {}
    return Finding(row["kind"], row["scope"], _ref(row["a"]), _ref(row["b"]), row["jaccard"],
                   row["containment"], row["reason"], row["remove"],
                   tuple(_ref(r) for r in row["covered_by"] or ()),
                   rule=str(extra.get("rule", "")), start=extra.get("start"), end=extra.get("end"))


def analyze_partition(rows: Iterable[ArticleRow], settings: Settings, scope: str,
                      canonicalize: Canonicalizer | None = None) -> Iterator[tuple[Any, ...]]:
    """Analyse one partition of articles, in chunks, and emit tagged rows.

    ``("A", ordinal, id, paragraphs, length, date)`` per article;
    ``("W", finding_row)`` per within-article finding;
    ``("I", kind, item, owner, size, digest, set bytes, band keys)`` per comparable item;
    ``("C", ordinal, canonical text, its length)`` per article when ``canonicalize`` is
    given, and then ``("K", ...)`` items of the canonical articles (like ``"I"``).
    """
    within = scope in ("within", "all")
    across = scope in ("across", "all")
    for chunk in batched(rows, CHUNK):
        articles = [Article(id=aid, text=text, source="spark", date=date)
                    for _, aid, text, date in chunk]
        # The local engine's own chunk analysis; within-article findings are found per
        # article below, so that each is filed under its article's ordinal.
        result = analyze_chunk(articles, settings, "across" if across else "none", keep_docs=True)
        docs = result.docs or []
        if across:
            yield from _items(chunk, result)
        cleaned: list[ArticleRow] = []
        for (ordinal, aid, text, date), doc in zip(chunk, docs):
            yield ("A", ordinal, aid, len(doc.paragraphs), len(text), date)
            findings = within_findings(doc, settings) if within else []
            for seq, finding in enumerate(findings):
                yield ("W", finding_row(WITHIN, ordinal, seq, finding))
            if canonicalize is not None:
                canonical = canonicalize(doc, findings, settings) if within else text
                cleaned.append((ordinal, aid, canonical, date))
                yield ("C", ordinal, canonical, len(canonical))
        if canonicalize is not None and across:
            # The local cleaner compares what each article keeps, not what it drops.
            kept = [Article(id=aid, text=text, source="spark", date=date)
                    for _, aid, text, date in cleaned]
            yield from _items(cleaned, analyze_chunk(kept, settings, "across"), True, "K")


def _items(chunk: list[ArticleRow], result: Any, articles_only: bool = False,
           tag: str = "I") -> Iterator[tuple[Any, ...]]:
    ordinals = [row[0] for row in chunk]
    article_keys = result.article_keys.view(np.int64)
    for k, values in enumerate(result.article_sets):
        yield (tag, ARTICLE_ITEM, ordinals[k], ordinals[k], len(values), set_digest(values),
               values.tobytes(), article_keys[k].tolist(), values.astype(np.int64).tolist())
    if articles_only:
        return
    paragraph_keys = result.paragraph_keys.view(np.int64)
    for k, (owner, index, values) in enumerate(zip(result.paragraph_owner, result.paragraph_index,
                                                   result.paragraph_sets)):
        ordinal = ordinals[owner]
        yield (tag, PARAGRAPH_ITEM, paragraph_item(ordinal, index), ordinal, len(values),
               set_digest(values), values.tobytes(), paragraph_keys[k].tolist(),
               values.astype(np.int64).tolist())


def verify_partition(rows: Iterable[Any], threshold: float,
                     containment: float) -> Iterator[tuple[int, int, float, float, int, int]]:
    """Exact verification of candidate pairs ``(x, y, set x, set y)``, as the local engine does."""
    for x, y, set_x, set_y in rows:
        a = np.frombuffer(set_x, dtype=np.uint32)
        b = np.frombuffer(set_y, dtype=np.uint32)
        jaccard, share, _ = overlap(a, b)
        if jaccard >= threshold or share >= containment:
            yield (x, y, jaccard, share, len(a), len(b))


def connect_articles(group: Any, threshold: float) -> Iterator[tuple[Any, ...]]:
    """Article findings of one cluster, as :func:`dedup.detect.across.find_across` chooses them:
    each later article's earliest partner, plus the pairs still needed (in order of
    the later, then the earlier article) for the findings to connect the cluster."""
    pairs = sorted(group["pairs"], key=lambda p: (p["y"], p["x"]))
    best: dict[int, Any] = {}
    for p in pairs:
        if p["y"] not in best:
            best[p["y"]] = p
    chosen = list(best.values())
    reported: UnionFind[int] = UnionFind()
    for p in chosen:
        reported.union(p["x"], p["y"])
    for p in pairs:
        if reported.find(p["x"]) != reported.find(p["y"]):
            reported.union(p["x"], p["y"])
            chosen.append(p)
    for p in sorted(chosen, key=lambda p: (p["y"], p["x"])):
        reason = "duplicate" if p["jaccard"] >= threshold else "contained"
        remove = "b" if reason == "duplicate" or p["size_y"] <= p["size_x"] else "a"
        finding = Finding("article", "across", Ref(p["id_x"]), Ref(p["id_y"]), p["jaccard"],
                          p["containment"], reason, remove, rule="DUP401")  # type: ignore[arg-type]
        yield finding_row(ACROSS_ARTICLE, p["y"], p["x"], finding)


def connect_paragraphs(group: Any, threshold: float) -> Iterator[tuple[Any, ...]]:
    """Paragraph findings of one group of shared paragraphs, as
    :func:`dedup.detect.across.find_across` chooses them: each later paragraph's earliest
    copy, plus the pairs still needed for the findings to connect the group."""
    pairs = sorted(group["pairs"], key=lambda p: (p["y"], p["x"]))
    earliest: dict[int, Any] = {}
    for p in pairs:
        if p["y"] not in earliest:
            earliest[p["y"]] = p
    linked: UnionFind[int] = UnionFind()
    links = {(p["y"], p["x"]): p for p in earliest.values()}
    for p in earliest.values():
        linked.union(p["x"], p["y"])
    for p in pairs:
        if linked.find(p["x"]) != linked.find(p["y"]):
            linked.union(p["x"], p["y"])
            links[(p["y"], p["x"])] = p
    for (y, x), p in sorted(links.items()):
        reason = "duplicate" if p["jaccard"] >= threshold else "contained"
        finding = Finding("paragraph", "across", Ref(p["id_x"], split_item(x)[1]),
                          Ref(p["id_y"], split_item(y)[1]), p["jaccard"], p["containment"],
                          reason, None, rule="DUP402")  # type: ignore[arg-type]
        yield finding_row(ACROSS_PARAGRAPH, y, x, finding)


def component_drops(group: Any, settings: Settings,
                    keep: str) -> Iterator[tuple[int, int, float, float]]:
    """``(dropped, kept, jaccard, containment)`` for one cluster of near-duplicate articles.

    The local policy (:func:`dedup.clean.keep.survivors`) only ever links articles of one
    cluster, so running it cluster by cluster gives its corpus-wide answer.
    """
    from ..clean.keep import Pair, Record, survivors

    members = sorted(group["records"], key=lambda r: r["ordinal"])
    position = {r["ordinal"]: k for k, r in enumerate(members)}
    records = [Record(r["ordinal"], r["length"], r["date"]) for r in members]
    pairs = [Pair(position[p["x"]], position[p["y"]], p["jaccard"], p["containment"],
                  p["size_x"], p["size_y"]) for p in group["pairs"]]
    copies = [position.get(r["first"], k) for k, r in enumerate(members)]
    for drop in survivors(records, pairs, settings, keep, copies=copies):
        yield (members[drop.dropped]["ordinal"], members[drop.kept]["ordinal"],
               drop.jaccard, drop.containment)
