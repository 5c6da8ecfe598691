"""The index's values and pure helpers: errors, entries, matches, verification.

Nothing here touches storage: the back-ends move :class:`Batch` rows in and out,
and :func:`verify` turns LSH candidates into :class:`Match` values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..document import Doc, article_shingles, overlap
from ..errors import DedupError
from ..settings import Settings
from ..sketch.minhash import band_keys, signatures
from ..sketch.sets import unique
from ..sketch.shingle import Shingler

FORMAT = "dedup-minhash-index"

EntryKind = Literal["article", "paragraph"]
Reason = Literal["duplicate", "contained", "similar"]


class IndexStoreError(DedupError):
    """Base of every index error; the message starts with the index's location."""


class NotAnIndexError(IndexStoreError):
    """The file or Redis name holds something other than a dedup index."""


class DamagedIndexError(IndexStoreError):
    """The index exists but cannot be read (truncated, corrupted, half-written)."""


class MissingIndexError(IndexStoreError):
    """No index at this location, and creating one was not allowed."""


class IndexVersionError(IndexStoreError):
    """The index was written by a newer version of dedup (a newer schema)."""


class IncompatibleSettingsError(IndexStoreError):
    """The index's signatures were made with other shingle or MinHash settings."""


class IndexBusyError(IndexStoreError):
    """Another process held the index's write lock for longer than the busy timeout."""


class DuplicateKeyError(IndexStoreError, ValueError):
    """``insert`` of a key already in the index (a ``ValueError``, as in datasketch)."""


class BadData(ValueError):
    """A stored value that cannot be what the index wrote (the store names the index)."""


def entry_key(article: str, paragraph: int | None) -> str:
    """The key of an entry: ``article`` for the whole article, ``article#N`` for paragraph N."""
    return article if paragraph is None else f"{article}#{paragraph}"


def split_key(key: str) -> tuple[str, int] | None:
    """``("article", N)`` when ``key`` looks like a paragraph key ``article#N``."""
    head, sep, tail = key.rpartition("#")
    if sep and head and tail.isdigit():
        return head, int(tail)
    return None


def pack(shingles: np.ndarray) -> bytes:
    """A sorted uint32 shingle set (or a signature) as little-endian bytes (what the
    back-ends store)."""
    return np.ascontiguousarray(shingles, dtype="<u4").tobytes()


def pack_many(sets: Sequence[np.ndarray]) -> list[bytes]:
    """``[pack(s) for s in sets]``, from one conversion of all the values."""
    if not sets:
        return []
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    data = np.concatenate(sets).astype("<u4", copy=False).tobytes()
    ends = (np.cumsum(sizes) * 4).tolist()
    return [data[start:end] for start, end in zip([0, *ends[:-1]], ends)]


def unpack(data: object) -> np.ndarray:
    """The uint32 values of :func:`pack`; :class:`BadData` for anything else."""
    if not isinstance(data, bytes) or len(data) % 4:
        raise BadData("a shingle set that is not whole 32-bit values")
    return np.frombuffer(data, dtype="<u4").astype(np.uint32, copy=False)


def unpack_signature(data: object, num_perm: int | None) -> np.ndarray | None:
    """A stored signature (``None`` for an entry made from text)."""
    if data is None:
        return None
    values = unpack(data)
    if len(values) != num_perm if num_perm is not None else not len(values):
        raise BadData(f"a signature of {len(values)} values, not {num_perm}")
    return values


@dataclass
class Batch:
    """Articles to (re)place in the index, with one row per entry.

    ``owner[i]`` indexes ``articles``; ``paragraph[i]`` is ``None`` for a whole article.
    """

    articles: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)
    paragraph: list[int | None] = field(default_factory=list)
    sets: list[np.ndarray] = field(default_factory=list)
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.uint64))
    # The signature of an entry inserted as a MinHash (no shingles); empty: none.
    signatures: list[np.ndarray | None] = field(default_factory=list)
    # composed_extras(self) when already computed.
    extras: dict[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.owner)

    def signature(self, i: int) -> np.ndarray | None:
        return self.signatures[i] if self.signatures else None


@dataclass(frozen=True)
class Stored:
    """One entry as read back from a back-end."""

    article: str
    paragraph: int | None
    shingles: np.ndarray
    signature: np.ndarray | None = None  # only for entries inserted as a MinHash

    @property
    def key(self) -> str:
        return entry_key(self.article, self.paragraph)


