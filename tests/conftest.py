"""Shared fixtures: the project's own fixtures and, when present, ../shared/data."""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared" / "data"


def in_fresh_python(*lines: str) -> None:
    """Run ``lines`` as a program in a new interpreter (nothing imported yet); fail when
    one of its assertions does."""
    subprocess.run([sys.executable, "-c", "\n".join(lines)], check=True)


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def shared_sample(folder: str, pattern: str, count: int, seed: int = 13) -> list[Path]:
    """A fixed random sample of the files under ../shared/data/``folder``, or skip."""
    files = sorted(SHARED.joinpath(folder).glob(pattern))
    if not files:
        pytest.skip(f"shared data not available: {SHARED / folder}")
    return random.Random(seed).sample(files, min(count, len(files)))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def words(text: str) -> list[str]:
    return re.findall(r"\w+(?:[.,']\w+)*", text.lower())


def jaccard_by_hand(x: str, y: str, n: int = 5) -> float:
    """An independent reference: word 5-grams of a plain lower-cased tokenisation."""
    a, b = words(x), words(y)
    sa = {tuple(a[i:i + n]) for i in range(len(a) - n + 1)}
    sb = {tuple(b[i:i + n]) for i in range(len(b) - n + 1)}
    return len(sa & sb) / len(sa | sb)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of the tests' own on a free port of 127.0.0.1, stopped by its PID."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        pytest.skip("redis-server is not installed")
    pytest.importorskip("redis")
    import redis

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.skip("redis-server did not start")
        client.close()
        yield f"redis://127.0.0.1:{port}"
    finally:
        os.kill(proc.pid, 15)
        proc.wait(timeout=10)
