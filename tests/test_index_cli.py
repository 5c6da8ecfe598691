"""``dedup index ...`` and ``dedup scan --index``: exit codes first, then output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_index import FLOOD, UNRELATED, corpus

from dedup.cli.main import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # stop the config search here
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_add_query_remove_stats(runner: CliRunner, tmp_path: Path) -> None:
    corpus(tmp_path / "corpus")
    code, _, err = invoke(runner, "index", "add", "corpus")
    assert code == 0, err
    assert "7 articles (+7)" in err
    assert (tmp_path / ".dedup" / "index.sqlite").is_file()

    code, out, _ = invoke(runner, "index", "stats", "--format", "json")
    assert code == 0
    stats = json.loads(out)
    assert stats["articles"] == 7 and stats["backend"] == "sqlite" and stats["bands"] == 42

    (tmp_path / "near.txt").write_text(FLOOD.replace("four", "five"), encoding="utf-8")
    (tmp_path / "other.txt").write_text(UNRELATED, encoding="utf-8")
    code, out, _ = invoke(runner, "index", "query", "near.txt", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["queries"][0]["id"] == "near.txt"
    keys = [m["key"] for m in doc["queries"][0]["matches"]]
    assert "corpus/flood.txt" in keys and "corpus/flood.txt#0" in keys

    code, out, _ = invoke(runner, "index", "query", "other.txt")
    assert code == 0 and "corpus/" not in out

    code, out, _ = invoke(runner, "index", "query", "near.txt")
    assert code == 1 and "corpus/flood.txt#0" in out and "duplicate" in out

    code, _, err = invoke(runner, "index", "remove", "corpus/flood.txt", "corpus/nothing.txt")
    assert code == 2 and "corpus/nothing.txt: not in the index" in err
    code, _, _ = invoke(runner, "index", "query", "near.txt")
    assert code == 0


def test_query_leaves_out_the_article_itself(runner: CliRunner, tmp_path: Path) -> None:
    corpus(tmp_path / "corpus")
    assert invoke(runner, "index", "add", "corpus")[0] == 0
    code, out, _ = invoke(runner, "index", "query", "corpus/flood.txt", "--format", "json")
    assert code == 0 and json.loads(out)["queries"][0]["matches"] == []


def test_index_location_from_config(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dedup]\nindex = "data/news.sqlite"\n')
    (tmp_path / "flood.txt").write_text(FLOOD, encoding="utf-8")
    assert invoke(runner, "index", "add", "flood.txt")[0] == 0
    assert (tmp_path / "data" / "news.sqlite").is_file()
    code, out, _ = invoke(runner, "index", "stats", "--format", "json")
    assert code == 0 and json.loads(out)["articles"] == 1
    code, out, _ = invoke(runner, "index", "stats", "--index", "elsewhere.sqlite")
    assert code == 2


def test_errors_name_the_index(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "flood.txt").write_text(FLOOD, encoding="utf-8")
    code, _, err = invoke(runner, "index", "query", "flood.txt", "--index", "missing.sqlite")
    assert code == 2 and err.startswith("dedup: error: missing.sqlite: no index")
    (tmp_path / "notes.txt").write_text("not an index\n")
    code, _, err = invoke(runner, "index", "stats", "--index", "notes.txt")
    assert code == 2 and "notes.txt: not a dedup index" in err
    assert invoke(runner, "index", "add", "flood.txt")[0] == 0
    code, _, err = invoke(runner, "index", "add", "flood.txt", "--ngram", "3")
    assert code == 2 and "index was built with" in err and "ngram=3" in err


def test_add_reports_bad_inputs_and_adds_the_rest(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "flood.txt").write_text(FLOOD, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\x00 binary")
    code, _, err = invoke(runner, "index", "add", "flood.txt", "bad.txt", "missing.txt")
    assert code == 2 and "bad.txt" in err and "missing.txt" in err
    code, out, _ = invoke(runner, "index", "stats", "--format", "json")
    assert json.loads(out)["articles"] == 1


def test_scan_compares_with_the_index_and_updates_it(runner: CliRunner, tmp_path: Path) -> None:
    corpus(tmp_path / "corpus")
    assert invoke(runner, "index", "add", "corpus")[0] == 0
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "flood-copy.txt").write_text(FLOOD.replace("four", "five"), encoding="utf-8")
    (tmp_path / "new" / "other.txt").write_text(UNRELATED, encoding="utf-8")

    code, out, _ = invoke(runner, "scan", "new", "--format", "json")
    assert code == 0, out  # nothing repeats within the new files themselves

    index = str(tmp_path / ".dedup" / "index.sqlite")
    code, out, _ = invoke(runner, "scan", "new", "--index", index, "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert findings[0] == {
        "kind": "article", "scope": "across", "a": {"article": "corpus/flood.txt"},
        "b": {"article": "new/flood-copy.txt"}, "jaccard": findings[0]["jaccard"],
        "containment": findings[0]["containment"], "reason": "duplicate", "remove": "b",
        "rule": "DUP401"}
    assert all(f["b"]["article"] == "new/flood-copy.txt" for f in findings)

    # --update-index adds the scanned articles: a later copy of them is then found.
    code, _, _ = invoke(runner, "scan", "new", "--update-index", "--format", "json")
    assert code == 0
    (tmp_path / "later.txt").write_text(UNRELATED, encoding="utf-8")
    code, out, _ = invoke(runner, "scan", "later.txt", "--index", index, "--format", "json")
    assert code == 1
    assert json.loads(out)["findings"][0]["a"] == {"article": "new/other.txt"}


def test_scan_with_other_signature_settings_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "flood.txt").write_text(FLOOD, encoding="utf-8")
    assert invoke(runner, "index", "add", "flood.txt")[0] == 0
    code, _, err = invoke(runner, "scan", "flood.txt", "--index", ".dedup/index.sqlite",
                          "--ngram", "3")
    assert code == 2 and "index.sqlite: index was built with" in err


@pytest.mark.redis
def test_redis_index_from_the_command_line(runner: CliRunner, tmp_path: Path, redis_url: str) -> None:
    corpus(tmp_path / "corpus")
    flags = ("--index", redis_url, "--name", "cli-test")
    assert invoke(runner, "index", "add", "corpus", *flags)[0] == 0
    (tmp_path / "near.txt").write_text(FLOOD, encoding="utf-8")
    code, out, _ = invoke(runner, "index", "query", "near.txt", "--format", "json", *flags)
    assert code == 1
    assert json.loads(out)["queries"][0]["matches"][0]["article"] == "corpus/flood.txt"
    code, out, _ = invoke(runner, "index", "stats", "--format", "json", *flags)
    assert code == 0 and json.loads(out)["backend"] == "redis" and json.loads(out)["articles"] == 7
    code, out, _ = invoke(runner, "scan", "near.txt", "--index", f"{redis_url}?name=cli-test",
                          "--format", "json")
    assert code == 1 and json.loads(out)["findings"][0]["a"] == {"article": "corpus/flood.txt"}


@pytest.mark.parametrize("command", ["add", "query", "remove", "stats"])
def test_every_index_command_has_help(runner: CliRunner, command: str) -> None:
    code, out, _ = invoke(runner, "index", command, "--help")
    assert code == 0 and "--index" in out and len(out.splitlines()) > 5
