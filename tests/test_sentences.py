"""Sentences: NLTK's Punkt with the bundled English model, offline, abbreviations kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dedup.text.sentences import sentence_spans


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Mr. Smith arrived on Monday. He left on Tuesday.",
     ["Mr. Smith arrived on Monday.", "He left on Tuesday."]),
    ("The U.S. economy grew 2.4 pct in March, officials said. Prices rose too.",
     ["The U.S. economy grew 2.4 pct in March, officials said.", "Prices rose too."]),
    ("Dr. Jones met Mrs. Brown at 10 a.m. in Washington. They talked.",
     ["Dr. Jones met Mrs. Brown at 10 a.m. in Washington.", "They talked."]),
    ("Shares of Acme Corp. rose. Did they? Yes!", ["Shares of Acme Corp. rose.", "Did they?", "Yes!"]),
    ("No full stop at the end", ["No full stop at the end"]),
])
def test_sentences_and_abbreviations(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_spans_are_offsets_into_the_text() -> None:
    text = "  First one here.\nSecond one,\nwrapped over lines.  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First one here.", "Second one,\nwrapped over lines."]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_blank_text_has_no_sentences(text: str) -> None:
    assert sentence_spans(text) == []


OFFLINE = r"""
import json, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network disabled for this test")

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import nltk
nltk.data.path[:] = [sys.argv[1]]
try:
    nltk.data.find("tokenizers/punkt_tab/english/")
    has_model = True
except LookupError:
    has_model = False

from dedup.text.sentences import sentence_spans
text = "Mr. Smith went to the U.S. on Monday. He returned a week later."
print(json.dumps({"has_model": has_model,
                  "sentences": [text[s:e] for s, e in sentence_spans(text)]}))
"""


def test_works_offline_without_nltk_data(tmp_path: Path) -> None:
    """No nltk_data directory and no network: the bundled model is enough."""
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    env = {**os.environ, "NLTK_DATA": str(empty), "HOME": str(tmp_path),
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-c", OFFLINE, str(empty)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["has_model"] is False  # NLTK itself finds no model here...
    assert result["sentences"] == [  # ...and splitting still works, abbreviations intact.
        "Mr. Smith went to the U.S. on Monday.", "He returned a week later."]
