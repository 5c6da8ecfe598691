"""The Redis protocol packed in bulk: the same bytes a client library sends, for any
subset of a batch's rows."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from dedup.index import resp

redis = pytest.importorskip("redis")


def library_packed(*args: object) -> bytes:
    from redis.connection import PythonRespSerializer

    packer = PythonRespSerializer(6000, redis.connection.Encoder("utf-8", "strict", False).encode)
    return b"".join(packer.pack(*args))


def test_a_command_is_packed_as_the_client_library_packs_it() -> None:
    args = ("HSET", "idx:entries", b"\x00\xffbin\r\n", "é", 42)
    assert resp.command(*args) == library_packed(*args)


def test_band_keys_and_bucket_writes_match_the_library_for_any_rows() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**64, size=(7, 3), dtype=np.uint64)
    members = [f"article-{i}#{i * 3}".encode() * (1 + i % 3) for i in range(7)]
    writes = resp.BucketWrites.of(members)
    rows = np.array([0, 2, 3, 6])
    body, bounds = writes.arguments(keys[:, 1], rows)

    def pairs(chosen: list[int]) -> list[bytes]:
        out: list[bytes] = []
        for row in chosen:
            member = members[row]
            out += [struct.pack(">Q", int(keys[row, 1])), struct.pack(">H", len(member)) + member]
        return out

    table = b"idx:band:\x00\x01"
    expected = library_packed("HSET", table, *pairs([0, 2, 3, 6]))
    assert resp.header(b"HSET", table, len(rows), 2) + body == expected
    assert bounds[-1] == len(body) and len(bounds) == len(rows) + 1
    # Rows cut out afterwards (their buckets exist) leave the others' pairs intact.
    kept = resp.without(body, bounds, np.array([1, 3]))
    assert resp.header(b"HSET", table, 2, 2) + kept == library_packed("HSET", table,
                                                                      *pairs([0, 3]))
    fields = resp.band_fields(keys[rows, 1]).tobytes()
    assert resp.header(b"HMGET", table, len(rows)) + fields == library_packed(
        "HMGET", table, *(struct.pack(">Q", int(keys[r, 1])) for r in rows))
