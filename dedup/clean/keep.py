"""Which article of a group of near-duplicates survives: the keep policy (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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


def survivors(records: Sequence[Record], pairs: Sequence[Pair], settings: Settings,
              keep: str = "first") -> list[Drop]:
    """The articles to drop, each with a surviving article that says what it says.

    Decided again among the survivors until nothing more goes, so that running
    the decision on its own output drops nothing (cleaning is idempotent).
    """
    alive = set(range(len(records)))
    drops: dict[int, Drop] = {}
    while True:
        current = [p for p in pairs if p.x in alive and p.y in alive]
        new = _survivors_once(records, current, settings, keep, alive)
        if not new:
            break
        for drop in new:
            drops[drop.dropped] = drop
            alive.discard(drop.dropped)
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


def _survivors_once(records: Sequence[Record], pairs: Sequence[Pair], settings: Settings,
                    keep: str, alive: set[int]) -> list[Drop]:
    """One pass of the decision over the ``alive`` articles.

    Articles are taken in order of preference; one is dropped when it is a
    near-duplicate (Jaccard at or above the threshold) of a kept article, or is
    contained in a larger kept one (whichever came first). A larger article is
    never dropped for a smaller one it merely contains: that would lose its
    extra text. Each dropped article is verified against the kept one it names.
    """
    links: dict[int, list[tuple[int, float, float, bool]]] = {}
    for pair in pairs:
        near = pair.jaccard >= settings.threshold
        # (other, jaccard, containment, whether this side may be dropped for the other)
        links.setdefault(pair.x, []).append(
            (pair.y, pair.jaccard, pair.containment, near or pair.size_x <= pair.size_y))
        links.setdefault(pair.y, []).append(
            (pair.x, pair.jaccard, pair.containment, near or pair.size_y <= pair.size_x))
    kept: set[int] = set()
    drops: list[Drop] = []
    for i in preference(records, keep):
        if i not in alive:
            continue
        covering = [(other, j, c) for other, j, c, droppable in links.get(i, ())
                    if droppable and other in kept]
        if covering:
            other, jaccard, containment = max(covering, key=lambda t: (t[1], -records[t[0]].ordinal))
            drops.append(Drop(i, other, jaccard, containment))
        else:
            kept.add(i)
    # A kept article wholly inside a larger kept one goes too, whatever the order.
    for i in sorted(kept, key=lambda i: (records[i].length, records[i].ordinal)):
        containers = [(other, j, c) for other, j, c, droppable in links.get(i, ())
                      if droppable and other in kept and other != i
                      and records[other].length > records[i].length]
        if containers:
            other, jaccard, containment = max(containers, key=lambda t: (t[2], -records[t[0]].ordinal))
            kept.discard(i)
            drops.append(Drop(i, other, jaccard, containment))
    return drops
