"""The pre-commit hooks: pure parts, ``main()`` on files, batching, and the real framework."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import in_fresh_python

from dedup.hooks import check_main, clean_main
from dedup.hooks import common as hooks
from dedup.hooks.common import clip, message, normpath
from dedup.hooks.git import parse_name_status
from dedup.options import CleanOptions

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# path:LINE:COLUMN: CODE problem: "passage"
LINE = re.compile(r"^[^:\s]+:\d+:\d+: [A-Z]+\d+ [a-z].*: \".*\"$")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def add_fixture(repo: Path, name: str, target: str) -> Path:
    dest = repo / target
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / name, dest)
    return dest


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A corpus repository with an index of two committed articles, as the working directory."""
    from dedup.index import MinHashIndex
    from dedup.io.reader import iter_inputs

    root = make_repo(tmp_path / "corpus-repo")
    (root / "pyproject.toml").write_text('[tool.dedup]\nindex = ".dedup/index.sqlite"\n',
                                         encoding="utf-8")
    add_fixture(root, "bbc-blocks.txt", "corpus/ferry.txt")
    add_fixture(root, "one-per-line.txt", "corpus/lines.txt")
    monkeypatch.chdir(root)
    with MinHashIndex(".dedup/index.sqlite") as index:
        index.add_articles(iter_inputs(["corpus"]))
    git(root, "add", "pyproject.toml", "corpus")
    git(root, "commit", "-q", "-m", "corpus")
    return root


# -- pure parts --------------------------------------------------------------------------


def test_clip_is_one_quoted_line_of_bounded_width() -> None:
    assert clip("a\n b\t\tc") == '"a b c"'
    long = clip("word " * 100, 30)
    assert long.startswith('"word word') and long.endswith('…"') and len(long) == 32
    assert "\n" not in clip("x\n" * 500)


def test_message_format() -> None:
    line = message("a.txt:5:1", "DUP102 paragraph repeats line 1 (contained, J 0.53, C 1.00)",
                   "After heavy rain\nflooded")
    assert line == 'a.txt:5:1: DUP102 paragraph repeats line 1 (contained, J 0.53, C 1.00): ' \
                   '"After heavy rain flooded"'
    assert LINE.match(line)


def test_parse_name_status() -> None:
    out = "A\0new.txt\0M\0old/a.md\0R087\0was.txt\0now.txt\0C100\0src.txt\0copy.txt\0" \
          "D\0gone.jsonl\0T\0link.txt\0"
    staged, gone = parse_name_status(out)
    assert staged == ["new.txt", "old/a.md", "now.txt", "copy.txt", "link.txt"]
    assert gone == ["was.txt", "gone.jsonl"]
    assert parse_name_status("") == ([], [])


def test_selected_uses_include_and_exclude_globs() -> None:
    include = ("*.txt", "*.md", "*.jsonl")
    assert hooks.selected("news/a.txt", include, ())
    assert not hooks.selected("news/a.csv", include, ())
    assert not hooks.selected("drafts/a.txt", include, ("drafts/*",))
    assert not hooks.selected("news/a.tmp.txt", include, ("*.tmp.txt",))


def test_normpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert normpath("./news//a.txt") == "news/a.txt"
    assert normpath(str(tmp_path / "news" / "a.txt")) == "news/a.txt"


# -- main() on files: one table for the verdicts -------------------------------------------

# fixture, dedup-check exit code, whether dedup-clean changes it
CASES = [
    ("bbc-blocks.txt", 0, False),          # blank-line blocks, nothing repeated
    ("wrapped-indented.txt", 0, False),    # newswire layout
    ("interview.txt", 0, False),           # a repeated question is a template, kept
    ("meal-plan.txt", 0, False),           # a recipe's repeated line is kept
    ("repeated-intro.txt", 1, True),       # the seed: the intro pasted twice
]


