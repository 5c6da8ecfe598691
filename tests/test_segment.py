"""Segmentation: the layout is detected per article and structure is never merged into prose."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import FIXTURES, shared_path
from hypothesis import given
from hypothesis import strategies as st

from dedup.text.segment import Paragraph, detect_layout, segment, split_lines


def texts(text: str, paragraphs: list[Paragraph]) -> list[str]:
    return [text[p.start:p.end] for p in paragraphs]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def physical_lines(text: str) -> list[str]:
    return [line for line in re.split(r"\r\n|\n|\r", text) if line.strip()]


def check_spans(text: str, paragraphs: list[Paragraph]) -> None:
    """Spans are in order, do not overlap, and hold no leading/trailing line terminator."""
    last = 0
    for p in paragraphs:
        assert last <= p.start < p.end <= len(text)
        body = text[p.start:p.end]
        assert body.strip()
        assert not body.endswith(("\n", "\r")) and not body.startswith(("\n", "\r"))
        last = p.end


# --- lines ----------------------------------------------------------------------------------


def test_split_lines_handles_every_line_ending() -> None:
    text = "a\r\nb\nc\rd"
    assert [(line.text, text[line.start:line.end]) for line in split_lines(text)] == \
        [("a", "a"), ("b", "b"), ("c", "c"), ("d", "d")]
    assert [line.text for line in split_lines("a\n\nb\n")] == ["a", "", "b"]


@given(st.lists(st.sampled_from(["a", "bc", " ", "\t", "\n", "\r", "\r\n", "\u2028", "\x0c"]),
                max_size=12))
def test_split_lines_with_and_without_carriage_returns_cut_alike(parts: list[str]) -> None:
    # Text without "\r" takes a path of its own; both must cut as the line pattern does.
    text = "".join(parts)
    spans = [(line.start, line.end, line.text) for line in split_lines(text)]
    expected = []
    for match in re.finditer(r"([^\r\n]*)(\r\n|\n|\r|$)", text):
        if match.start() == len(text) == match.end():
            break
        expected.append((match.start(), match.end(1), match.group(1)))
    assert spans == expected


# --- one paragraph per line -------------------------------------------------------------------


def test_one_paragraph_per_line() -> None:
    text = fixture("one-per-line.txt")
    assert detect_layout(text) == "lines"
    paragraphs = segment(text)
    check_spans(text, paragraphs)
    assert texts(text, paragraphs) == text.rstrip("\n").split("\n")
    assert all(p.kind == "prose" for p in paragraphs)


def test_the_seed_pattern_fixture() -> None:
    text = fixture("repeated-intro.txt")
    assert detect_layout(text) == "lines"
    found = texts(text, segment(text))
    assert len(found) == 9
    assert found[3] == found[1]
    assert found[2] in found[0]


def test_crlf_text_keeps_offsets_into_the_original() -> None:
    text = fixture("one-per-line.txt").replace("\n", "\r\n")
    paragraphs = segment(text)
    check_spans(text, paragraphs)
    assert texts(text, paragraphs) == text.rstrip("\r\n").split("\r\n")


# --- blank-line blocks ----------------------------------------------------------------------------


def test_blank_line_blocks_headline_then_paragraphs() -> None:
    text = fixture("bbc-blocks.txt")
    assert detect_layout(text) == "blocks"
    found = texts(text, segment(text))
    assert found[0] == "Harbour town approves new ferry link"
    assert len(found) == 6
    assert found == [block.strip() for block in text.split("\n\n")]


def test_a_hard_wrapped_block_is_one_paragraph() -> None:
    text = ("Title\n\n"
            "This paragraph was wrapped by an editor at about sixty\n"
            "columns, so each of its lines stops in the middle of a\n"
            "sentence and carries on in the next line.\n\n"
            "This one was too, and it has two lines that run on to\n"
            "the end of the block.\n")
    found = texts(text, segment(text))
    assert found == ["Title", text.split("\n\n")[1], text.split("\n\n")[2].rstrip("\n")]


# --- hard-wrapped with indented paragraph starts --------------------------------------------


def test_indented_layout_paragraphs_table_and_sign_off() -> None:
    text = fixture("wrapped-indented.txt")
    assert detect_layout(text) == "indented"
    paragraphs = segment(text)
    check_spans(text, paragraphs)
    found = texts(text, paragraphs)
    assert [p.kind for p in paragraphs] == ["prose", "prose", "prose", "table", "prose", "prose"]
    assert found[0].startswith("Northfield Grain Co said") and found[0].endswith("first half.")
    assert found[0].count("\n") == 2
    assert found[1].startswith("    The company said the split") and found[1].endswith("ten cts.")
    assert found[2].endswith("March 31:")
    assert found[3].splitlines() == ["    Shr 1.12 dlrs vs 84 cts", "    Net 14,210,000 vs 10,655,000",
                                     "    Revs 301.4 mln vs 262.9 mln", "    Avg shrs 12.7 mln vs 12.7 mln"]
    assert found[4].endswith("in line with the first.")
    assert found[5] == " Reuter"


def test_wrapped_text_without_indentation_is_one_paragraph() -> None:
    text = ("Wall Street stocks were lower at the opening bell as\n"
            "investors waited for figures on retail sales, and the\n"
            "dollar eased against most major currencies.\n"
            " Reuter\n")
    assert detect_layout(text) == "indented"
    assert texts(text, segment(text)) == [text[: text.index("\n Reuter")], " Reuter"]


def test_short_lines_ending_sentences_are_not_taken_for_wrapping() -> None:
    text = "Home\nNews\nSport\n"
    assert detect_layout(text) == "lines"
    text = "The council met today.\nIt approved the budget.\nThe vote was close.\n"
    assert texts(text, segment(text)) == text.splitlines()


def test_aligned_columns_are_a_table_even_when_not_indented_past_the_text() -> None:
    text = ("The central bank set the following rates for\n"
            "its short-term notes today:\n"
            "    MATURITY      NEW RATE    OLD RATE\n"
            "  30-90 days      5.00 pct    5.00 pct\n"
            " 91-180 days      5.88 pct    5.85 pct\n"
            "\n"
            " Reuter\n")
    paragraphs = segment(text)
    assert [p.kind for p in paragraphs] == ["prose", "table", "prose"]
    assert texts(text, paragraphs)[1].count("\n") == 2


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_structure_is_never_merged_into_prose() -> None:
    text = fixture("article.md")
    assert detect_layout(text, markdown=True) == "markdown"
    paragraphs = segment(text, markdown=True)
    check_spans(text, paragraphs)
    kinds = [p.kind for p in paragraphs]
    assert kinds == ["front_matter", "heading", "prose", "prose", "heading", "table", "prose",
                     "prose", "prose", "prose", "heading", "prose", "code", "rule", "prose"]
    found = texts(text, paragraphs)
    assert found[0].startswith("---\ntitle:") and found[0].endswith("\n---")
    assert found[4] == "What changed\n------------"  # setext heading
    assert found[5].count("\n") == 3
    assert [f[:2] for f in found[7:10]] == ["- ", "- ", "- "]
    assert found[12].startswith("```sh") and found[12].endswith("```")
    for body, p in zip(found, paragraphs):
        if p.kind == "prose":
            for line in body.splitlines():
                assert not re.match(r"\s*(#|\||```|---$|\*\*\*$)", line), line


def test_front_matter_alone_makes_a_text_file_markdown() -> None:
    text = "---\ntitle: x\n---\nBody text here.\n"
    assert detect_layout(text) == "markdown"
    assert [p.kind for p in segment(text)] == ["front_matter", "prose"]


def test_markdown_indented_code_unclosed_fence_and_wrapped_list_items() -> None:
    text = ("Intro line.\n\n"
            "    indented code line one\n"
            "    indented code line two\n\n"
            "1. first item that wraps\n"
            "   onto a second line\n"
            "2. second item\n\n"
            "~~~\n"
            "never closed\n")
    paragraphs = segment(text, markdown=True)
    assert [p.kind for p in paragraphs] == ["prose", "code", "prose", "prose", "code"]
    found = texts(text, paragraphs)
    assert found[1].count("\n") == 1
    assert found[2] == "1. first item that wraps\n   onto a second line"
    assert found[4] == "~~~\nnever closed"


# --- the real data (skipped when ../shared/data is absent) -------------------------------------


def test_seed_article_one_paragraph_per_line() -> None:
    text = shared_path("seed", "repeated-intro.txt").read_text(encoding="utf-8")
    assert detect_layout(text) == "lines"
    assert texts(text, segment(text)) == [line for line in text.split("\n") if line.strip()]


def test_bbc_articles_are_blank_line_blocks() -> None:
    root = shared_path("bbc")
    checked = 0
    for folder in sorted(os.listdir(root)):
        if not (root / folder).is_dir():
            continue
        for name in sorted(os.listdir(root / folder))[:40]:
            try:
                text = (root / folder / name).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            assert detect_layout(text) == "blocks", name
            found = texts(text, segment(text))
            assert found[0] == text.split("\n", 1)[0].strip()  # the headline
            assert found == physical_lines(text)
            checked += 1
    assert checked >= 150


def test_extraction_outputs_are_one_paragraph_per_line() -> None:
    root = shared_path("extraction")
    for sub in ("gold", "input/trafilatura", "input/boilerpipe"):
        for name in sorted(os.listdir(root / sub))[:30]:
            text = (root / sub / name).read_text(encoding="utf-8")
            if len(text.split()) < 20:
                continue
            assert detect_layout(text) in ("lines", "blocks"), name
            found = texts(text, segment(text))
            assert found == physical_lines(text), name


def reuters() -> dict[str, str]:
    path = shared_path("reuters21578", "reuters21578.jsonl")
    out = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            out[record["id"]] = record["text"]
    return out


@pytest.fixture(scope="module")
def reuters_texts() -> dict[str, str]:
    return reuters()


def test_reuters_known_stories(reuters_texts: dict[str, str]) -> None:
    text = reuters_texts["reuters-2"]
    assert texts(text, segment(text)) == [
        "Standard Oil Co and BP North America\nInc said they plan to form a venture to manage "
        "the money market\nborrowing and investment activities of both companies.",
        "    BP North America is a subsidiary of British Petroleum Co\nPlc <BP>, which also owns "
        "a 55 pct interest in Standard Oil.",
        "    The venture will be called BP/Standard Financial Trading\nand will be operated by "
        "Standard Oil under the oversight of a\njoint management committee.",
        " Reuter",
    ]
    # A rate table: sixteen aligned rows become one table between the intro and the sign-off.
    text = reuters_texts["reuters-13324"]
    paragraphs = segment(text)
    assert [p.kind for p in paragraphs] == ["prose", "table", "prose"]
    assert texts(text, paragraphs)[1].count("\n") == 15
    # An earnings report: the figures are a table, the note below it is prose.
    text = reuters_texts["reuters-2789"]
    paragraphs = segment(text)
    assert [p.kind for p in paragraphs] == ["table", "prose", "prose"]
    assert texts(text, paragraphs)[1].startswith("    NOTE: 1985 net included")


@pytest.mark.slow
def test_reuters_tables_never_merge_into_prose(reuters_texts: dict[str, str]) -> None:
    """Over the whole corpus: a prose paragraph only has its first line indented (a
    table row is never glued to prose), and the closing "Reuter" is its own paragraph."""
    layouts: dict[str, int] = {}
    for key, text in reuters_texts.items():
        layout = detect_layout(text)
        layouts[layout] = layouts.get(layout, 0) + 1
        paragraphs = segment(text)
        lines = [line for line in text.splitlines() if line.strip()]
        base = min(len(line) - len(line.lstrip()) for line in lines)
        if layout == "indented":
            for p in paragraphs:
                if p.kind == "prose":
                    rest = text[p.start:p.end].splitlines()[1:]
                    assert all(len(x) - len(x.lstrip()) <= base for x in rest if x.strip()), key
        last = lines[-1].strip()
        if last.lower() == "reuter":
            assert text[paragraphs[-1].start:paragraphs[-1].end].strip() == last, key
    assert layouts["indented"] > 0.99 * len(reuters_texts)


def test_markdown_with_crlf_and_a_bom_stripped_by_the_reader() -> None:
    text = fixture("article.md").replace("\n", "\r\n")
    paragraphs = segment(text, markdown=True)
    check_spans(text, paragraphs)
    lf = segment(fixture("article.md"), markdown=True)
    assert [p.kind for p in paragraphs] == [p.kind for p in lf]
    assert [text[p.start:p.end].replace("\r\n", "\n") for p in paragraphs] == \
        texts(fixture("article.md"), lf)
    assert all(p.structural == (p.kind != "prose") for p in paragraphs)
