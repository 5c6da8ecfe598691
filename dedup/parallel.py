"""Batching and the one process pool that scan, clean and index share.

Work is cut into batches of articles; :func:`ordered_map` runs a picklable function
on each batch, in ``jobs`` processes when ``jobs > 1``, and yields the results in
input order while keeping a bounded window of batches in flight (memory stays flat
however long the input). :func:`in_background` runs one step on data already in
memory in a forked process, beside the main one.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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


# Work handed to a forked child: it finds it here, in the memory it shares with us.
_FORKED: dict[int, Callable[[], Any]] = {}


def _run_forked(token: int) -> Any:
    return _FORKED[token]()


def in_background(work: Callable[[], _R]) -> Callable[[], _R]:
    """Start ``work()`` in a forked child process and return a function that waits for
    its result.

    The child shares this process's memory as it is at the fork (copy-on-write), so
    the data ``work`` reads is not pickled on the way in; only the result comes back
    pickled. Where processes cannot be forked (Windows, macOS defaults), or when the
    child dies, ``work()`` runs in this process when its result is asked for.

    Example:
        >>> wait = in_background(lambda: sum(range(10)))
        >>> wait()
        45
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return work
    token = id(work)
    _FORKED[token] = work
    # A fork pool starts its process at the first submit: after the work is in place.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    future = pool.submit(_run_forked, token)

    def result() -> _R:
        try:
            return future.result()  # type: ignore[no-any-return]
        except BrokenProcessPool:
            return work()
        finally:
            pool.shutdown()
            _FORKED.pop(token, None)

    return result