@pytest.mark.parametrize(("name", "code", "changes"), CASES)
def test_check_and_clean_on_one_file(name: str, code: int, changes: bool, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # no config above this folder; not a real repository
    path = add_fixture(tmp_path, name, name)
    assert check_main([name]) == code
    out = capsys.readouterr().out
    assert bool(out) == bool(code)
    for line in out.splitlines():
        assert LINE.match(line), line
        assert line.startswith(f"{name}:")
    before = path.read_bytes()
    assert clean_main([name]) == int(changes)
    assert (path.read_bytes() != before) == changes
    # Fixed: both hooks pass now, and cleaning again changes nothing.
    capsys.readouterr()
    assert clean_main([name]) == 0
    assert check_main([name]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()
                                         if p.suffix in (".txt", ".md", ".jsonl")))
def test_check_fails_exactly_when_clean_would_remove(name: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Within articles the check reports what the fixer removes, so after it both pass."""
    from dedup.pipeline.clean import clean_inputs
    from dedup.settings import Settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    add_fixture(tmp_path, name, name)
    removals = sum(len(a.canonical.removals)
                   for a in clean_inputs([name], Settings(), options=CleanOptions(scope="within")).articles)
    assert check_main(["--no-staged", name]) == 1 or not removals
    within = [line for line in capsys.readouterr().out.splitlines() if " repeats " in line]
    assert len(within) == removals
    clean_main([name])
    capsys.readouterr()
    assert clean_main([name]) == 0
    check_main(["--no-staged", name])
    assert " repeats " not in capsys.readouterr().out


def test_check_names_each_repeated_passage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    add_fixture(tmp_path, "repeated-intro.txt", "story.txt")
    assert check_main(["story.txt"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        'story.txt:3:1: DUP102 paragraph repeats line 1 (contained, J 0.53, C 1.00): '
        '"After heavy rain flooded three districts overnight, the city council ha…"',
        'story.txt:4:1: DUP101 paragraph repeats line 2 (duplicate, J 1.00, C 1.00): '
        '"The mayor said in a briefing on Tuesday that more than twelve thousand …"',
    ]


def test_clean_fixes_to_the_canonical_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from dedup.pipeline.clean import clean_inputs
    from dedup.settings import Settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    path = add_fixture(tmp_path, "repeated-intro.txt", "story.txt")
    canonical = clean_inputs(["story.txt"], Settings(), options=CleanOptions(scope="within")).files[0].new
    assert clean_main(["story.txt"]) == 1
    assert capsys.readouterr().out == "story.txt: fixed: 2 passages removed (DUP101 x1, DUP102 x1)\n"
    assert path.read_bytes() == canonical


def test_clean_on_json_lines_rewrites_only_changed_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    path = add_fixture(tmp_path, "spark-corpus.jsonl", "feed.jsonl")
    lines = path.read_bytes().splitlines()
    assert clean_main(["feed.jsonl"]) == 1
    after = path.read_bytes().splitlines()
    assert len(after) == len(lines)  # within scope: no record dropped
    assert sum(a != b for a, b in zip(lines, after)) >= 1
    assert clean_main(["feed.jsonl"]) == 0


def test_no_files_is_a_pass() -> None:
    assert check_main([]) == 0
    assert clean_main([]) == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff\x00\xfe" * 10)
    add_fixture(tmp_path, "repeated-intro.txt", "story.txt")
    assert check_main(["binary.txt", "story.txt"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("binary.txt: ") and len(captured.err.splitlines()) == 1
    assert "story.txt:3:1: " in captured.out  # the other file is still checked
    assert clean_main(["binary.txt"]) == 2


def test_a_damaged_index_is_an_error_with_the_fix(repo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    add_fixture(repo, "wrapped-indented.txt", "new/story.txt")
    (repo / "broken.sqlite").write_bytes(b"not an index at all" * 100)
    assert check_main(["--index", "broken.sqlite", "new/story.txt"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dedup-check: error: broken.sqlite") and len(err.splitlines()) == 1
    assert "delete broken.sqlite to have it rebuilt" in err and "dedup index add" in err


def test_bad_config_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 3\n", encoding="utf-8")
    add_fixture(tmp_path, "bbc-blocks.txt", "a.txt")
    assert check_main(["a.txt"]) == 2
    assert clean_main(["a.txt"]) == 2
    assert "pyproject.toml: threshold must be in (0, 1]" in capsys.readouterr().err


# -- the corpus index and the staged set ---------------------------------------------------


def test_article_already_in_the_index_fails(repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    add_fixture(repo, "bbc-blocks.txt", "new/ferry-again.txt")
    git(repo, "add", "new")
    assert check_main(["new/ferry-again.txt"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("new/ferry-again.txt:1:1: DUP401 article duplicates corpus/ferry.txt in "
                          "the corpus index (duplicate, J 1.00, C 1.00): \"Harbour town approves")
    assert len(out.splitlines()) == 1


def test_paragraph_already_in_the_index_fails(repo: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ferry = (FIXTURES / "bbc-blocks.txt").read_text(encoding="utf-8").split("\n\n")
    new = (FIXTURES / "wrapped-indented.txt").read_text(encoding="utf-8")
    (repo / "new.txt").write_text(new.rstrip("\n") + "\n\n" + ferry[2] + "\n", encoding="utf-8")
    assert check_main(["new.txt"]) == 1
    out = capsys.readouterr().out
    assert "in the corpus index" in out and "paragraph 3 of corpus/ferry.txt" in out


def test_a_handful_of_files_starts_no_worker_process(repo: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit's few articles are analysed and checked against the index in the hook's
    own process: a pool would cost more to start than the work."""
    import concurrent.futures
    import multiprocessing

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the hook started a worker process")

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "__init__", refuse)
    monkeypatch.setattr(multiprocessing.Process, "start", refuse)
    add_fixture(repo, "bbc-blocks.txt", "new/ferry-again.txt")
    add_fixture(repo, "wrapped-indented.txt", "new/grain.txt")
    add_fixture(repo, "repeated-intro.txt", "new/flood.txt")
    git(repo, "add", "new")
    assert check_main(["new/ferry-again.txt", "new/grain.txt", "new/flood.txt"]) == 1


