"""The rule registry: codes, select/ignore semantics, config keys, `dedup rules`, and
rules firing and not firing on small articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import Article, CleanOptions, Settings, analyze, canonicalize
from dedup.cli.main import main
from dedup.config import coerce
from dedup.errors import ConfigError, UsageError
from dedup.rules import BY_CODE, DEFAULT_RULES, RULES, enabled_rules, matching

INTRO = ("Foreign Minister Penny Wong said on Monday that the talks in Canberra would go on "
         "for a second week, with trade and security on the table.")
OTHER = ("The opposition leader said the government had failed to explain what the talks "
         "were for, and asked for the papers to be tabled in parliament.")
DOUBLED = ("Readers liked the story a lot. The best TV deals of 2019 right now The best TV "
           "deals of 2019 right now are listed in our guide for every budget.")


def clean(text: str, **options: object) -> tuple[str, set[str]]:
    canonical = canonicalize(analyze(Article("a", text, "a.txt"), Settings()), Settings(),
                             CleanOptions(**options))  # type: ignore[arg-type]
    return canonical.text, {e.rule for e in canonical.edits}


def test_codes_are_unique_and_grouped() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    for r in RULES:
        assert r.code[:-2].rstrip("0123456789") in {"DUP", "KEEP", "FIX"}
        assert r.summary and r.example and r.name
        if r.code.startswith("DUP3"):
            assert r.action == "remove"  # DUP3 is the group of cuts inside a line


@pytest.mark.parametrize(("select", "ignore", "on", "off"), [
    ((), (), {"DUP101", "DUP301", "KEEP105"}, set()),
    ((), ("DUP3",), {"DUP101", "DUP201"}, {"DUP301", "DUP302", "DUP303", "DUP304"}),
    (("DUP1",), (), {"DUP101", "DUP105"}, {"DUP201", "DUP301", "KEEP101"}),
    (("DUP",), ("DUP30",), {"DUP201"}, {"DUP301"}),
    (("DUP301",), ("DUP3",), {"DUP301"}, {"DUP302"}),   # the more specific selector wins
    (("DUP3",), ("DUP3",), set(), {"DUP301"}),          # a tie: ignore wins
    (("ALL",), ("KEEP",), {"DUP101", "FIX101"}, {"KEEP101"}),
])
def test_select_ignore(select: tuple[str, ...], ignore: tuple[str, ...],
                       on: set[str], off: set[str]) -> None:
    enabled = enabled_rules(select, ignore)
    assert on <= enabled
    assert not off & enabled


def test_defaults_and_prefixes() -> None:
    assert enabled_rules() == DEFAULT_RULES
    assert set(matching("dup3")) == {"DUP301", "DUP302", "DUP303", "DUP304"}
    with pytest.raises(UsageError, match="DUP999"):
        CleanOptions(ignore=("DUP999",))


def test_fix_joins_false_is_ignoring_fix101() -> None:
    assert not CleanOptions(fix_joins=False).on("FIX101")


def test_duplicate_paragraph_fires_and_can_be_ignored() -> None:
    text = f"{INTRO}\n{OTHER}\n{INTRO}\n"
    out, rules = clean(text)
    assert out == f"{INTRO}\n{OTHER}\n"
    assert "DUP101" in rules
    out, rules = clean(text, ignore=("DUP1",))
    assert out == text and "DUP101" not in rules


def test_duplicate_paragraph_does_not_fire_on_new_text() -> None:
    out, rules = clean(f"{INTRO}\n{OTHER}\n")
    assert not rules


def test_in_line_cuts_are_one_group() -> None:
    text = f"{INTRO}\n{DOUBLED}\n"
    out, rules = clean(text)
    assert rules & {"DUP301", "DUP302", "DUP303"}
    assert out.count("The best TV deals of 2019 right now") == 1
    assert clean(text, ignore=("DUP3",)) == (text, set())


def test_short_line_protection_switched_off_does_not_protect() -> None:
    text = f"What happened next?\n{INTRO}\nWhat happened next?\n{OTHER}\n"
    assert clean(text)[0] == text
    assert BY_CODE["KEEP101"].default


def test_per_file_ignores() -> None:
    options = CleanOptions(per_file_ignores=(("wire/*", ("DUP1",)),))
    assert not options.for_path("wire/a.txt").on("DUP101")
    assert options.for_path("news/a.txt").on("DUP101")


def test_config_keys(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    assert coerce(path, "ignore", ["dup3"]) == ("DUP3",)
    assert coerce(path, "per_file_ignores", {"wire/*": ["DUP201"]}) == (("wire/*", ("DUP201",)),)
    with pytest.raises(ConfigError, match="pyproject.toml"):
        coerce(path, "select", ["NOPE1"])



def test_cli_ignore_flag(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{INTRO}\n{OTHER}\n{INTRO}\n")
    runner = CliRunner()
    result = runner.invoke(main, ["clean", "--check", "--ignore", "DUP1", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["clean", "--check", "--format", "json", str(path)])
    assert result.exit_code == 1
    edits = json.loads(result.stdout)["edits"]
    assert [e["rule"] for e in edits] == ["DUP101"]
    result = runner.invoke(main, ["clean", "--check", "--ignore", "NOPE1", str(path)])
    assert result.exit_code == 2


def test_rules_command() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["rules", "--format", "json"])
    assert result.exit_code == 0
    listed = [r["code"] for r in json.loads(result.stdout)["rules"]]
    assert listed == [r.code for r in RULES]
    result = runner.invoke(main, ["rules"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for r in RULES:
        assert r.code in result.output


def test_docs_describe_every_rule() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in RULES:
        assert f"## {r.code} {r.name}" in page, f"{r.code} missing from docs/rules.md"
        assert r.summary in page, f"{r.code}'s summary differs in docs/rules.md"
    from dedup.rules import markdown

    assert page == markdown(), "regenerate: python -m dedup.rules > docs/rules.md"
