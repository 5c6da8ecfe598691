"""The canonicaliser: what it removes, what it must keep, and that it is stable."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import pytest
from conftest import FIXTURES, shared_path
from hypothesis import strategies as st

from dedup.clean.engine import canonicalize
from dedup.clean.keep import Pair, Record, parse_date, survivors
from dedup.document import analyze
from dedup.io.reader import Article, read_path
from dedup.options import CleanOptions
from dedup.settings import Settings
from dedup.sketch.shingle import Shingler
from dedup.text.joins import fix_joins, join_points

SETTINGS = Settings()


def clean_text(text: str, keep: str = "first", fix: bool = True, markdown: bool = False,
               ignore: tuple[str, ...] = ()) -> str:
    doc = analyze(Article("t", text, "t", markdown=markdown), SETTINGS, Shingler())
    return canonicalize(doc, SETTINGS, CleanOptions(keep=keep, fix_joins=fix, ignore=ignore)).text


def paragraphs(text: str) -> list[str]:
    return text.split("\n")


P0 = "Since the storm reached the coast on Monday, emergency crews have worked around the clock to restore power."
P1 = "The mayor said in a briefing on Tuesday that more than twelve thousand households were still without electricity."
P2 = "Engineers from two neighbouring towns arrived with generators and pumps late in the evening on Wednesday."
P3 = "Forecasters expect drier weather from Thursday, although rivers upstream are still rising and could overflow."
P4 = "The council will publish the full results of the consultation on its website before the summer recess."
P5 = "Residents who missed the deadline can still send their comments by post until the end of the month, officials said."


def test_fixture_seed_pattern_cleans_to_paragraphs_0_1_and_4_on() -> None:
    text = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    expected = [lines[0], lines[1], *lines[4:]]
    expected = [line.replace("statement.The", "statement. The") for line in expected]
    assert clean_text(text).split("\n") == expected


def test_shared_seed_cleans_to_paragraphs_0_1_4_to_15_with_the_join_repaired() -> None:
    path = shared_path("seed", "repeated-intro.txt")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    cleaned = clean_text(text).split("\n")
    expected = [lines[0], lines[1], *lines[4:]]
    assert len(cleaned) == 14
    for index, (got, want) in enumerate(zip(cleaned, expected)):
        if "added.The" in want:
            assert index == 7  # paragraph 9 of the original
            assert got == want.replace("added.The", "added. The")
        else:
            assert got == want
    assert not text.endswith("\n") and not clean_text(text).endswith("\n")


def test_keep_first_keeps_the_first_copy_and_the_new_sentences_of_the_later_one() -> None:
    extra = "Officials said more than three hundred homes were flooded across the district."
    text = "\n".join([P0, P1, P0 + " " + extra, P2])
    assert paragraphs(clean_text(text)) == [P0, P1, extra, P2]


def test_an_earlier_fragment_goes_when_a_later_paragraph_holds_it_mid_sentence() -> None:
    fragment = "emergency crews have worked around the clock to restore power across the region"
    later = ("Since the storm reached the coast on Monday, " + fragment
             + " while volunteers handed out food.")
    text = "\n".join([fragment, P1, later, P2])
    assert paragraphs(clean_text(text)) == [P1, later, P2]


def test_keep_longest_moves_the_most_complete_copy_to_the_first_place() -> None:
    longer = P0 + " Officials said more than three hundred homes were flooded across the district."
    text = "\n".join([P0, P1, longer, P2])
    assert paragraphs(clean_text(text, keep="longest")) == [longer, P1, P2]


def test_a_short_headline_goes_when_a_later_teaser_opens_with_it() -> None:
    headline = "Playoff Watch: where do the Browns stand now?"
    teaser = f"{headline} Cleveland will need lots of help from other teams"
    text = "\n".join([P0, headline, P1, teaser])
    assert paragraphs(clean_text(text)) == [P0, P1, teaser]


def test_repeated_sentence_inside_an_otherwise_new_paragraph_is_removed() -> None:
    text = "\n".join([P0, P1, P2 + " " + P1, P3])
    assert paragraphs(clean_text(text)) == [P0, P1, P2, P3]


def test_a_pasted_run_takes_its_short_lines_with_it() -> None:
    caption = "Photo: city council"
    text = "\n".join([P0, caption, P1, P2, P0, caption, P1, P3])
    assert paragraphs(clean_text(text)) == [P0, caption, P1, P2, P3]


def test_short_repeated_lines_alone_are_legitimate() -> None:
    question = "What did you do next?"
    answers = [P0, P1, P2, P3]
    text = "\n".join(x for answer in answers for x in (question, answer))
    assert clean_text(text) == text


def test_template_lines_of_a_structured_page_are_kept() -> None:
    # A meal plan: each meal repeats its heading, timing and a portion line.
    text = (FIXTURES / "meal-plan.txt").read_text(encoding="utf-8")
    assert clean_text(text) == text


# What a whole-page converter puts around an article: menus, share links, related
# links and scripts, each line unique and long enough to be compared as prose.
MENU = "\n".join(f"* [{name}](https://example.com/{name.lower()}/)"
                 for name in ("Home", "Recipes", "Workouts", "Nutrition", "Community", "Shop", "Login"))
SLUGS = ("ten-exercises-that-build-strength-without-weights", "what-a-sports-dietitian-eats-on-rest-days",
         "how-to-meal-prep-for-a-busy-week", "best-running-shoes-for-flat-feet-reviewed",
         "is-intermittent-fasting-safe-for-athletes", "five-stretches-for-lower-back-pain",
         "high-protein-breakfasts-under-ten-minutes", "why-sleep-matters-for-muscle-recovery",
         "beginner-guide-to-kettlebell-swings", "vegetarian-sources-of-iron-and-zinc",
         "how-much-water-should-you-drink-daily", "the-truth-about-sports-drinks-and-sugar")
LINKS = [f"* [{label}](https://example.com/{slug}/?utm_source={site}&utm_medium=share)"
         for slug in SLUGS for label, site in (("Read more", "related"), ("Share", "facebook"))]
SCRIPTS = [f'<script src="https://cdn.example.com/static/{name}.min.js?v=2020.11.19"></script>'
           for name in ("analytics", "consent-manager", "video-player", "newsletter-popup")]


def test_a_structured_page_among_menus_links_and_scripts_keeps_its_templates() -> None:
    # Most of the page's lines are navigation and code: the meal plan is still structured,
    # and only the menu shown again at the foot goes (DUP106).
    meal_plan = (FIXTURES / "meal-plan.txt").read_text(encoding="utf-8").strip()
    text = "\n".join([MENU, meal_plan, *LINKS, *SCRIPTS, MENU]) + "\n"
    assert clean_text(text) == "\n".join([MENU, meal_plan, *LINKS, *SCRIPTS]) + "\n"
    assert clean_text(text, ignore=("DUP106",)) == text


def test_a_body_pasted_again_is_not_a_template_when_separators_split_its_first_copy() -> None:
    # Separators between the items of the first copy do not make each item a block of its own.
    body = [P0, P1, P2, P3, P4, P5]
    text = "\n---\n".join(body) + "\n" + "\n".join(body) + "\n" + "\n".join(body)
    assert paragraphs(clean_text(text)) == paragraphs("\n---\n".join(body))


def test_lines_doubled_in_place_are_not_a_template() -> None:
    # Each link's title scraped twice, straight after itself: a doubled line, not structure.
    body = [P0, P1, P2, P3, P4, P5]
    text = "\n".join(line for paragraph in body for line in (paragraph, paragraph))
    assert paragraphs(clean_text(text)) == body


def test_a_line_of_data_pasted_into_a_long_line_stays() -> None:
    # A meal plan on one line: each meal carries the same portions, glued between sentences.
    portions = "Portion Fix Containers 1 Green 1 Purple 1 Red 1 Yellow 2 tsp"
    text = (f"On Monday the lunch is grilled chicken with brown rice and broccoli {portions} Tuesday brings a "
            f"lentil soup with rye bread and a green salad on the side {portions} Wednesday is baked salmon "
            "with sweet potato wedges and green beans for everyone in the family.\n")
    settings = Settings()
    canonical = canonicalize(analyze(Article("a", text, "a"), settings), settings)
    assert canonical.text == text
    assert [(e.kind, e.rule) for e in canonical.kept] == [("span", "KEEP104")]
    # Without the protection the later copy goes as pasted headlines.
    unprotected = canonicalize(analyze(Article("a", text, "a"), settings), settings,
                               CleanOptions(ignore=("KEEP104",)))
    assert [e.rule for e in unprotected.edits] == ["DUP304"]


def test_a_corrected_figure_is_not_lost() -> None:
    first = "Exports rose 5.2 percent in March to 41 billion dollars, the trade ministry said on Friday."
    corrected = "Exports rose 5.4 percent in March to 41 billion dollars, the trade ministry said on Friday."
    text = "\n".join([first, P1, corrected])
    assert clean_text(text) == text


def test_pull_quote_lifted_from_a_long_paragraph_stays() -> None:
    quote = "“We rebuilt the bridge twice in ten years and we will rebuild it again,” the mayor said."
    body = " ".join([P0, quote, P1, P2, P3])
    text = "\n".join([quote, body])
    assert clean_text(text) == text


def test_a_truncated_unquoted_pull_quote_stays() -> None:
    quote = "All contact between the two families dissolved, leaving behind little but bitterness."
    source = ("All contact between the two families dissolved, leaving behind little but bitterness, "
              "particularly when, a couple of months later, someone tried to rewrite the record of his life.")
    body = " ".join([P0, P1, source, P2, P3])
    text = "\n".join([quote, body])
    assert clean_text(text) == text


def test_a_title_quoting_a_sentence_with_a_name_and_the_site_leaves_the_sentence_in_the_text() -> None:
    quote = "The new bridge shows what this town can build when its people work together"
    title = f"Mayor Ana Ruiz: “{quote}” | Riverside Courier"
    body = " ".join([P0, f"Ruiz: {quote}.", P1, P2])
    text = "\n".join([title, P3, body])
    assert clean_text(text) == text  # the title quotes the text (KEEP105): both stay
    doc = analyze(Article("t", text, "t"), SETTINGS, Shingler())
    off = canonicalize(doc, SETTINGS, CleanOptions(ignore=("KEEP105",)))
    assert [(e.rule, e.removed) for e in off.removals] == [("DUP201", f"Ruiz: {quote}.")]


SPEECH = ("“In some people who meet proteins from bird droppings or dust from the feathers of their pillows, "
          "their immune system behaves in an exaggerated fashion, think of a fire alarm that never stops,” "
          "the doctor told a reporter by email.")
OWN_WORDS = ("Excessive force has accelerated and magnified these protests, turning a rejection of one bill "
             "into a movement, and persuading a large section of the population that they should support it. "
             "The withdrawal came late.")


@pytest.mark.parametrize("quote, source, stays", [
    ("“Their immune system behaves in an exaggerated fashion, think of a fire alarm that never stops”", SPEECH, True),
    ("‘Excessive force has accelerated and magnified these protests, turning a rejection of one bill into a movement.’",
     OWN_WORDS, False),
])
def test_a_quote_of_most_of_a_short_paragraph_stays_only_as_speech(quote: str, source: str, stays: bool) -> None:
    text = "\n".join([P0, quote, P1, source, P2])
    assert paragraphs(clean_text(text)) == ([P0, quote, P1, source, P2] if stays else [P0, P1, source, P2])


def test_an_embedded_post_is_kept_whole_where_it_repeats_the_text() -> None:
    letter = "“Who are we as a nation if we respond to threats of political retribution with retribution?” she wrote."
    post = ("Who are we as a nation if we respond to threats of political retribution with retribution? "
            "pic.twitter.com/s96jjh8AlD — Rep. Ilhan Omar (@Ilhan) November 19, 2019")
    text = "\n".join([P0, letter, P1, post])
    assert clean_text(text) == text
    assert clean_text(text.replace(" (@Ilhan) November 19, 2019", "")) != text.replace(" (@Ilhan) November 19, 2019", "")


def test_a_headline_repeated_from_a_list_of_links_goes() -> None:
    headline = "Old photo sparks wild conspiracy theories about the young climate activist"
    popular = (f"Most popular 1 {headline} 2 Aides allegedly left their successors notes saying they will fail "
               "3 Congressman denies the noise heard on live television was his 4 Two jail guards admit to falsifying records")
    text = "\n".join([P0, popular, P1, headline, P2, headline])
    assert paragraphs(clean_text(text)) == [P0, popular, P1, P2]


def test_a_data_line_goes_as_a_verbatim_copy_but_its_variants_stay() -> None:
    dateline = "Published 11:11 PM EST Nov 19, 2019"
    variant = "Updated 11:34 PM EST Nov 19, 2019"
    text = "\n".join([dateline, P0, variant, P1, dateline, P2])
    assert paragraphs(clean_text(text)) == [dateline, P0, variant, P1, P2]


def test_a_headline_with_a_year_and_a_count_is_prose_not_data() -> None:
    headline = "7 key questions heading into the 2020 Democratic debate"
    text = "\n".join([f"{headline} - SFGate", P0, headline, P1])
    assert paragraphs(clean_text(text)) == [f"{headline} - SFGate", P0, P1]


def test_a_caption_repeating_the_text_goes_with_its_photo_credit() -> None:
    body = ("Roughly 13,000 US troops remain in Afghanistan, 18 years after Washington invaded the "
            "country in the wake of the September 11, 2001 attacks.")
    caption = "Roughly 13,000 US troops remain in Afghanistan, 18 years after Washington invaded the country 2001 [File: Reuters]"
    text = "\n".join([caption, P0, body, P1])
    assert paragraphs(clean_text(text)) == [P0, body, P1]


def test_a_teaser_cut_by_an_ellipsis_goes_when_its_story_is_there() -> None:
    headline = "Windows 10 1909 (November 2019 Update) is now available via the Windows 10 Update Assistant"
    teaser = "Windows 10 1909 (November 2019 Update) is now available via the Windows 10 Update Ass..."
    text = "\n".join([headline, P0, P1, teaser])
    assert paragraphs(clean_text(text)) == [headline, P0, P1]


def test_repeated_terms_of_two_deals_stay() -> None:
    first = "The options can be exercised at 10 dlrs a share until December 31, 1987, then at 12.50 dlrs until 1988."
    deal = "Separately, the company said it granted a second partner options to buy two mln shares."
    text = "\n".join([P0, first, deal, first.replace("The options", "Those options")])
    assert clean_text(text) == text


def test_text_doubled_inside_a_paragraph_is_undoubled() -> None:
    title = "The best winter coats for walking the dog in the rain this year, tested by our reviewers"
    text = "\n".join([P0, f"{title} {title}", P1])
    assert paragraphs(clean_text(text)) == [P0, title, P1]


def test_text_doubled_inside_a_sentence_of_a_longer_paragraph_is_undoubled() -> None:
    title = "The best winter coats for walking the dog in the rain this year, tested by our reviewers"
    before = "Our team tried forty coats this autumn."
    after = "They walked for ten days in four cities and soaked every coat."
    text = "\n".join([P0, f"{before} {title} {title}. {after}", P1])
    assert paragraphs(clean_text(text)) == [P0, f"{before} {title}. {after}", P1]


HOVER = ("Hillicon Valley: Progressives oppose funding bill over surveillance authority | Senators call "
         "for 5G security coordinator | Facebook gets questions over location tracking | Louisiana hit by ransomware attack")


def test_headlines_pasted_mid_sentence_after_a_name_go_from_the_second_place() -> None:
    first = (f"A man pleaded guilty to threatening Rep. Ilhan OmarIlhan Omar{HOVER} Progressives oppose spending "
             "stopgap measure MORE (D-Minn.), the office announced on Monday.")
    second = (f"Rep. Alexandria Ocasio-CortezAlexandria Ocasio-CortezSanders doubles down, few follow suit {HOVER} "
              "Overnight Energy: Mark Ruffalo pushes Congress MORE (D-N.Y.) linked the incident to a host's comments.")
    text = "\n".join([first, P0, second, P1])
    cleaned = paragraphs(clean_text(text))
    assert cleaned[:2] == [first, P0] and cleaned[3] == P1
    assert cleaned[2] == second.replace(f" {HOVER}", "")


def test_headlines_pasted_twice_into_one_paragraph_go_from_the_second_place() -> None:
    first = f"A man pleaded guilty to threatening Rep. Ilhan Omar{HOVER} Progressives oppose stopgap MORE (D-Minn.)."
    second = f"Rep. Alexandria Ocasio-Cortez{HOVER} Overnight Energy: Ruffalo pushes Congress MORE (D-N.Y.) spoke."
    text = "\n".join([P0, f"{first} {P1} {second}", P2])
    assert paragraphs(clean_text(text)) == [P0, f"{first} {P1} {second.replace(HOVER, '')}", P2]


@pytest.mark.parametrize("second", [
    f"Hillicon {HOVER.split(' ', 1)[1]} Then the panel heard from six witnesses about the call.",
    f"The vote passed. {HOVER} Then the panel heard from six witnesses about the call.",
    f"The vote passed after a long debate ({HOVER} Then the panel heard from six witnesses.",
])
def test_headlines_that_start_a_sentence_are_not_cut_as_pasted(second: str) -> None:
    first = f"A man pleaded guilty to threatening Rep. Ilhan Omar{HOVER} Progressives oppose stopgap MORE (D-Minn.)."
    text = "\n".join([first, P0, second, P1])
    assert paragraphs(clean_text(text))[2] == second


def test_wire_copy_in_capitals_keeps_a_clause_said_twice() -> None:
    said = ("OFFICIALS SAID THE BANK OF JAPAN WILL KEEP ITS DISCOUNT RATE UNCHANGED AT 2.5 PCT FOR THE TIME "
            "BEING AFTER A MEETING ON MONDAY IN TOKYO.")
    dollar = "THE DOLLAR CLOSED AT 153.20 YEN IN TOKYO AFTER OPENING AT 152.80 YEN AND DEALERS EXPECT MORE GAINS."
    traders = ("TRADERS SAID THE BANK OF JAPAN WILL KEEP ITS DISCOUNT RATE UNCHANGED AT 2.5 PCT FOR THE TIME "
               "BEING WHICH SUPPORTED THE DOLLAR IN THE AFTERNOON.")
    text = "\n".join([said, dollar, traders])
    assert clean_text(text) == text


def test_keep_longest_cleans_the_moved_copy_and_reports_where_the_cut_was() -> None:
    title = "Nine Dead As Storm Batters Coastal Towns"
    longest = f"{P0} Officials said {title} {title} was the headline in every paper."
    text = "\n".join([P0, P1, longest])
    doc = analyze(Article("t", text, "t"), SETTINGS, Shingler())
    canonical = canonicalize(doc, SETTINGS, CleanOptions(keep="longest"))
    assert paragraphs(canonical.text) == [f"{P0} Officials said {title} was the headline in every paper.", P1]
    spans = [e for e in canonical.edits if e.kind == "span"]
    assert [text[e.start:e.end] for e in spans] == [f" {title}"]
    assert spans[0].start == text.index(f"{title} {title}") + len(title)


def test_a_clause_repeated_in_two_paragraphs_stays() -> None:
    clause = "The Dragon Waiting and written a sequence of five books based in that world with that power he would have been"
    first = f"“Had he taken {clause} George Martin.” — Neil Gaiman, in a letter written for the reissue of the novels"
    second = (f"As Gaiman put it, “Had he taken {clause} George R.R. Martin.” Ford opted instead to write two "
              "Star Trek novels and a riff on espionage thrillers.")
    said = f"His agent said in an interview last spring that the series {clause.lower()} famous, and meant it."
    wrote = f"Her editor wrote to the publisher in the autumn that the series {clause.lower()} rich, and was ignored."
    for text in ("\n".join([first, P0, second, P1]), "\n".join([said, P0, wrote, P1])):
        assert clean_text(text) == text


def test_a_short_title_glued_to_itself_is_undoubled_but_a_phrase_taken_up_again_stays() -> None:
    title = "The best Black Friday TV deals of 2019"
    taken_up = ("He said one has to remember what the purpose of the dossier was. "
                "The purpose of the dossier was to persuade the British of the threat.")
    text = "\n".join([P0, f"{title} {title}", taken_up, P1])
    assert paragraphs(clean_text(text)) == [P0, title, taken_up, P1]


def test_a_phrase_pasted_many_times_is_kept_once_but_a_refrain_said_twice_stays() -> None:
    icons = "Share this story now. " + " ".join(["Created with Sketch."] * 6)
    shout = "They shouted we got her, we got her as the officers carried the girl to the waiting car."
    text = "\n".join([P0, icons, shout, P1])
    assert paragraphs(clean_text(text)) == [P0, "Share this story now. Created with Sketch.", shout, P1]


def test_structure_is_never_removed_in_markdown() -> None:
    table = "| name | votes |\n|---|---|\n| a | 1 |"
    text = f"# Results\n\n{P0}\n\n{table}\n\n## Results\n\n{P1}\n\n{table}\n"
    assert clean_text(text, markdown=True) == text


def test_crlf_bom_free_text_keeps_its_line_endings() -> None:
    text = "\r\n".join([P0, P1, P0, P2]) + "\r\n"
    assert clean_text(text) == "\r\n".join([P0, P1, P2]) + "\r\n"


def test_blank_line_layout_keeps_its_separators() -> None:
    text = "\n\n".join([P0, P1, P0, P2]) + "\n"
    assert clean_text(text) == "\n\n".join([P0, P1, P2]) + "\n"


def test_removing_the_last_paragraph_keeps_the_trailing_newline() -> None:
    assert clean_text("\n".join([P0, P1, P0]) + "\n") == "\n".join([P0, P1]) + "\n"
    assert clean_text("\n".join([P0, P1, P0])) == "\n".join([P0, P1])


@pytest.mark.parametrize(("text", "fixed"), [
    ("Kirby added.The United States has troops.", "Kirby added. The United States has troops."),
    ("He said.\u201dThe end came.", "He said.\u201d The end came."),
    ("Prices rose in 2020.The year ended.", "Prices rose in 2020. The year ended."),
    # A straight quote closes a quotation after an odd count, opens one after an even count.
    ('She said "we are ready."The end came.', 'She said "we are ready." The end came.'),
    ('Punkt 11."Ich nehme mir Zeit," sagt sie.', 'Punkt 11. "Ich nehme mir Zeit," sagt sie.'),
])
def test_lost_boundaries_are_repaired(text: str, fixed: str) -> None:
    assert fix_joins(text)[0] == fixed


@pytest.mark.parametrize("text", [
    "U.S.Steel rose", "It costs 3.5 mln.", "see www.example.com.Now", "file report.PDF here",
    "visit example.com.The site", "Mr.Smith went", "J.R.R.Tolkien wrote", "the e.g.Example",
    "mail jane.doe@example.org.Thanks", "Ericsson <eric.St.> to 37.5", "Oy <Neoy.He> a share",
    "rivals such as TalkTalk and One.Tel, which", "fansite Halo.Bungie.Org, said",
])
def test_abbreviations_decimals_urls_and_names_are_not_joins(text: str) -> None:
    assert join_points(text) == []


def test_no_fix_joins_leaves_glued_sentences() -> None:
    text = "\n".join([P0, "The council met on Monday.It voted to rebuild the old bridge over the river."])
    assert clean_text(text, fix=False) == text
    assert "Monday. It" in clean_text(text)


def test_canonical_edits_name_the_kept_text_and_similarity() -> None:
    text = "\n".join([P0, P1, P0, P2])
    doc = analyze(Article("t", text, "t"), SETTINGS, Shingler())
    result = canonicalize(doc, SETTINGS)
    (edit,) = result.removals
    assert (edit.kind, edit.paragraph, edit.kept_paragraph, edit.reason) == ("paragraph", 2, 0, "duplicate")
    assert edit.jaccard == 1.0 and edit.containment == 1.0 and edit.removed == P0


def _idempotent(text: str, markdown: bool = False) -> None:
    once = clean_text(text, markdown=markdown)
    assert clean_text(once, markdown=markdown) == once


def test_clean_is_idempotent_on_every_fixture() -> None:
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in (".txt", ".md", ".jsonl"):
            continue
        for item in read_path(str(path)):
            if isinstance(item, Article):
                _idempotent(item.text, item.markdown)


@pytest.mark.slow
def test_clean_is_idempotent_on_the_shared_data() -> None:
    root = shared_path()
    paths = [root / "seed" / "repeated-intro.txt", *sorted((root / "extraction").glob("*/*/*.txt")),
             *sorted((root / "extraction" / "gold").glob("*.txt")), *sorted((root / "bbc").glob("*/*.txt"))[::10]]
    checked = 0
    for path in paths:
        item = next(read_path(str(path)))
        if isinstance(item, Article):
            _idempotent(item.text)
            checked += 1
    assert checked > 500


def test_survivors_first_longest_newest() -> None:
    records = [Record(0, 100, "2024-01-01"), Record(1, 120, "2024-03-01"), Record(2, 90, "2024-02-01")]
    pairs = [Pair(0, 1, 0.9, 0.95, 100, 120), Pair(0, 2, 0.85, 0.9, 100, 90),
             Pair(1, 2, 0.82, 0.9, 120, 90)]
    assert {d.dropped for d in survivors(records, pairs, SETTINGS, "first")} == {1, 2}
    assert {d.dropped for d in survivors(records, pairs, SETTINGS, "longest")} == {0, 2}
    assert {d.dropped for d in survivors(records, pairs, SETTINGS, "newest")} == {0, 2}


def test_a_record_is_dropped_only_for_a_kept_record_it_was_verified_against() -> None:
    records = [Record(0, 100), Record(1, 120), Record(2, 90)]
    pairs = [Pair(0, 1, 0.9, 0.95, 100, 120), Pair(0, 2, 0.85, 0.9, 100, 90)]
    drops = survivors(records, pairs, SETTINGS, "longest")
    assert [(d.dropped, d.kept) for d in drops] == [(0, 1)]


def test_a_larger_record_is_never_dropped_for_a_smaller_one_it_contains() -> None:
    records = [Record(0, 50), Record(1, 200)]
    pairs = [Pair(0, 1, 0.25, 1.0, 50, 200)]
    drops = survivors(records, pairs, SETTINGS, "first")
    assert [(d.dropped, d.kept) for d in drops] == [(0, 1)]


def test_identical_copies_go_for_the_copy_the_policy_prefers() -> None:
    # Articles 1, 2 and 3 are copies of one text; 0 is a near-duplicate of them.
    records = [Record(0, 100, "2024-01-01"), Record(1, 100, "2024-01-05"),
               Record(2, 100, "2024-03-01"), Record(3, 100, "2024-02-01")]
    pairs = [Pair(0, 1, 0.9, 0.9, 100, 100), Pair(1, 2, 1.0, 1.0, 100, 100),
             Pair(1, 3, 1.0, 1.0, 100, 100)]
    copies = [0, 1, 1, 1]
    first = survivors(records, pairs, SETTINGS, "first", copies=copies)
    assert {(d.dropped, d.kept) for d in first} == {(1, 0), (2, 0), (3, 0)}
    newest = survivors(records, pairs, SETTINGS, "newest", copies=copies)
    assert {(d.dropped, d.kept) for d in newest} == {(0, 2), (1, 2), (3, 2)}
    assert {d.jaccard for d in newest if d.dropped != 0} == {1.0}


def test_every_identical_record_but_one_is_dropped_however_many_copies(tmp_path: Path) -> None:
    import json

    from dedup.pipeline.clean import clean_inputs

    text = ("Since the storm reached the coast on Monday, emergency crews have worked around "
            "the clock to restore power to the town.")
    path = tmp_path / "copies.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": text}) + "\n" for i in range(100)))
    result = clean_inputs([str(path)], SETTINGS)
    dropped = [a for a in result.articles if a.dropped is not None]
    assert len(dropped) == 99
    assert {a.dropped.kept for a in dropped} == {"0"}


@pytest.mark.parametrize(("value", "year"), [
    ("26-FEB-1987 15:01:01.79", 1987), ("2024-05-01T10:00:00Z", 2024), ("2019-11-18", 2019),
])
def test_parse_date(value: str, year: int) -> None:
    parsed = parse_date(value)
    assert parsed is not None and parsed.year == year



def test_a_page_on_one_line_loses_its_repeated_sentence_only() -> None:
    text = (FIXTURES / "one-line-page.txt").read_text(encoding="utf-8")
    assert "\n" not in text
    doc = analyze(Article("p", text, "p.txt"), Settings())
    assert not canonicalize(doc, Settings()).removals  # DUP202 is off by default
    made = canonicalize(doc, Settings(), CleanOptions(select=("ALL",)))
    [edit] = made.removals
    assert edit.rule == "DUP202" and edit.kept_paragraph == 0
    assert made.text.count("Crews worked through the night") == 1
    assert made.text.startswith("Crews worked through the night")  # the first copy survives
    # The quoted sentence repeats an earlier one, but direct speech stays (KEEP107).
    assert made.text.count("Engineers expect the rest") == 2
    assert made.text == text.replace(
        "Crews worked through the night to restore power after the storm brought down lines "
        "across the valley. Schools", "Schools")


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)), max_size=12),
                  st.lists(st.integers(0, 80), max_size=12))
def test_kept_repeats_inside_a_removed_span_are_dropped_exactly(
        spans: list[tuple[int, int]], starts: list[int]) -> None:
    from dedup.clean.engine import Edit, _outside

    removed = [(s, s + length) for s, length in spans]  # overlapping and nested spans too
    kept = [Edit("paragraph", x, x + 5, 0, reason="kept") for x in starts]
    assert _outside(kept, removed) == [e for e in kept if not any(s <= e.start < t for s, t in removed)]

