"""Offsets through the cleaner's rounds: the text each round writes, and where each of
its characters came from."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.clean.engine import _apply, _moved


def moved_by_hand(spans: frozenset[tuple[int, int]], origin: np.ndarray) -> frozenset[tuple[int, int]]:
    where = {int(o): k for k, o in enumerate(origin.tolist())}  # the last character from each offset
    return frozenset((where[s], where[e - 1] + 1) for s, e in spans if s in where and e - 1 in where)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .", min_size=1, max_size=60), st.data())
def test_cuts_and_inserts_write_the_kept_characters_with_their_origins(text: str, data: st.DataObject) -> None:
    points = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    cuts = list(zip(points[::2], points[1::2]))
    inserts = {p: [(" ", np.full(1, p, dtype=np.int64))]
               for p in data.draw(st.lists(st.integers(0, len(text)), max_size=2, unique=True))}
    written, origin = _apply(text, cuts, inserts)
    deleted = {k for start, end in cuts for k in range(start, end)}
    expected, expected_origin = [], []
    for k in range(len(text) + 1):
        for inserted, where in inserts.get(k, ()):
            expected.append(inserted)
            expected_origin += where.tolist()
        if k < len(text) and k not in deleted:
            expected.append(text[k])
            expected_origin.append(k)
    assert written == "".join(expected)
    assert origin.tolist() == expected_origin
    # Spans protected in the text carry over to the written text.
    spans = frozenset((s, e) for s, e in zip(points[::2], points[1::2]) if s < e)
    assert _moved(spans, origin) == moved_by_hand(spans, origin)


def test_spans_carry_over_when_a_copy_moved_before_the_first() -> None:
    origin = np.array([5, 6, 7, 0, 1, 2, 3], dtype=np.int64)  # keep="longest" moved 5-7 first
    spans = frozenset({(0, 2), (5, 8), (3, 9)})
    assert _moved(spans, origin) == moved_by_hand(spans, origin) == frozenset({(3, 5), (0, 3)})
