"""The rule registry: every rule that removes text, and every rule that keeps it.

Each rule has a code in the style of ruff (``DUP101``), a name, a summary with a real
example, its limits as named parameters, and a default (on or off). Codes are grouped
by what they touch, so that a prefix switches a whole family on or off:

* ``DUP1xx`` whole paragraphs, ``DUP2xx`` sentences, ``DUP3xx`` cuts inside a line
  (``--ignore DUP3`` keeps every line whole), ``DUP4xx`` whole articles;
* ``FIX1xx`` repairs (a space put back where a boundary was lost);
* ``KEEP1xx`` protections: repeats that are kept on purpose.

:func:`enabled_rules` resolves ``select`` / ``ignore`` lists the way ruff does: a
code or prefix; the more specific of a matching ``select`` and ``ignore`` wins (an
``ignore`` wins a tie); with no ``select``, the rules on by default are selected.

Example:
    >>> sorted(enabled_rules(select=("DUP3",)))[:2]
    ['DUP301', 'DUP302']
    >>> "DUP303" in enabled_rules(ignore=("DUP3",))
    False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .errors import UsageError

Action = Literal["remove", "keep", "repair", "report"]
# What a rule's decisions rest on beyond the shingles of Unicode words:
# "any": nothing; "cased": letter case (scripts without case never trigger it);
# "en": English words or English date formats (switched off for other languages).
Needs = Literal["any", "cased", "en"]


@dataclass(frozen=True)
class Limit:
    """One named parameter of a rule, its default value and what it bounds."""

    name: str
    value: float
    help: str
    setting: bool = False  # a field of Settings (a flag or [tool.dedup] key changes it)


@dataclass(frozen=True)
class Rule:
    """One registered rule."""

    code: str
    name: str
    action: Action
    summary: str
    example: str
    limits: tuple[Limit, ...] = ()
    default: bool = True
    needs: Needs = "any"

    def limit(self, name: str) -> float:
        """The value of the limit called ``name``."""
        for limit in self.limits:
            if limit.name == name:
                return limit.value
        raise KeyError(f"{self.code} has no limit {name!r}")

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "action": self.action,
                "default": self.default, "needs": self.needs, "summary": self.summary,
                "example": self.example,
                "limits": [{"name": m.name, "value": m.value, "help": m.help,
                            "setting": m.setting} for m in self.limits]}


_MIN_WORDS = Limit("min_words", 6, "paragraphs with fewer words are short", setting=True)
_CONTAINMENT = Limit("containment", 0.8, "share of the shingles found in the kept text",
                     setting=True)

RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------ whole paragraphs
    Rule("DUP101", "duplicate-paragraph", "remove",
         "A paragraph that is a near-copy of a kept paragraph (Jaccard of their shingles at or "
         "above the threshold) and says nothing the kept text does not say: every shingle and "
         "every figure of it is kept elsewhere.",
         "An intro pasted again further down the page: \"Foreign Minister Penny Wong said ... "
         "Kirby added.\" as paragraph 1 and again as paragraph 3.",
         (Limit("threshold", 0.8, "Jaccard at or above which two paragraphs are near-copies",
                setting=True), _CONTAINMENT, _MIN_WORDS)),
    Rule("DUP102", "contained-paragraph", "remove",
         "A paragraph wholly inside one kept paragraph that is a substantial part of it: the "
         "seed's paragraph 3 is paragraph 1 minus its first sentence (Jaccard about 0.7, "
         "containment 1.0). A smaller part is a pull quote (KEEP105).",
         "\"The United States has ...\" repeated after the paragraph \"Kirby said ... The "
         "United States has ...\" it was cut from.",
         (_CONTAINMENT, Limit("min_jaccard", 0.3, "Jaccard with the paragraph that contains it, "
                                                  "below which a part is a quote"))),
    Rule("DUP103", "covered-paragraph", "remove",
         "A paragraph inside the union of several kept paragraphs, none of which contains it "
         "alone: a meta description that joins the first sentences of the paragraphs it "
         "precedes, often ending in \"...\".",
         "\"Leaders met on Monday. Talks will go on ...\" above two paragraphs that open with "
         "those two sentences.",
         (_CONTAINMENT,)),
    Rule("DUP104", "pasted-block-line", "remove",
         "A short line inside a pasted block goes with the block: a short paragraph next to a "
         "removed one, whose kept twin has the very same short line beside it.",
         "A related-stories block pasted twice: the second copy's \"Read more\" between two "
         "removed headlines goes too.",
         (_MIN_WORDS,)),
    Rule("DUP105", "caption-credit", "remove",
         "A caption or teaser is compared without a trailing photo credit or the word an "
         "ellipsis cut, so that a caption that repeats the text otherwise is a copy.",
         "\"Crowds gather outside the court on Monday. Photo: John Locher, AP\" beside the "
         "sentence it repeats.",
         needs="en"),
    Rule("DUP106", "pasted-short-block", "remove",
         "A block of short lines pasted again goes whole: a run of short lines equal, line "
         "for line and in the same order, to an earlier run that is kept, such as a menu or "
         "a list of links that a page shows twice. Every line of such a run has the same "
         "neighbours at both copies; a line that recurs on purpose (a question before "
         "different answers, a label before different values) does not, and stays "
         "(KEEP101). A block that recurs more than max_copies times, or whose copies share "
         "another line just before or after them (a label after a filled-in field), is "
         "part of a form filled in for each item (a meal plan's day) and stays, as do the "
         "templates of a structured page (KEEP103).",
         "A site menu of short links (\"Corona: FAQ for craft businesses\", \"Self-check: "
         "sustainability for firms\", ...) at the top of the page and again at its foot: "
         "the second copy goes.",
         (Limit("min_lines", 3, "short lines a run has at least"),
          Limit("min_block_words", 12, "words a run has at least"),
          Limit("max_copies", 3, "copies of a run at most; more are a form filled in "
                                 "again and again, as a meal plan's day"),
          Limit("form_gap", 3, "lines around each copy in which a shared line makes the "
                               "copies parts of a form"))),
    # ------------------------------------------------------------ sentences
    Rule("DUP201", "repeated-sentence", "remove",
         "A sentence of a kept paragraph that the rest of the kept text already says (its "
         "shingles and figures kept elsewhere), cut out of its paragraph; the paragraph keeps "
         "its other sentences.",
         "A paragraph that opens with the headline's sentence again, then says something new: "
         "the repeated sentence goes, the new one stays.",
         (_CONTAINMENT, Limit("min_sentence_words", 10, "shorter sentences are never cut"),
          _MIN_WORDS)),
    Rule("DUP202", "sentence-repeated-in-paragraph", "remove",
         "A sentence that an earlier sentence of its own paragraph already says (its shingles "
         "and figures kept there or elsewhere), cut out: an extractor that puts a whole page on "
         "one line leaves a repeated intro or caption as sentences inside that line.",
         "A page on one line: \"Crews worked all night to restore power. ... Crews worked all "
         "night to restore power. ...\": the second copy goes. Off by default (--select "
         "DUP202): on a structured page put on one line it cuts the template's repeats.",
         (_CONTAINMENT, Limit("min_sentence_words", 10, "shorter sentences are never cut"),
          _MIN_WORDS), default=False),
    # ------------------------------------------------------------ cuts inside a line
    Rule("DUP301", "doubled-text", "remove",
         "Text doubled in place inside a line: a copy of at least twice min_words words "
         "straight after itself (a link's title glued to its alt text).",
         "\"The best TV deals of 2019 right now The best TV deals of 2019 right now\".",
         (_MIN_WORDS,)),
    Rule("DUP302", "repeated-refrain", "remove",
         "A phrase of a few words repeated three or more times in a row, over at least twice "
         "min_words words: an icon label scraped once per icon.",
         "\"Created with Sketch. Created with Sketch. Created with Sketch.\"",
         (Limit("min_refrain_words", 3, "words of the repeated phrase"), _MIN_WORDS)),
    Rule("DUP303", "doubled-title", "remove",
         "A title of min_words to twice min_words words glued to itself, the second copy "
         "starting with a capital straight after the first with no punctuation between.",
         "\"Trump's impeachment inquiry explained Trump's impeachment inquiry explained\".",
         (_MIN_WORDS,), needs="cased"),
    Rule("DUP304", "pasted-headlines", "remove",
         "A run of at least twice min_words words pasted mid-sentence into two places (or "
         "twice into one), glued to the word before it and to a capitalised word after it: a "
         "hover card's headlines injected after a linked name. Text in capitals is left alone.",
         "\"Rep. Ilhan Omar Ilhan Omar Hillicon Valley: Progressives oppose ... MORE\".",
         (_MIN_WORDS,), needs="cased"),
    # ------------------------------------------------------------ whole articles
    Rule("DUP401", "duplicate-article", "remove",
         "An article that is a near-copy of, or contained in, an article that is kept (in the "
         "same run or in the corpus index); the keep policy decides which copy survives. In a "
         "JSON lines file the record is dropped; a file is never deleted, only reported.",
         "The same wire story filed by two outlets with a different dateline.",
         (Limit("threshold", 0.8, "Jaccard at or above which two articles are near-copies",
                setting=True), _CONTAINMENT)),
    Rule("DUP402", "shared-paragraph", "report",
         "A paragraph that another article also has: reported by scan, never removed (an "
         "article is only ever dropped whole).",
         "A boilerplate \"About the company\" paragraph at the end of two press releases.",
         (Limit("threshold", 0.8, "Jaccard at or above which two paragraphs are near-copies",
                setting=True), _CONTAINMENT)),
    # ------------------------------------------------------------ repairs
    Rule("FIX101", "lost-boundary", "repair",
         "A space put back between two sentences glued together by a scraper, so that both "
         "sentences can be compared and kept.",
         "\"... Kirby added.The United States has ...\" becomes \"Kirby added. The United "
         "States\".",
         needs="cased"),
    # ------------------------------------------------------------ protections
    Rule("KEEP101", "short-line", "keep",
         "A paragraph of fewer than min_words words is never removed on its own: short lines "
         "recur on purpose (an interview's question, a recipe step, a table header).",
         "\"What happened next?\" before each of an interview's answers.",
         (_MIN_WORDS,)),
    Rule("KEEP102", "structure", "keep",
         "Headings, code blocks, tables, front matter and thematic breaks are never compared "
         "as prose, so a code block quoting a paragraph stays.",
         "A Markdown article whose fenced code block repeats paragraph 2 word for word."),
    Rule("KEEP103", "structured-page", "keep",
         "A page that repeats many different blocks across most of its paragraphs is "
         "structured (a meal plan, a Q&A, a spec sheet): its repeats and its other "
         "short-to-medium lines are templates and stay. Only repeats filled in with "
         "different content count: a block doubled in place or pasted again between the same "
         "neighbours is an artifact, and menus, links and code around the article are left "
         "out of the count.",
         "A meal plan repeating \"Portion Fix Containers: 1 Green, 1 Red, 1 Yellow\" under "
         "every meal.",
         (Limit("max_template_words", 40, "longer paragraphs are never templates"),
          Limit("min_template_blocks", 5, "distinct repeated blocks a structured page has"),
          Limit("min_repeated_share", 0.6, "share of its paragraphs that repeat"))),
    Rule("KEEP104", "data-line", "keep",
         "A line of data (quantities, scores, specifications: a fifth or more of its words, "
         "and at least three, are figures) goes only as a verbatim copy; its variants are "
         "content. Inside a line, a run of data repeated is never taken for pasted "
         "headlines (DUP304).",
         "\"Calories: 420, Protein: 32 g, Carbs: 41 g\" under two different recipes.",
         (Limit("min_figures", 3, "figures a data line has"),
          Limit("min_figure_share", 0.2, "share of its words that are figures"),
          Limit("max_template_words", 40, "longer paragraphs are prose"))),
    Rule("KEEP105", "pull-quote", "keep",
         "A paragraph contained in a single longer one but only a small part of it (Jaccard "
         "under 0.3) is a pull quote when it is a sentence, direct speech, or most of one "
         "sentence there; it stays beside the paragraph it was lifted from, and that "
         "paragraph keeps the sentence too, also when the quote adds a name or the site's to "
         "it (a title: mostly text of the paragraph, holding one whole sentence of it).",
         "\"We will not back down,\" set apart above the paragraph that quotes the minister.",
         (Limit("min_jaccard", 0.3, "Jaccard below which a contained paragraph is a part"),
          Limit("lifted_share", 0.5, "share of one sentence of the long paragraph it is"))),
    Rule("KEEP114", "rewritten-part", "keep",
         "A paragraph that is a small part of a longer one (Jaccard under DUP102's min_jaccard) "
         "is a pasted copy only when its words are said there verbatim, one run in the same "
         "order; with a word left out, added or changed, it was written for the page (a "
         "subtitle that sums up the lead) and stays. Words are compared as Unicode words, "
         "case-folded, so a copy that only changes capitals or punctuation still goes.",
         "The subtitle \"First trial of a robot that draws and tests blood samples\" above "
         "\"... according to the first human trial of a robot that draws and tests blood "
         "samples.\"",
         ()),
    Rule("KEEP115", "display-quote", "keep",
         "Text set apart as a quote (every line of its paragraph starts with \">\", as Markdown "
         "and text converters write a blockquote) and the same words in the running text are "
         "two roles, not two copies: a pull quote beside the paragraph it quotes stays, and so "
         "does that paragraph's sentence. Two blockquotes that repeat each other are copies.",
         "\"> Who are we if we answer threats with threats?\" set apart below the paragraph "
         "\"But we must ask: who are we if we answer threats with threats?\" she wrote.",
         ()),
    Rule("KEEP106", "quoted-speech", "keep",
         "A paragraph in quotes that repeats what someone says in quotes in a paragraph that "
         "is little more than the quote (Jaccard under 0.5) is a display quote and stays.",
         "\"The economy is turning a corner\" set beside: The economy is turning a corner, "
         "the minister said on Monday.",
         (Limit("max_jaccard", 0.5, "Jaccard below which a quote is displayed, not pasted"),)),
    Rule("KEEP107", "quoted-sentence", "keep",
         "A sentence that opens with a quotation mark is never cut from its paragraph: direct "
         "speech repeated inside a paragraph is the writer's choice.",
         "\"We are ready,\" she said. ... \"We are ready,\" she said again."),
    Rule("KEEP108", "embedded-post", "keep",
         "A paragraph holding an embedded post (its signature: a name, an @handle in "
         "brackets and an English date) is quoted whole, even where it repeats the text.",
         "\"... — Rep. Ilhan Omar (@IlhanMN) November 19, 2019\".",
         needs="en"),
    Rule("KEEP109", "short-sentence", "keep",
         "A sentence of fewer than min_sentence_words words is never cut from its "
         "paragraph: \"I agree.\" and \"Best song of the year?\" recur on purpose.",
         "\"Why does this matter?\" asked in two paragraphs of an explainer.",
         (Limit("min_sentence_words", 10, "shorter sentences are never cut"),)),
    Rule("KEEP110", "sentences-later", "keep",
         "A paragraph whose copy sits inside a later paragraph as whole sentences stays, and "
         "those sentences go from the later paragraph instead, so the earlier place keeps "
         "its text.",
         "An intro repeated at the start of a longer paragraph further down: the intro stays "
         "where it was.",
         (_CONTAINMENT,)),
    Rule("KEEP111", "fragment-rest", "keep",
         "A sentence is not cut when what would be left of its paragraph is fewer than "
         "min_words words (an attribution, a label): that rest would be no paragraph.",
         "\"The bank raised rates by half a point, the largest rise in a decade. Reuters\".",
         (_MIN_WORDS,)),
    Rule("KEEP112", "new-sentence", "keep",
         "A paragraph is removed whole only when each of its sentences is contained in one "
         "single kept paragraph. A near-copy that adds a sentence keeps it (its repeated "
         "sentences can still go, DUP201), and a list item whose parts are scattered over "
         "other items (a critic's picks, a squad list) states something no other item states.",
         "A squad list \"800m: Kelly Holmes, Jo Fenn, Becky Lyne\" after \"1500m: Kelly Holmes, "
         "Hayley Tullett\" and \"800m: Jo Fenn, Becky Lyne\": every name is elsewhere, their "
         "line-up is not.",
         (_CONTAINMENT, _MIN_WORDS)),
    Rule("KEEP113", "still-said", "keep",
         "After cleaning, every removed sentence of min_words words or more must be contained "
         "in one paragraph of the text that is kept; a removal that relied on a copy removed "
         "later (a chain of copies, or a round that removed the copy it pointed at) is undone "
         "and the article cleaned again without it.",
         "A near-copy removed as covered by a paragraph that is itself removed later as "
         "covered by a third that lacks one of its sentences: the near-copy stays.",
         (_CONTAINMENT, _MIN_WORDS)),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
DEFAULT_RULES: frozenset[str] = frozenset(r.code for r in RULES if r.default)
ALL = "ALL"


def rule(code: str) -> Rule:
    """The registered rule ``code`` (a :class:`KeyError` for an unknown code)."""
    return BY_CODE[code]


def limit(code: str, name: str) -> float:
    """A registered rule's limit, by rule code and limit name."""
    return BY_CODE[code].limit(name)


