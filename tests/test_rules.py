"""The rule registry: codes, select/ignore semantics, config keys, `dedup rules`, and
rules firing and not firing on small articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from dedup import Article, Canonical, CleanOptions, Settings, analyze, canonicalize
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


# ---------------------------------------------------------------- every rule, firing and not

A = "Since the storm reached the coast on Monday, emergency crews have worked around the clock to restore power."
B = "After heavy rain flooded three districts overnight, the city council has opened four shelters for families forced from their homes by the rising water."
C = "The mayor said in a briefing on Tuesday that more than twelve thousand households were still without electricity across the region."
D = "Engineers from two neighbouring towns arrived with generators and pumps, and the national weather office lifted its red warning late in the evening."
E = "Schools in the worst-hit districts will stay closed until Friday while inspectors check every building for damage to walls and wiring."
# A chain of near-copies: each is in the one before it, the last is not in the first.
S = ("The regional council voted on Tuesday night to spend four million pounds on new flood "
     "barriers along the river before the winter storms arrive.")
F = "Volunteers handed out blankets, bottled water and hot meals at the main shelter in the old market hall near the river."
# A menu of short links, shown twice on a page; a short line that recurs between
# different paragraphs.
MENU = "Flood warnings by region\nShelters open tonight\nHow to report cuts\nVolunteer with us"
QUESTION = "What happened next?"
# A subtitle that sums up the lead with a word left out: written, not pasted.
SUBTITLE = "First trial of a robot that draws and tests blood samples"
LEAD = ("A hospital team says its machine did as well as nurses, according to the first human "
        "trial of a robot that draws and tests blood samples in the city.")
# Removal and repair rules: (a text where the rule fires, one where it does not).
REMOVAL_CASES: dict[str, tuple[str, str]] = {
    "DUP101": (f"{A}\n{C}\n{D}\n{C}", f"{A}\n{C}\n{D}"),
    "DUP102": (f"{A} {B}\n{C}\n{B}", f"{A}\n{C}\n{B}"),
    "DUP103": (f"{A}\n{D}\n{E}\n{A} Engineers from two neighbouring towns arrived with generators.", f"{A}\n{D}"),
    "DUP104": (f"{A}\n{C}\nRead more\n{D}\n{E}\n{C}\nRead more\n{D}\n{F}", f"{A}\nRead more\n{C}\nRead more\n{D}"),
    "DUP106": (f"{MENU}\n{A}\n{C}\n{MENU}\nContact", f"{MENU}\n{A}\n{QUESTION}\n{C}\n{QUESTION}\n{D}"),
    "DUP105": (f"{A}\nCrowds gathered outside the court on Monday to hear the verdict read.\n{D}\nCrowds gathered outside the court on Monday to hear the verdict read. Photo: John Locher, AP", f"{A}\n{C}\n{D}\nPhoto: John Locher, AP"),
    "DUP201": (f"{A}\n{C}\n{D} {C}", f"{A}\n{C}\n{D} {E}"),
    "DUP202": (f"{A} {C} {D} {C} {E}", f"{A} {C} {D} {E}"),
    "DUP301": (f"{A}\nThe best TV deals of 2019 right now in the big shops in town The best TV deals of 2019 right now in the big shops in town and more words here\n{D}", f"{A}\n{D}"),
    "DUP302": (f"{A}\nCreated with Sketch. Created with Sketch. Created with Sketch. Created with Sketch. Created with Sketch. Share this story with friends and family today\n{D}", f"{A}\nCreated with Sketch twice and more words to make it long enough okay\n{D}"),
    "DUP303": (f"{A}\nImpeachment inquiry explained in seven charts Impeachment inquiry explained in seven charts and what comes next for the House\n{D}", f"{A}\n{D}"),
    "DUP304": (f"{A}\nThe speech by Rep. Ilhan Omar Hillicon Valley Progressives oppose the new bill Senators call for inquiry MORE The speech drew applause in the hall today.\n{C}\nLater Rep. Pramila Jayapal Hillicon Valley Progressives oppose the new bill Senators call for inquiry MORE Then she spoke to the crowd outside.\n{D}", f"{A}\n{D}"),
    "FIX101": (f"{A}\nThe council met on Monday and the mayor added.The power came back on Tuesday morning.", f"{A}\n{D}"),
}
INTERVIEW = (FIXTURES / "interview.txt").read_text(encoding="utf-8")
MEAL = (FIXTURES / "meal-plan.txt").read_text(encoding="utf-8")
# Protections: (a text where the rule keeps something, one where it changes nothing).
KEEP_CASES: dict[str, tuple[str, str]] = {
    "KEEP101": (INTERVIEW, f"{A}\n{C}"),
    "KEEP102": (f"# Floods\n\n{A}\n\n{C}\n\n```\n{C}\n```\n", f"{A}\n\n{C}\n"),
    "KEEP103": (MEAL, f"{A}\n{C}"),
    "KEEP104": (f"{A}\nMonday: 420 kcal, 32 g protein, 41 g carbs, 12 g fat, 6 g fibre, 1 g salt, 9 g sugar, 3 cups water, 5 fruit, 5 vegetables\n{D}\nMonday: 420 kcal, 32 g protein, 41 g carbs, 12 g fat, 6 g fibre, 1 g salt, 9 g sugar, 3 cups water, 5 fruit, 2 vegetables\n{E}", f"{A}\n{C}"),
    "KEEP105": (f"{A}\n{B} Families can bring pets to the shelter at the school, officials said on Tuesday night. {C}\nFamilies can bring pets to the shelter at the school.\n{D}", f"{A}\n{C}"),
    "KEEP106": (f'{A}\n"The water rose faster than anyone here had ever seen before in this town"\n"The water rose faster than anyone here had ever seen before in this town," the mayor said on Tuesday, adding that more help was coming soon.\n{D}', f"{A}\n{C}"),
    "KEEP107": (f'{A}\n"We will rebuild every home that the water took from us this week," she said.\n{D} "We will rebuild every home that the water took from us this week," she said.', f"{A}\n{C}"),
    "KEEP108": (f"{A}\n{C}\nHelp is on the way for every family in the flooded districts tonight. {C} — Rep. Ilhan Omar (@IlhanMN) November 19, 2019\n{D}", f"{A}\n{C}"),
    "KEEP109": (f"{A}\nWhy does this matter for the towns? {D}\n{E} Why does this matter for the towns?", f"{A}\n{C}"),
    "KEEP110": (f"{A}\n{C}\n{D}\n{C} {E}", f"{A}\n{C}"),
    "KEEP111": (f"{A}\n{C}\n{D}\n{C} Updated at 14:05 GMT.", f"{A}\n{C}"),
    "KEEP112": (f"{A}\n{C}\n{D}\n{A[:-1]}, and {C[0].lower()}{C[1:]}", f"{A}\n{C}"),
    "KEEP114": (f"{SUBTITLE}\n{A}\n{LEAD}\n{D}", f"{A}\n{C}"),
    "KEEP115": (f"{A} {C}\n> {C}\n{D}", f"{A}\n{C}"),
    "KEEP113": (f"{A}\n{S.replace('winter', 'autumn').replace('regional', 'county')}\n"
                f"{S.replace('winter', 'autumn')}\n{S}\n{D}", f"{A}\n{C}"),
}


def on(code: str) -> dict[str, object]:
    """The options that switch ``code`` on: nothing for a default rule, else every rule."""
    return {} if BY_CODE[code].default else {"select": ("ALL",)}


def run(text: str, **options: object) -> Canonical:
    markdown = text.startswith("# ")
    article = Article("a", text, "a.md" if markdown else "a.txt", markdown=markdown)
    return canonicalize(analyze(article, Settings()), Settings(),
                        CleanOptions(**options))  # type: ignore[arg-type]


def test_every_rule_has_a_case() -> None:
    across = {"DUP401", "DUP402"}  # between articles: test_across_rules
    assert set(REMOVAL_CASES) | set(KEEP_CASES) | across == set(BY_CODE)
    assert all(BY_CODE[c].action == "keep" for c in KEEP_CASES)


@pytest.mark.parametrize("code", sorted(REMOVAL_CASES))
def test_removal_rule_fires_and_not(code: str) -> None:
    fires, quiet = REMOVAL_CASES[code]
    made = run(fires, **on(code))
    assert code in {e.rule for e in made.edits}
    assert made.text != fires
    off = run(fires, **on(code), ignore=(code,))
    assert code not in {e.rule for e in off.edits}
    assert off.text != made.text  # switching the rule off changes the output
    assert code not in {e.rule for e in run(quiet, **on(code)).edits}
    if not BY_CODE[code].default:
        assert code not in {e.rule for e in run(fires).edits}  # off unless selected
    assert all(e.rule in BY_CODE for e in made.edits)


@pytest.mark.parametrize("code", sorted(KEEP_CASES))
def test_protection_keeps_and_not(code: str) -> None:
    protected, quiet = KEEP_CASES[code]
    # KEEP113 is the safety net behind every other rule: off too, to see the rule alone.
    alone = (code,) if code == "KEEP113" else (code, "KEEP113")
    kept, unprotected = run(protected), run(protected, ignore=alone)
    assert unprotected.text != kept.text  # off, something else goes (more, or another copy)
    assert run(quiet).text == run(quiet, ignore=(code,)).text


def test_across_rules(tmp_path: Path) -> None:
    from dedup import clean_inputs, scan_paths

    text = f"{A}\n{C}\n{D}\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    (tmp_path / "c.txt").write_text(f"{E}\n{C}\n{F}\n", encoding="utf-8")
    found = scan_paths([str(tmp_path)])
    rules = {(f.kind, f.rule) for f in found.findings}
    assert ("article", "DUP401") in rules and ("paragraph", "DUP402") in rules
    quiet = scan_paths([str(tmp_path)], rules=CleanOptions(ignore=("DUP4",)))
    assert quiet.findings == []
    lines = tmp_path / "feed.jsonl"
    lines.write_text(json.dumps({"id": "1", "text": text}) + "\n"
                     + json.dumps({"id": "2", "text": text}) + "\n", encoding="utf-8")
    dropped = clean_inputs([str(lines)], Settings())
    assert [a.dropped is not None for a in dropped.articles] == [False, True]
    kept = clean_inputs([str(lines)], Settings(), options=CleanOptions(ignore=("DUP401",)))
    assert [a.dropped is not None for a in kept.articles] == [False, False]


def test_a_verbatim_part_still_goes_whatever_its_capitals() -> None:
    # The same words in one run, with other capitals and punctuation: a pasted copy.
    pasted = "First Human Trial of a Robot that Draws and Tests Blood Samples!"
    made = run(f"{pasted}\n{A}\n{LEAD}\n{D}")
    assert pasted not in made.text and LEAD in made.text
    assert "DUP102" in {e.rule for e in made.edits}
    # One word left out: written for the page, kept, and reported as kept.
    kept = run(f"{SUBTITLE}\n{A}\n{LEAD}\n{D}")
    assert SUBTITLE in kept.text and not kept.removals
    assert [e.rule for e in kept.kept] == ["KEEP114"]


def test_a_pull_quote_and_the_text_it_quotes_both_stay_but_quotes_pasted_twice_go() -> None:
    quote = f"> {C}"
    before = run(f"{quote}\n{A} {C}\n{D}")  # the quote first: the text keeps its sentence
    assert before.text == f"{quote}\n{A} {C}\n{D}"
    assert "KEEP115" in {e.rule for e in before.kept}
    off = run(f"{quote}\n{A} {C}\n{D}", ignore=("KEEP115", "KEEP113"))
    assert off.text.count(C) == 1
    twice = run(f"{A}\n{quote}\n{D}\n{quote}")  # the same blockquote again is a copy
    assert twice.text.count(quote) == 1 and "DUP101" in {e.rule for e in twice.edits}
