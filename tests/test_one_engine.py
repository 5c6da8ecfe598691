"""One engine: what scan reports inside an article is exactly what clean removes.

Scan's within-article duplicates are the cleaner's removals (same offsets, same rule
codes), and the repeats it reports as kept carry the protection that kept them.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, shared_sample

from dedup import CleanOptions, Settings, clean_inputs, scan_paths
from dedup.rules import BY_CODE

Key = tuple[str, int, int, str]


def scanned(paths: list[str], options: CleanOptions | None = None) -> tuple[set[Key], set[Key]]:
    result = scan_paths(paths, scope="within", rules=options)
    assert result.errors == []
    removed = {(f.b.article if f.remove == "b" else f.a.article, f.start or 0, f.end or 0, f.rule)
               for f in result.findings if f.is_duplicate}
    kept = {(f.b.article, f.start or 0, f.end or 0, f.rule)
            for f in result.findings if not f.is_duplicate}
    return removed, kept


def cleaned(paths: list[str], options: CleanOptions | None = None) -> set[Key]:
    options = (options or CleanOptions()).with_(scope="within")
    result = clean_inputs(paths, Settings(), options=options)
    assert result.errors == []
    return {(a.article.id, e.start, e.end, e.rule) for a in result.articles
            for e in a.canonical.removals}


def agree(paths: list[str], options: CleanOptions | None = None) -> None:
    removed, kept = scanned(paths, options)
    assert removed == cleaned(paths, options)
    assert all(BY_CODE[rule].action == "keep" for *_, rule in kept)
    assert all(BY_CODE[rule].action == "remove" for *_, rule in removed)


FIXTURE_FILES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".txt", ".md", ".jsonl"))


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_scan_and_clean_agree_on_every_fixture(name: str) -> None:
    agree([str(FIXTURES / name)])


@pytest.mark.parametrize("ignore", [("DUP3",), ("KEEP",), ("DUP1",), ("DUP201",)])
def test_they_agree_with_rules_switched_off(ignore: tuple[str, ...]) -> None:
    agree([str(FIXTURES / name) for name in FIXTURE_FILES], CleanOptions(ignore=ignore))


def test_a_kept_repeat_is_reported_with_its_protection() -> None:
    removed, kept = scanned([str(FIXTURES / "interview.txt")])
    assert removed == set() and {rule for *_, rule in kept} == {"KEEP101"}
    removed, kept = scanned([str(FIXTURES / "meal-plan.txt")])
    assert removed == set() and "KEEP103" in {rule for *_, rule in kept}


@pytest.mark.shared
@pytest.mark.parametrize(("folder", "pattern", "count"), [
    ("extraction/input", "*/*.txt", 30),
    ("extraction-more/input", "*/*.txt", 30),
    ("trafilatura-eval/input", "*/*.txt", 20),
    ("bbc", "*/*.txt", 30),
])
def test_scan_and_clean_agree_on_the_shared_data(folder: str, pattern: str, count: int) -> None:
    agree([str(p) for p in shared_sample(folder, pattern, count)])