@dataclass(frozen=True)
class Match:
    """A verified near-duplicate of (part of) the query in the index.

    Attributes:
        key: the index entry, ``article`` or ``article#paragraph``.
        article: the indexed article's key.
        paragraph: the indexed paragraph's number, ``None`` for a whole article.
        kind: ``"article"`` or ``"paragraph"``.
        jaccard: exact Jaccard similarity of the shingle sets (estimated from the
            signatures when ``estimated``).
        containment: share of the smaller set found in the larger.
        query: which paragraph of the query matched, ``None`` for the whole query.
        reason: ``"duplicate"`` (Jaccard at or above the threshold), ``"contained"``,
            or ``"similar"`` (a :meth:`~dedup.index.MinHashIndex.query_topk` result
            below both thresholds).
        size: the number of shingles of the indexed entry (estimated when ``estimated``).
        estimated: the query or the entry is a MinHash without its shingles, so
            ``jaccard``, ``containment`` and ``size`` are MinHash estimates, not exact.
    """

    key: str
    article: str
    paragraph: int | None
    kind: EntryKind
    jaccard: float
    containment: float
    query: int | None = None
    reason: Reason = "duplicate"
    size: int = 0
    estimated: bool = False

    def to_json(self) -> dict[str, Any]:
        out = {"key": self.key, "article": self.article, "paragraph": self.paragraph,
               "kind": self.kind, "jaccard": round(self.jaccard, 4),
               "containment": round(self.containment, 4), "query": self.query,
               "reason": self.reason, "size": self.size}
        if self.estimated:
            out["estimated"] = True
        return out


@dataclass(frozen=True)
class Stats:
    location: str
    backend: str
    articles: int
    entries: int
    settings: Settings
    bands: int
    rows: int
    size_bytes: int | None

    @property
    def paragraphs(self) -> int:
        return self.entries - self.articles

    def to_json(self) -> dict[str, Any]:
        return {"location": self.location, "backend": self.backend, "articles": self.articles,
                "paragraphs": self.paragraphs, "entries": self.entries,
                "settings": self.settings.to_dict(), "bands": self.bands, "rows": self.rows,
                "size_bytes": self.size_bytes}


def sort_matches(matches: Iterable[Match]) -> list[Match]:
    """Most similar first; ties broken by containment, then key, for a stable order."""
    return sorted(matches, key=lambda m: (-m.jaccard, -m.containment, m.key,
                                          -1 if m.query is None else m.query))


# -- pure helpers -------------------------------------------------------------------


def doc_entries(doc: Doc, settings: Settings, shingler: Shingler,
                whole: np.ndarray | None = None) -> tuple[list[int | None], list[np.ndarray]]:
    """The entries of one analysed article: the whole article (``whole``, when already
    made), then each eligible paragraph.

    Empty sets are left out: they would all share every bucket and never match.
    """
    if whole is None:
        whole = article_shingles(doc, shingler)
    paragraphs: list[int | None] = [None] if len(whole) else []
    sets = [whole] if len(whole) else []
    for i in range(len(doc.paragraphs)):
        if doc.eligible(i, settings) and len(doc.shingles[i]):
            paragraphs.append(i)
            sets.append(doc.shingles[i])
    return paragraphs, sets


def batch_of(docs: Sequence[Doc], settings: Settings, shingler: Shingler, bands: int,
             rows: int, article_sets: Sequence[np.ndarray] | None = None) -> Batch:
    """The entries of analysed articles with their band keys (a key given twice keeps the last).

    ``article_sets`` are the articles' whole shingle sets when already made.
    """
    batch = Batch()
    latest = {doc.id: i for i, doc in enumerate(docs)}
    for owner, i in enumerate(latest.values()):
        doc = docs[i]
        batch.articles.append(doc.id)
        whole = None if article_sets is None else article_sets[i]
        paragraphs, sets = doc_entries(doc, settings, shingler, whole)
        batch.owner.extend([owner] * len(sets))
        batch.paragraph.extend(paragraphs)
        batch.sets.extend(sets)
    batch.keys = fingerprints(batch.sets, settings, bands, rows)
    return batch


def fingerprints(sets: Sequence[np.ndarray], settings: Settings, bands: int, rows: int) -> np.ndarray:
    """LSH band keys, one row per set (empty sets get a row that is never looked up)."""
    if not sets:
        return np.zeros((0, bands), dtype=np.uint64)
    return band_keys(signatures(sets, settings.num_perm, settings.seed), bands, rows)


# ``entries.paragraph`` of a whole article stored as the shingles its paragraph entries
# lack (SQLite): the set is the union of those and its paragraphs' sets.
COMPOSED = -1


