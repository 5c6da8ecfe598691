"""Shared fixtures: the project's own fixtures and, when present, ../shared/data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


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
