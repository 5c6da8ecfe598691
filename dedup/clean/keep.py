"""Which article of a group of near-duplicates survives: the keep policy (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..settings import Settings


@dataclass(frozen=True)
class Record:
    """What the policy needs to know about one article."""

    ordinal: int
    length: int
    date: str | None = None


@dataclass(frozen=True)
class Pair:
    """A verified pair of articles: ``x`` before ``y`` in input order."""

    x: int
    y: int
    jaccard: float
    containment: float
    size_x: int
    size_y: int


@dataclass(frozen=True)
class Drop:
    """Article ``dropped`` duplicates article ``kept``, which survives."""

    dropped: int
    kept: int
    jaccard: float
    containment: float


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d",
                 "%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%Y/%m/%d", "%d/%m/%Y")


def parse_date(value: str | None) -> datetime | None:
    """Common news date formats (ISO 8601, Reuters' ``26-FEB-1987 15:01:01.79``); None if unknown."""
    if not value:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=None)
    except ValueError:
        pass
    text = re.sub(r"\s+", " ", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.title() if "%b" in fmt else text, fmt).replace(tzinfo=None)
        except ValueError:
            continue
    return None


def preference(records: Sequence[Record], keep: str) -> list[int]:
    """Ordinals from the most to the least preferred survivor."""
    if keep == "longest":
        return sorted(range(len(records)), key=lambda i: (-records[i].length, records[i].ordinal))
    if keep == "newest":
        oldest = datetime.min

        def newest_first(i: int) -> tuple[float, int]:
            date = parse_date(records[i].date) or oldest
            return (-(date - oldest).total_seconds(), records[i].ordinal)

        return sorted(range(len(records)), key=newest_first)
    return sorted(range(len(records)), key=lambda i: records[i].ordinal)


@dataclass(frozen=True)
class PairTable:
    """Verified pairs as columns (``x`` before ``y``): what :func:`survivors` reads, in
    memory proportional to the pairs' count, whatever the size of a cluster."""

    x: np.ndarray
    y: np.ndarray
    jaccard: np.ndarray
    containment: np.ndarray
    size_x: np.ndarray
    size_y: np.ndarray

    @classmethod
    def of(cls, pairs: Sequence[Pair]) -> PairTable:
        def column(name: str, dtype: type) -> np.ndarray:
            return np.fromiter((getattr(p, name) for p in pairs), dtype=dtype, count=len(pairs))

        return cls(column("x", np.int64), column("y", np.int64), column("jaccard", np.float64),
                   column("containment", np.float64), column("size_x", np.int64),
                   column("size_y", np.int64))

    def __len__(self) -> int:
        return len(self.x)

    def where(self, mask: np.ndarray) -> PairTable:
        return PairTable(self.x[mask], self.y[mask], self.jaccard[mask], self.containment[mask],
                         self.size_x[mask], self.size_y[mask])


def survivors(records: Sequence[Record], pairs: Sequence[Pair] | PairTable, settings: Settings,
              keep: str = "first", copies: Sequence[int] | None = None) -> list[Drop]:
    """The articles to drop, each with a surviving article that says what it says.

    ``copies[i]`` names the first article identical to article ``i`` (``i`` itself
    when there is none). Of each set of identical copies one enters the decision,
    the one the policy prefers, with every pair any copy has; the others go for it
    (or for what it goes for). So a thousand copies cost one article, not a
    million pairs.

    Decided again among the survivors until nothing more goes, so that running
    the decision on its own output drops nothing (cleaning is idempotent).
    """
    table = pairs if isinstance(pairs, PairTable) else PairTable.of(pairs)
    order = preference(records, keep)
    count = len(records)
    ordinals = np.fromiter((r.ordinal for r in records), dtype=np.int64, count=count)
    lengths = np.fromiter((r.length for r in records), dtype=np.int64, count=count)
    stand = np.arange(count, dtype=np.int64)
    if copies is not None:
        preferred: dict[int, int] = {}
        for i in order:
            preferred.setdefault(int(copies[i]), i)
        stand = np.fromiter((preferred[int(c)] for c in copies), dtype=np.int64, count=count)
        table = _stand_in(table, stand)
    alive = stand == np.arange(count)
    drops: dict[int, Drop] = {}
    while True:
        current = table.where(alive[table.x] & alive[table.y])
        new = _survivors_once(_Links(current, settings.threshold, count), order,
                              ordinals, lengths, alive)
        if not new:
            break
        for drop in new:
            drops[drop.dropped] = drop
            alive[drop.dropped] = False
    for i in np.flatnonzero(stand != np.arange(count)).tolist():
        first = int(stand[i])
        drops[i] = drops[first] if first in drops else Drop(i, first, 1.0, 1.0)
    # Point each drop at the survivor its chain of drops ends in.
    final = {}
    for i, drop in drops.items():
        kept = drop.kept
        seen = {i}
        while kept in drops and kept not in seen:
            seen.add(kept)
            kept = drops[kept].kept
        final[i] = Drop(i, kept, drop.jaccard, drop.containment)
    return sorted(final.values(), key=lambda d: records[d.dropped].ordinal)