def composed_extras(batch: Batch) -> dict[int, np.ndarray]:
    """For the whole-article text entries of a batch whose paragraph entries' sets all lie
    inside their set: the shingles none of them has (about 1 in 7 of an article's: the
    n-grams across paragraph ends and short lines). Batch index -> extras.

    One vectorised pass over the batch: sets are tagged with their article (the high
    32 bits), so that one sorted membership test compares every article with its own
    paragraphs.
    """
    wholes: list[tuple[int, int]] = []
    parts: list[tuple[int, int]] = []
    for i, (owner, paragraph) in enumerate(zip(batch.owner, batch.paragraph)):
        if batch.signature(i) is None:
            (wholes if paragraph is None else parts).append((owner, i))
    if not wholes or not parts:
        return {}

    def tagged(items: list[tuple[int, int]]) -> np.ndarray:
        sets = [batch.sets[i] for _, i in items]
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        owners = np.array([owner for owner, _ in items], dtype=np.uint64)
        flat: np.ndarray = (np.repeat(owners, sizes) << np.uint64(32)) \
            | np.concatenate(sets).astype(np.uint64)
        return flat

    whole_flat, part_flat = tagged(wholes), unique(tagged(parts))
    # Entries come in article order and each set is sorted: whole_flat is sorted
    # unless a caller broke that order.
    ordered = whole_flat if is_sorted(whole_flat) else np.sort(whole_flat)
    outside = part_flat[~members(part_flat, ordered)] >> np.uint64(32)
    unfit = set(unique(outside).tolist())
    with_parts = {owner for owner, _ in parts}
    missing = ~members(whole_flat, part_flat)
    out: dict[int, np.ndarray] = {}
    start = 0
    for owner, i in wholes:
        end = start + len(batch.sets[i])
        if owner in with_parts and owner not in unfit:
            out[i] = batch.sets[i][missing[start:end]]
        start = end
    return out


def is_sorted(values: np.ndarray) -> bool:
    return len(values) < 2 or bool((values[1:] >= values[:-1]).all())


def members(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """``np.isin(values, ordered)`` for a sorted ``ordered``, by binary search (numpy's
    isin builds a hash table since 2.3, several times slower here)."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ordered, values)
    found: np.ndarray = ordered[np.minimum(at, len(ordered) - 1)] == values
    return found


def signature_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """LSH band keys of signatures given as such (MinHash entries)."""
    return band_keys(np.asarray(sigs, dtype=np.uint32).reshape(-1, sigs.shape[-1]), bands, rows)


def verify(query: np.ndarray, query_part: int | None, candidates: Iterable[Stored],
           settings: Settings, exclude: str | None = None, *,
           query_signature: np.ndarray | None = None, any_kind: bool = False,
           keep_all: bool = False) -> list[Match]:
    """Exact Jaccard and containment of ``query`` against each candidate of the same kind.

    Identical candidate sets (boilerplate indexed many times) are compared once. An
    entry inserted as a MinHash, or a query given as one (``query`` empty, its
    ``query_signature`` given), is compared by signature: the match is estimated.

    Args:
        any_kind: compare with articles and paragraphs alike (a MinHash query).
        keep_all: keep candidates below both thresholds too (reason ``"similar"``).
    """
    kind: EntryKind = "article" if query_part is None else "paragraph"
    seen: dict[bytes, tuple[float, float, int, bool]] = {}
    out = []
    own_size = len(query) if len(query) else (
        estimated_size(query_signature) if query_signature is not None else 0)
    for item in candidates:
        item_kind: EntryKind = "article" if item.paragraph is None else "paragraph"
        if (not any_kind and item_kind != kind) or item.article == exclude:
            continue
        digest = item.shingles.tobytes() if item.signature is None else item.signature.tobytes()
        scores = seen.get(digest)
        if scores is None:
            scores = seen[digest] = _scores(query, query_signature, own_size, item, settings)
        jaccard, containment, size, estimated = scores
        reason: Reason = ("duplicate" if jaccard >= settings.threshold else
                          "contained" if containment >= settings.containment else "similar")
        if reason != "similar" or keep_all:
            out.append(Match(item.key, item.article, item.paragraph, item_kind, jaccard,
                             containment, query_part, reason, size, estimated))
    return out


def _scores(query: np.ndarray, query_signature: np.ndarray | None, own_size: int,
            item: Stored, settings: Settings) -> tuple[float, float, int, bool]:
    if item.signature is None and len(query):
        jaccard, containment, _ = overlap(query, item.shingles)
        return jaccard, containment, len(item.shingles), False
    mine = query_signature if query_signature is not None else \
        signatures([query], settings.num_perm, settings.seed)[0]
    theirs = item.signature if item.signature is not None else \
        signatures([item.shingles], settings.num_perm, settings.seed)[0]
    size = len(item.shingles) if item.signature is None else estimated_size(theirs)
    jaccard = estimated_jaccard(mine, theirs)
    return jaccard, estimated_containment(jaccard, own_size, size), size, True


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal signature values (datasketch's ``MinHash.jaccard``)."""
    return float(np.count_nonzero(a == b)) / len(a)


def estimated_size(signature: np.ndarray) -> int:
    """The set size a signature estimates (datasketch's ``MinHash.count``)."""
    total = float(np.sum(signature.astype(np.float64) / float(0xFFFFFFFF)))
    return 0 if total <= 0 else max(0, round(len(signature) / total - 1.0))


def estimated_containment(jaccard: float, a: int, b: int) -> float:
    """The share of the smaller set in the larger that Jaccard and both sizes imply."""
    if a <= 0 or b <= 0 or jaccard <= 0:
        return 0.0
    intersection = jaccard * (a + b) / (1.0 + jaccard)
    return min(1.0, intersection / min(a, b))


def settings_json(settings: Settings) -> str:
    return json.dumps(settings.to_dict(), sort_keys=True)


def describe(signature_key: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in signature_key.items())
