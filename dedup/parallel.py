"""Batching and the one process pool that scan, clean and index share.

Work is cut into batches of articles; :func:`ordered_map` runs a picklable function
on each batch, in ``jobs`` processes when ``jobs > 1``, and yields the results in
input order while keeping a bounded window of batches in flight (memory stays flat
however long the input).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")

# Batches in flight per worker: enough to keep every worker busy, few enough to
# bound memory.
WINDOW_PER_JOB = 2


def batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """Consecutive lists of ``size`` items (the last one shorter).

    Example:
        >>> list(batched(range(5), 2))
        [[0, 1], [2, 3], [4]]
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ordered_map(func: Callable[..., _R], batches: Iterable[_T], *args: Any,
                jobs: int = 1) -> Iterator[_R]:
    """``func(batch, *args)`` for every batch, in order; in ``jobs`` processes when > 1.

    ``func`` and its arguments must be picklable when ``jobs > 1``.
    """
    if jobs <= 1:
        for batch in batches:
            yield func(batch, *args)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        window: deque[Future[_R]] = deque()
        for batch in batches:
            window.append(pool.submit(func, batch, *args))
            if len(window) >= jobs * WINDOW_PER_JOB:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
