"""Properties of the cleaner on generated articles built from real paragraphs.

Articles are made of the project's own fixture paragraphs, pasted again, as
near-copies (a sentence added or dropped), joined (the first sentences of two
paragraphs: a meta description) and shuffled. Whatever the mix:

* nothing said nowhere else is removed: every removed sentence of 8+ words has a
  verbatim or near-verbatim copy (80% of its word 5-grams) in one kept line;
* cleaning is idempotent;
* the kept bytes are unchanged (only whole spans go, and a space may be put back).

The examples are derandomised, so a run is the same every time (no flaky CI).
"""

from __future__ import annotations

import re
from dataclasses import replace

from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import Article, CleanOptions, Settings, analyze, canonicalize

# Split after every full stop, also where a scraper lost the space ("statement.The").
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[a-z][.!?])(?=[A-Z])")
_WORD = re.compile(r"\w+")


def _paragraphs() -> list[str]:
    out = []
    for name in ("repeated-intro.txt", "one-per-line.txt", "bbc-blocks.txt", "interview.txt",
                 "wrapped-indented.txt", "meal-plan.txt"):
        text = (FIXTURES / name).read_text(encoding="utf-8")
        for line in text.splitlines():
            line = line.strip()
            if len(_WORD.findall(line)) >= 8 and line not in out:
                out.append(line)
    return out


PARAGRAPHS = _paragraphs()
SENTENCES = sorted({s for p in PARAGRAPHS for s in _SENTENCE.split(p) if len(_WORD.findall(s)) >= 6})
SETTINGS = Settings()


def sentences(text: str) -> list[str]:
    return [s for line in text.splitlines() for s in _SENTENCE.split(line) if s.strip()]


@st.composite
def articles(draw: st.DrawFn) -> str:
    base = draw(st.lists(st.sampled_from(PARAGRAPHS), min_size=2, max_size=4, unique=True))
    lines = list(base)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["copy", "add", "drop", "join", "short"]))
        source = draw(st.sampled_from(lines))
        parts = sentences(source)
        if op == "copy":
            line = source
        elif op == "add":  # a near-copy that says one new thing
            line = source + " " + draw(st.sampled_from(SENTENCES))
        elif op == "drop" and len(parts) > 1:
            del parts[draw(st.integers(0, len(parts) - 1))]
            line = " ".join(parts)
        elif op == "join":  # the first sentences of two paragraphs
            other = sentences(draw(st.sampled_from(lines)))
            line = parts[0] + " " + other[0]
        else:
            line = draw(st.sampled_from(["Read more", "What happened next?", "Share this"]))
        lines.insert(draw(st.integers(0, len(lines))), line)
    return "\n".join(lines) + "\n"


def undoubled(text: str) -> str:
    """A line glued to itself ("X X", "X X X": a title twice) as the one copy it repeats."""
    tokens = [t.casefold() for t in _WORD.findall(text)]
    for period in range(1, len(tokens) // 2 + 1):
        if len(tokens) % period == 0 and all(t == tokens[k % period] for k, t in enumerate(tokens)):
            return " ".join(tokens[:period])
    return text


def grams(text: str, n: int = 5) -> set[tuple[str, ...]]:
    tokens = [t.casefold() for t in _WORD.findall(text)]
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def clean(text: str, options: CleanOptions | None = None) -> tuple[str, list[str], bool]:
    """The cleaned text, the removed passages, and whether a space was put back."""
    canonical = canonicalize(analyze(Article("a", text, "a.txt"), SETTINGS), SETTINGS, options)
    return (canonical.text, [e.removed for e in canonical.removals],
            any(e.kind == "join" for e in canonical.edits))


def check(text: str, options: CleanOptions | None = None) -> None:
    out, removed, joined = clean(text, options)
    # Kept bytes unchanged: without the spaces put back (FIX101), the output is the input
    # with spans cut, a subsequence of it (under keep="longest" a kept copy moves to the
    # first copy's place, so there only its lines are checked).
    plain = clean(text, replace(options or CleanOptions(), fix_joins=False))[0] if joined else out
    if options is None or options.keep != "longest":
        at = 0
        for char in plain:
            at = text.find(char, at) + 1
            assert at > 0, (plain, text)
    else:
        assert all(line in text for line in plain.splitlines())
    # Nothing said nowhere else is removed.
    # (a kept line, or two adjacent lines: hard-wrapped text is one paragraph)
    lines = out.splitlines()
    kept_lines = [grams(line) for line in lines] + [grams(" ".join(pair)) for pair in zip(lines, lines[1:])]
    for passage in removed:
        for sentence in sentences(passage):
            if len(_WORD.findall(sentence)) < 8:
                continue
            mine = grams(undoubled(sentence))
            assert any(len(mine & line) >= 0.8 * len(mine) for line in kept_lines), (sentence, out)
    # Idempotent.
    assert clean(out, options)[0] == out


COMMON = dict(deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=2500, **COMMON)  # type: ignore[arg-type]
@given(articles())
def test_generated_articles(text: str) -> None:
    check(text)


@settings(max_examples=1250, **COMMON)  # type: ignore[arg-type]
@given(articles())
def test_generated_articles_keep_longest(text: str) -> None:
    check(text, CleanOptions(keep="longest"))


@settings(max_examples=1250, **COMMON)  # type: ignore[arg-type]
@given(articles(), st.sampled_from(["DUP3", "KEEP112", "KEEP110", "DUP201", "KEEP105"]))
def test_generated_articles_with_a_rule_off(text: str, code: str) -> None:
    check(text, CleanOptions(ignore=(code,)))