def test_an_edited_corpus_article_is_not_its_own_duplicate(repo: Path) -> None:
    path = repo / "corpus" / "ferry.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA late addition to the story.\n",
                    encoding="utf-8")
    git(repo, "add", "corpus/ferry.txt")
    assert check_main(["corpus/ferry.txt"]) == 0


def test_a_renamed_corpus_article_is_not_a_duplicate(repo: Path) -> None:
    git(repo, "mv", "corpus/ferry.txt", "corpus/ferry-link.txt")
    assert check_main(["corpus/ferry-link.txt"]) == 0


def test_clean_article_passes_against_the_index(repo: Path) -> None:
    add_fixture(repo, "wrapped-indented.txt", "new/grain.txt")
    git(repo, "add", "new")
    assert check_main(["new/grain.txt"]) == 0


# -- positions: the file's own lines -------------------------------------------------------


@pytest.mark.parametrize(("text", "offset", "expected"), [
    ("one", 0, (1, 1)),
    ("one\ntwo", 5, (2, 2)),
    ("one\r\ntwo", 5, (2, 1)),
    ("one\rtwo\rthree", 8, (3, 1)),
    ("a\r\n\r\nb", 5, (3, 1)),
    ("é\nçà", 4, (2, 3)),  # characters, not bytes
])
def test_line_col(text: str, offset: int, expected: tuple[int, int]) -> None:
    from dedup.report.locate import line_col

    assert line_col(text, offset) == expected