def matching(selector: str) -> list[str]:
    """The codes a selector (a code, a prefix such as ``DUP3``, or ``ALL``) names."""
    key = selector.strip().upper()
    if key == ALL:
        return [r.code for r in RULES]
    return [r.code for r in RULES if r.code.startswith(key)]


def check_selectors(selectors: Iterable[str], where: str = "") -> tuple[str, ...]:
    """``selectors`` upper-cased, or :class:`UsageError` for one that names no rule."""
    out = []
    for selector in selectors:
        key = selector.strip().upper()
        if not key:
            continue
        if not matching(key):
            prefix = f"{where}: " if where else ""
            raise UsageError(f"{prefix}unknown rule code {selector!r} "
                             "(`dedup rules` lists the codes)")
        out.append(key)
    return tuple(out)


def enabled_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> frozenset[str]:
    """The codes switched on by ``select`` and ``ignore`` (ruff's semantics).

    For each rule the longest matching selector decides: a ``select`` switches it on,
    an ``ignore`` off, and an ``ignore`` wins a tie. With no ``select`` at all, the
    rules on by default are the starting point.
    """
    selects = check_selectors(select)
    ignores = check_selectors(ignore)
    out = set()
    for r in RULES:
        best_select = max((_specificity(s) for s in selects if r.code in matching(s)), default=-1)
        best_ignore = max((_specificity(s) for s in ignores if r.code in matching(s)), default=-1)
        if best_ignore >= 0 and best_ignore >= best_select:
            continue
        if best_select >= 0 or (not selects and r.default):
            out.add(r.code)
    return frozenset(out)