def _stand_in(table: PairTable, stand: np.ndarray) -> PairTable:
    """The pairs with each article replaced by the copy that stands for it; pairs of
    two copies of one article go, and a pair given twice is kept once."""
    x, y = stand[table.x], stand[table.y]
    swap = x > y
    low, high = np.where(swap, y, x), np.where(swap, x, y)
    size_low = np.where(swap, table.size_y, table.size_x)
    size_high = np.where(swap, table.size_x, table.size_y)
    codes = low * len(stand) + high
    _, first = np.unique(codes, return_index=True)
    first = first[low[first] != high[first]]
    return PairTable(low[first], high[first], table.jaccard[first], table.containment[first],
                     size_low[first], size_high[first])


class _Links:
    """Each article's partners (both directions of every pair), grouped by article:
    ``other``, ``jaccard``, ``containment`` and whether the article may be dropped
    for that partner (a near-duplicate, or not larger than it)."""

    def __init__(self, table: PairTable, threshold: float, count: int) -> None:
        near = table.jaccard >= threshold
        node = np.concatenate((table.x, table.y))
        order = np.argsort(node, kind="stable")
        self.other = np.concatenate((table.y, table.x))[order]
        self.jaccard = np.concatenate((table.jaccard, table.jaccard))[order]
        self.containment = np.concatenate((table.containment, table.containment))[order]
        self.droppable = np.concatenate((near | (table.size_x <= table.size_y),
                                         near | (table.size_y <= table.size_x)))[order]
        self.bounds = np.searchsorted(node[order], np.arange(count + 1))

    def of(self, i: int) -> slice:
        return slice(int(self.bounds[i]), int(self.bounds[i + 1]))


def _best(candidates: np.ndarray, score: np.ndarray, others: np.ndarray,
          ordinals: np.ndarray) -> int:
    """Index (into ``candidates``) of the highest score; ties to the lowest ordinal."""
    top = candidates[score[candidates] == score[candidates].max()]
    return int(top[np.argmin(ordinals[others[top]])])


def _survivors_once(links: _Links, order: list[int], ordinals: np.ndarray, lengths: np.ndarray,
                    alive: np.ndarray) -> list[Drop]:
    """One pass of the decision over the ``alive`` articles.

    Articles are taken in order of preference; one is dropped when it is a
    near-duplicate (Jaccard at or above the threshold) of a kept article, or is
    contained in a larger kept one (whichever came first). A larger article is
    never dropped for a smaller one it merely contains: that would lose its
    extra text. Each dropped article is verified against the kept one it names.
    """
    kept = np.zeros(len(alive), dtype=bool)
    drops: list[Drop] = []
    for i in order:
        if not alive[i]:
            continue
        span = links.of(i)
        if span.start == span.stop:
            kept[i] = True
            continue
        others = links.other[span]
        covering = np.flatnonzero(links.droppable[span] & kept[others])
        if len(covering):
            best = _best(covering, links.jaccard[span], others, ordinals)
            drops.append(Drop(i, int(others[best]), float(links.jaccard[span][best]),
                              float(links.containment[span][best])))
        else:
            kept[i] = True
    # A kept article wholly inside a larger kept one goes too, whatever the order.
    for i in sorted(np.flatnonzero(kept).tolist(), key=lambda i: (lengths[i], ordinals[i])):
        span = links.of(i)
        if span.start == span.stop:
            continue
        others = links.other[span]
        containers = np.flatnonzero(links.droppable[span] & kept[others] & (others != i)
                                    & (lengths[others] > lengths[i]))
        if len(containers):
            best = _best(containers, links.containment[span], others, ordinals)
            kept[i] = False
            drops.append(Drop(i, int(others[best]), float(links.jaccard[span][best]),
                              float(links.containment[span][best])))
    return drops