def test_lines_are_the_files_lines_not_paragraph_numbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Blank-line blocks under a headline: paragraph 5 starts on line 9, in LF and in CRLF."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    blocks = (FIXTURES / "bbc-blocks.txt").read_text(encoding="utf-8").split("\n\n")
    text = "\n\n".join([*blocks[:4], blocks[1]]) + "\n"
    for name, body in (("lf.txt", text), ("crlf.txt", text.replace("\n", "\r\n"))):
        (tmp_path / name).write_bytes(body.encode("utf-8"))
        assert check_main(["--no-staged", name]) == 1
        (line,) = capsys.readouterr().out.splitlines()
        assert line.startswith(f"{name}:9:1: DUP101 paragraph repeats line 3 (duplicate"), line
        assert LINE.match(line)


def test_a_sentence_is_placed_at_its_line_and_column(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    first = "The council met on Monday to approve the budget for the coming year in full."
    other = "Engineers from two neighbouring towns arrived with generators and pumps late on Wednesday."
    new = "Residents queued for water at the town hall. " + first
    (tmp_path / "a.txt").write_text(f"{first}\n{other}\n{new}\n", encoding="utf-8")
    assert check_main(["--no-staged", "a.txt"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    column = len("Residents queued for water at the town hall. ") + 1
    assert line.startswith(f"a.txt:3:{column}: DUP201 sentence repeats line 1 (duplicate"), line


def test_a_json_lines_record_is_placed_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    story = (FIXTURES / "repeated-intro.txt").read_text(encoding="utf-8")
    other = (FIXTURES / "bbc-blocks.txt").read_text(encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text(json.dumps({"id": "x", "text": other}) + "\n\n"
                                         + json.dumps({"id": "y", "text": story}) + "\n",
                                         encoding="utf-8")
    assert check_main(["--no-staged", "feed.jsonl"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("feed.jsonl:3:1: DUP102 paragraph repeats paragraph 1 (contained")
    assert all(LINE.match(line) for line in lines)


def test_rule_codes_come_from_the_rule_when_edits_carry_one() -> None:
    from dataclasses import dataclass

    from dedup.clean.engine import Edit
    from dedup.report.locate import rule_code

    @dataclass(frozen=True)
    class Ruled(Edit):
        rule: str = "DUP999"

    assert rule_code(Edit("paragraph", 0, 1, 0, reason="contained")) == "DUP102"
    assert rule_code(Ruled("paragraph", 0, 1, 0, reason="contained")) == "DUP999"


# -- the corpus index, built on first use --------------------------------------------------


def index_keys(path: Path) -> list[str]:
    from dedup.index import MinHashIndex

    with MinHashIndex(path, create=False) as index:
        return list(index)


def test_a_missing_index_is_built_from_the_tracked_files_once(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A teammate's clone has no .dedup/: the first check builds it, then finds the copy."""
    shutil.rmtree(repo / ".dedup")
    add_fixture(repo, "bbc-blocks.txt", "new/ferry-again.txt")
    git(repo, "add", "new")
    assert check_main(["new/ferry-again.txt"]) == 1
    captured = capsys.readouterr()
    assert "new/ferry-again.txt:1:1: DUP401 article duplicates corpus/ferry.txt in the corpus " \
           "index" in captured.out
    assert "building it from 2 tracked files" in captured.err
    # The corpus as committed: the staged file is compared as staged, not indexed.
    assert index_keys(repo / ".dedup" / "index.sqlite") == ["corpus/ferry.txt", "corpus/lines.txt"]
    assert not [p for p in (repo / ".dedup").iterdir() if "building" in p.name]
    assert check_main(["new/ferry-again.txt"]) == 1
    again = capsys.readouterr()
    assert again.out == captured.out and "building" not in again.err


def test_without_an_index_setting_the_repository_default_is_built_and_ignored_by_git(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "plain")
    monkeypatch.chdir(root)
    add_fixture(root, "bbc-blocks.txt", "corpus/ferry.txt")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "corpus")
    add_fixture(root, "bbc-blocks.txt", "new/ferry.txt")
    git(root, "add", "new")
    assert check_main(["new/ferry.txt"]) == 1
    assert "article duplicates corpus/ferry.txt in the corpus index" in capsys.readouterr().out
    assert index_keys(root / ".dedup" / "index.sqlite") == ["corpus/ferry.txt"]
    assert git(root, "status", "--porcelain", "--untracked-files=all") == "A  new/ferry.txt\n"
    assert check_main(["--no-index", "new/ferry.txt"]) == 0


def test_an_index_that_cannot_be_built_never_blocks_and_says_so_once(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "pyproject.toml").write_text('[tool.dedup]\nindex = "taken/index.sqlite"\n',
                                         encoding="utf-8")
    (repo / "taken").write_text("a file where the index folder should be\n", encoding="utf-8")
    add_fixture(repo, "wrapped-indented.txt", "new/grain.txt")
    git(repo, "add", "new")
    assert check_main(["new/grain.txt"]) == 0
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot build the corpus index" in err
    assert check_main(["new/grain.txt"]) == 0
    assert capsys.readouterr().err == ""  # the same hint is not printed twice


def test_an_interrupted_build_leaves_no_index(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from dedup.index import MinHashIndex

    def fail(*args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    shutil.rmtree(repo / ".dedup")
    monkeypatch.setattr(MinHashIndex, "add_articles", fail)
    add_fixture(repo, "wrapped-indented.txt", "new/grain.txt")
    git(repo, "add", "new")
    assert check_main(["new/grain.txt"]) == 0
    assert "No space left on device" in capsys.readouterr().err
    assert not (repo / ".dedup" / "index.sqlite").exists()
    assert [p.name for p in (repo / ".dedup").iterdir()] == [".gitignore"]


def staged_commit(repo: Path) -> list[str]:
    """Six staged articles: a pair of copies, a copy of the corpus, a repeated intro, two clean."""
    add_fixture(repo, "wrapped-indented.txt", "new/a-grain.txt")
    add_fixture(repo, "wrapped-indented.txt", "new/z-grain-copy.txt")
    add_fixture(repo, "bbc-blocks.txt", "new/m-ferry.txt")
    add_fixture(repo, "repeated-intro.txt", "new/b-flood.txt")
    add_fixture(repo, "interview.txt", "new/c-interview.md")
    add_fixture(repo, "meal-plan.txt", "new/d-meals.txt")
    git(repo, "add", "new")
    return sorted(git(repo, "diff", "--cached", "--name-only").split())


def run_batches(batches: list[list[str]], capsys: pytest.CaptureFixture[str],
                *extra: str) -> tuple[int, list[str]]:
    codes, lines = [], []
    for batch in batches:
        codes.append(check_main([*extra, *batch]))
        lines.extend(capsys.readouterr().out.splitlines())
    return max(codes), sorted(lines)


def test_same_verdict_however_the_files_are_split(repo: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    files = staged_commit(repo)
    code, lines = run_batches([files], capsys)
    assert code == 1
    assert any(line.startswith("new/z-grain-copy.txt:1:1: DUP401 article duplicates "
                               "new/a-grain.txt ") for line in lines)
    assert any(line.startswith("new/m-ferry.txt:1:1: DUP401 article duplicates corpus/ferry.txt ")
               for line in lines)
    assert any(line.startswith("new/b-flood.txt:3:1: DUP102 paragraph repeats") for line in lines)
    assert not any(line.startswith(("new/a-grain", "new/c-", "new/d-")) for line in lines)
    # The two copies in different batches, in either order, and one file per process.
    for batches in ([files[:3], files[3:]], [files[3:], files[:3]],
                    [files[::2], files[1::2]], [[f] for f in files], [[f] for f in files[::-1]]):
        assert run_batches(batches, capsys) == (code, lines), batches


def test_without_the_staged_set_a_split_hides_a_pair(repo: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Why the hook lists the staged files itself: batches alone cannot see the pair."""
    staged_commit(repo)
    pair = [["new/a-grain.txt"], ["new/z-grain-copy.txt"]]
    assert run_batches(pair, capsys, "--no-staged") == (0, [])
    assert run_batches(pair, capsys)[0] == 1


def test_staged_pair_is_found_outside_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "plain")  # no config, no index
    monkeypatch.chdir(root)
    add_fixture(root, "bbc-blocks.txt", "one.txt")
    add_fixture(root, "bbc-blocks.txt", "two.txt")
    git(root, "add", ".")
    assert run_batches([["two.txt"], ["one.txt"]], capsys)[0] == 1


def test_runs_from_a_subfolder(repo: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    add_fixture(repo, "bbc-blocks.txt", "new/a.txt")
    add_fixture(repo, "bbc-blocks.txt", "new/b.txt")
    git(repo, "add", "new")
    monkeypatch.chdir(repo / "new")
    assert check_main(["b.txt"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("b.txt:1:1: DUP401 article duplicates a.txt ")


# -- the real pre-commit framework ---------------------------------------------------------


def head_with_hooks() -> str:
    """The commit of this checkout, when it holds the hook manifest (else skip)."""
    try:
        sha = git(ROOT, "rev-parse", "HEAD").strip()
        git(ROOT, "cat-file", "-e", "HEAD:.pre-commit-hooks.yaml")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs a git checkout of dedup whose HEAD holds .pre-commit-hooks.yaml")
    return sha


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One pre-commit cache for the module: the hook environment is installed once."""
    pytest.importorskip("pre_commit")
    yield tmp_path_factory.mktemp("pre-commit-home")


def hook_env_python(home: Path) -> Path:
    """The interpreter of the environment pre-commit installed the hooks into."""
    found = sorted(home.glob("repo*/py_env-*/bin/python"))
    assert found, f"no hook environment under {home}"
    return found[0]


def pre_commit(repo: Path, home: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "SKIP": ""}
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.slow
def test_pre_commit_framework(repo: Path, precommit_home: Path) -> None:
    sha = head_with_hooks()
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {ROOT}\n"
        f"    rev: {sha}\n"
        "    hooks:\n"
        "      - id: dedup-clean\n"
        "      - id: dedup-check\n", encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "hooks")

    # A clean article passes both hooks.
    add_fixture(repo, "wrapped-indented.txt", "news/grain.txt")
    git(repo, "add", "news/grain.txt")
    code, out = pre_commit(repo, precommit_home, "run")
    assert code == 0, out
    assert re.search(r"dedup clean.*Passed", out) and re.search(r"dedup check.*Passed", out)
    git(repo, "commit", "-q", "-m", "grain")

    # A repeated intro: the check fails naming the passage, the fixer rewrites the file
    # to its canonical version; staged again, both hooks pass.
    from dedup.pipeline.clean import clean_inputs
    from dedup.settings import Settings

    story = add_fixture(repo, "repeated-intro.txt", "news/flood.txt")
    canonical = clean_inputs([str(story)], Settings(), options=CleanOptions(scope="within")).files[0].new
    git(repo, "add", "news/flood.txt")
    code, out = pre_commit(repo, precommit_home, "run")
    assert code == 1, out
    assert re.search(r"dedup clean.*Failed", out) and "files were modified by this hook" in out
    assert "news/flood.txt: fixed: 2 passages removed" in out
    assert story.read_bytes() == canonical
    code, out = pre_commit(repo, precommit_home, "run", "dedup-check", "--files",
                           "news/flood.txt")
    assert code == 0, out
    git(repo, "add", "news/flood.txt")
    code, out = pre_commit(repo, precommit_home, "run")
    assert code == 0, out
    git(repo, "commit", "-q", "-m", "flood")

    # The original intro, before cleaning, is reported by the check line by line.
    add_fixture(repo, "repeated-intro.txt", "drafts/flood.txt")
    code, out = pre_commit(repo, precommit_home, "run", "dedup-check", "--files",
                           "drafts/flood.txt")
    assert code == 1, out
    assert "drafts/flood.txt:3:1: DUP102 paragraph repeats line 1 (contained" in out

    # An article already in the corpus index fails the check. The hooks run the library
    # at `rev`, which may differ from the working tree these tests import, and an index
    # must be read by the code that wrote it: rebuild it with the hook's environment.
    hook_python = hook_env_python(precommit_home)
    shutil.rmtree(repo / ".dedup")
    subprocess.run([str(hook_python), "-m", "dedup", "index", "add", "corpus"], cwd=repo,
                   check=True, capture_output=True)
    add_fixture(repo, "bbc-blocks.txt", "news/ferry.txt")
    git(repo, "add", "news/ferry.txt")
    code, out = pre_commit(repo, precommit_home, "run", "dedup-check")
    assert code == 1, out
    assert "news/ferry.txt:1:1: DUP401 article duplicates corpus/ferry.txt in the corpus index" in out


def test_punkt_is_imported_without_the_rest_of_nltk() -> None:
    in_fresh_python(
        "import sys",
        "from dedup.text.sentences import sentence_spans",
        "t = 'Mr. Smith went to the U.S. today. He is back.'",
        "assert [t[s:e] for s, e in sentence_spans(t)] == "
        "['Mr. Smith went to the U.S. today.', 'He is back.']",
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('nltk', 'scipy', 'sklearn')]",
        "assert not loaded, loaded  # nothing of NLTK is left in sys.modules",
        "import nltk  # the whole package, as usual, for the caller",
        "assert nltk.tokenize.punkt.PunktSentenceTokenizer and nltk.word_tokenize",
        "assert [t[s:e] for s, e in sentence_spans(t, 'de')][-1] == 'He is back.'",
    )


def test_punkt_falls_back_to_the_whole_of_nltk() -> None:
    in_fresh_python(
        "import sys",
        "from dedup.text import sentences",
        "def broken():",
        "    raise ImportError('an NLTK whose Punkt needs more')",
        "sentences._punkt_alone = broken",
        "module = sentences.punkt()",
        "assert module is sys.modules['nltk.tokenize.punkt']",
        "assert not [m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')]",
        "t = 'Mr. Smith went to the U.S. today. He is back.'",
        "assert len(sentences.sentence_spans(t)) == 2",
    )


def test_no_heavy_import_without_files() -> None:
    in_fresh_python(
        "import sys",
        "from dedup.hooks import check_main, clean_main",
        "assert check_main([]) == 0 and clean_main([]) == 0",
        "heavy = [m for m in ('numpy', 'nltk', 'rich', 'datasketch', 'scipy') if m in sys.modules]",
        "assert not heavy, heavy",
    )


@pytest.mark.slow
def test_autoupdate_sees_the_release_tag_or_else_the_commit(tmp_path: Path,
                                                            precommit_home: Path) -> None:
    """What docs/pre-commit.md says of `rev`: autoupdate moves it to the newest vX.Y.Z tag
    of the default branch, and to that branch's last commit while there is no tag."""
    head_with_hooks()
    source = tmp_path / "dedup-src"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(source)], check=True, capture_output=True)
    head = git(source, "rev-parse", "HEAD").strip()
    first = git(source, "rev-list", "--max-parents=0", "HEAD").split()[0]
    corpus = make_repo(tmp_path / "corpus")
    config = corpus / ".pre-commit-config.yaml"

    def autoupdate(*args: str) -> str:
        config.write_text(f"repos:\n  - repo: {source}\n    rev: {first}\n    hooks:\n"
                          "      - id: dedup-check\n", encoding="utf-8")
        for tag in git(source, "tag").split():
            git(source, "tag", "-d", tag)
        for tag in args:
            git(source, "tag", tag, "HEAD")
        code, out = pre_commit(corpus, precommit_home, "autoupdate")
        assert code == 0, out
        return re.search(r"rev: (\S+)", config.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]

    assert autoupdate() == head
    assert autoupdate("v0.1.0") == "v0.1.0"