def english_only() -> tuple[str, ...]:
    """The codes of the rules that read English words or dates (``needs="en"``).

    Example:
        >>> "KEEP108" in english_only()
        True
    """
    return tuple(r.code for r in RULES if r.needs == "en")


def _specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


def markdown() -> str:
    """The rule reference (``docs/rules.md``), one section per registered rule.

    Regenerate the page with ``python -m dedup.rules > docs/rules.md``; a test fails
    when the page and the registry disagree.
    """
    out = ["# Rules", "",
           "Every rule that removes, repairs or keeps text, from the registry (`dedup rules`",
           "prints the same). Switch rules with `--select` / `--ignore` or `[tool.dedup]`",
           "`select`, `ignore` and `per-file-ignores`: codes or prefixes, as in ruff, so",
           "`--ignore DUP3` keeps every line whole. This page is generated: "
           "`python -m dedup.rules > docs/rules.md`.", ""]
    for r in RULES:
        out += [f"## {r.code} {r.name}", "",
                f"- action: {r.action}",
                f"- default: {'on' if r.default else 'off'}",
                f"- depends on: {r.needs}", "",
                r.summary, "", f"Example: {r.example}", ""]
        if r.limits:
            out += ["Limits:", ""]
            out += [f"- `{m.name}` = {m.value:g}: {m.help}"
                    + (" (a setting: flag or `[tool.dedup]` key)" if m.setting else "")
                    for m in r.limits]
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
