"""Settings from [tool.dedup] in pyproject.toml and [dedup] in setup.cfg; flags win."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from dedup.cli.main import main
from dedup.config import ConfigError, find_config, load_config


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository as the working directory (the search stops at its .git)."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_config_is_empty(project: Path) -> None:
    assert find_config() is None
    assert load_config() == {}


def test_pyproject_tool_dedup(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "news"\n\n[tool.dedup]\nthreshold = 0.85\ncontainment = 1\n'
        'num-perm = 256\nscope = "within"\ninclude = ["*.txt"]\nexclude = ["drafts/*"]\n'
        'text_field = "body"\nquiet = true\nindex = "cache/news.sqlite"\n', encoding="utf-8")
    assert load_config() == {
        "threshold": 0.85, "containment": 1.0, "num_perm": 256, "scope": "within",
        "include": ("*.txt",), "exclude": ("drafts/*",), "text_field": "body", "quiet": True,
        "index": str(project / "cache" / "news.sqlite"),
        "_file": str(project / "pyproject.toml"),
    }


def test_setup_cfg_dedup_section(project: Path) -> None:
    (project / "setup.cfg").write_text(
        "[metadata]\nname = news\n\n[dedup]\nthreshold = 0.7\nmin-words = 5\n"
        "exclude =\n    drafts/*\n    *.tmp\nquiet = no\nid_field = uid\n", encoding="utf-8")
    assert load_config() == {
        "threshold": 0.7, "min_words": 5, "exclude": ("drafts/*", "*.tmp"), "quiet": False,
        "id_field": "uid", "_file": str(project / "setup.cfg"),
    }


def test_pyproject_without_a_section_falls_back_to_setup_cfg(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "news"\n', encoding="utf-8")
    (project / "setup.cfg").write_text("[dedup]\nngram = 3\n", encoding="utf-8")
    assert load_config()["ngram"] == 3


def test_nearest_folder_wins_and_the_search_stops_at_the_repository(project: Path,
                                                                      monkeypatch: pytest.MonkeyPatch
                                                                      ) -> None:
    (project / "pyproject.toml").write_text("[tool.dedup]\nngram = 4\n", encoding="utf-8")
    sub = project / "news" / "2024"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert load_config()["ngram"] == 4
    (project / "news" / "setup.cfg").write_text("[dedup]\nngram = 6\n", encoding="utf-8")
    assert load_config()["ngram"] == 6
    inner = project / "vendored"
    (inner / ".git").mkdir(parents=True)
    monkeypatch.chdir(inner)
    assert load_config() == {}


@pytest.mark.parametrize(("body", "message"), [
    ("threshold = 1.5", "threshold must be in (0, 1]"),
    ('threshold = "high"', "threshold must be a number"),
    ("ngram = 0", "ngram must be between 1 and 32"),
    ("ngram = 2.5", "ngram must be a whole number"),
    ("num_perm = true", "num_perm must be a number"),
    ('scope = "everything"', "scope must be one of within, across, all"),
    ('shingle = "bytes"', "shingle must be one of word, char"),
    ('quiet = "maybe"', "quiet must be true or false"),
    ("include = [1, 2]", "include must be a list of globs"),
    ('text_field = ""', "text_field must be a non-empty string"),
    ("treshold = 0.9", "unknown setting 'treshold' (did you mean 'threshold'?)"),
    ("dedup = 3", "[tool.dedup] must be a table"),
    ("threshold = ", "cannot read settings"),
])
def test_bad_pyproject_values_name_the_file(project: Path, body: str, message: str) -> None:
    text = f"[tool]\n{body}\n" if body.startswith("dedup") else f"[tool.dedup]\n{body}\n"
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith(str(project / "pyproject.toml") + ": ")
    assert message in str(info.value)


@pytest.mark.parametrize(("body", "message"), [
    ("jobs = -1", "jobs must be at least 0"),
    ("containment = 0", "containment must be in (0, 1]"),
    ("keep = oldest", "keep must be one of first, longest, newest"),
    ("no section header", "cannot read settings"),
])
def test_bad_setup_cfg_values_name_the_file(project: Path, body: str, message: str) -> None:
    text = body if body == "no section header" else f"[dedup]\n{body}\n"
    (project / "setup.cfg").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith(str(project / "setup.cfg") + ": ")
    assert message in str(info.value)


def test_unrelated_unknown_keys_are_left_to_other_commands(project: Path) -> None:
    (project / "setup.cfg").write_text("[dedup]\nindex_name = news\n", encoding="utf-8")
    assert load_config()["index_name"] == "news"


# --- through the command line: the file applies and flags win -----------------------------------


def scan_json(args: list[str], code: int) -> dict:
    result = CliRunner().invoke(main, ["scan", "--format", "json", *args])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_config_scope_applies_and_the_flag_wins(project: Path) -> None:
    shutil.copy(FIXTURES / "repeated-intro.txt", project / "intro.txt")
    scan_json(["intro.txt"], 1)
    (project / "pyproject.toml").write_text('[tool.dedup]\nscope = "across"\n', encoding="utf-8")
    assert scan_json(["intro.txt"], 0)["findings"] == []
    found = scan_json(["--scope", "within", "intro.txt"], 1)["findings"]
    assert {(f["a"]["paragraph"], f["b"]["paragraph"]) for f in found} == {(0, 2), (1, 3)}


def test_setup_cfg_exclude_applies_and_include_flag_wins(project: Path) -> None:
    news = project / "news"
    news.mkdir()
    shutil.copy(FIXTURES / "repeated-intro.txt", news / "intro.txt")
    shutil.copy(FIXTURES / "article.md", news / "article.md")
    (project / "setup.cfg").write_text("[dedup]\nexclude = *.txt\n", encoding="utf-8")
    assert [a["id"] for a in scan_json(["news"], 0)["articles"]] == ["news/article.md"]
    ids = [a["id"] for a in scan_json(["--exclude", "*.md", "news"], 1)["articles"]]
    assert ids == ["news/intro.txt"]


def test_config_threshold_and_min_words_apply_and_flags_win(project: Path) -> None:
    shutil.copy(FIXTURES / "repeated-intro.txt", project / "intro.txt")
    # Paragraph 2 is paragraph 0 without its 18-word first sentence: 20 of paragraph 0's
    # 38 word 5-grams, Jaccard 20/38 = 0.53, so it is a duplicate at threshold 0.5 and
    # only "contained" at 0.8.
    (project / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.5\n", encoding="utf-8")
    reasons = {(f["a"]["paragraph"], f["b"]["paragraph"]): f["reason"]
               for f in scan_json(["intro.txt"], 1)["findings"]}
    assert reasons == {(0, 2): "duplicate", (1, 3): "duplicate"}
    found = scan_json(["--threshold", "0.8", "intro.txt"], 1)["findings"]
    assert found[0]["reason"] == "contained" and abs(found[0]["jaccard"] - 20 / 38) < 1e-3
    # Paragraphs under min_words are compared verbatim only and never removed.
    (project / "pyproject.toml").write_text("[tool.dedup]\nmin_words = 100\n", encoding="utf-8")
    found = scan_json(["intro.txt"], 0)["findings"]
    assert [(f["a"]["paragraph"], f["b"]["paragraph"], f["reason"]) for f in found] == \
        [(1, 3, "short")]
    scan_json(["--min-words", "8", "intro.txt"], 1)


def test_text_field_from_config(project: Path) -> None:
    (project / "feed.jsonl").write_text(
        json.dumps({"uid": "a", "body": "Only this field holds the article text today."}) + "\n",
        encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.dedup]\ntext-field = "body"\nid-field = "uid"\n',
                                            encoding="utf-8")
    assert [a["id"] for a in scan_json(["feed.jsonl"], 0)["articles"]] == ["a"]
    result = CliRunner().invoke(main, ["scan", "--format", "json", "--text-field", "text",
                                       "feed.jsonl"])
    assert result.exit_code == 2
    assert 'feed.jsonl:1: missing "text" field' in result.stderr


def test_a_bad_config_is_a_usage_error_naming_the_file(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 2\n", encoding="utf-8")
    shutil.copy(FIXTURES / "repeated-intro.txt", project / "intro.txt")
    result = CliRunner().invoke(main, ["scan", "intro.txt"])
    assert result.exit_code == 2
    assert "pyproject.toml: threshold must be in (0, 1]" in result.stderr
    assert "Traceback" not in result.output


def test_a_named_config_file_is_read_without_searching(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.7\n", encoding="utf-8")
    (project / "ci").mkdir()
    (project / "ci" / "dedup.toml").write_text('[tool.dedup]\nmin-words = 9\nindex = "i.sqlite"\n',
                                               encoding="utf-8")
    (project / "ci" / "tox.ini").write_text("[dedup]\nexclude = a/*, b/*\n", encoding="utf-8")
    config = load_config(file="ci/dedup.toml")
    assert config["min_words"] == 9 and "threshold" not in config
    assert config["index"] == str(Path("ci") / "i.sqlite")  # relative to the file
    assert load_config(file="ci/tox.ini")["exclude"] == ("a/*", "b/*")
    assert load_config()["threshold"] == 0.7


@pytest.mark.parametrize(("name", "body", "message"), [
    ("nope.toml", None, "nope.toml: cannot read settings: no such file"),
    ("plain.toml", "[tool.ruff]\n", "plain.toml: no [tool.dedup] table"),
    ("plain.ini", "[pytest]\n", "plain.ini: no [dedup] section"),
])
def test_a_named_config_file_that_cannot_be_used(project: Path, name: str, body: str | None,
                                                 message: str) -> None:
    if body is not None:
        (project / name).write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(file=name)
