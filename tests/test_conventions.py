"""The conventions of black and ruff: exit codes, --config, --color, --stdin-filename,
--exit-zero, GitHub annotations, shell completion and plain help."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURES

from dedup.cli.main import main
from dedup.hooks import check_main, clean_main

P0 = "Since the storm reached the coast on Monday, emergency crews have worked around the clock to restore power."
P1 = "The mayor said in a briefing on Tuesday that more than twelve thousand households were still without electricity."
P2 = "Engineers from two neighbouring towns arrived with generators and pumps late in the evening on Wednesday."
DIRTY = "\n".join([P0, P1, P0, P2]) + "\n"
CLEAN = "\n".join([P0, P1, P2]) + "\n"


def dedup(*args: str, input: bytes | str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env=env)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository as the working directory, with a dirty and a clean article."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dirty.txt").write_text(DIRTY, encoding="utf-8")
    (tmp_path / "clean.txt").write_text(CLEAN, encoding="utf-8")
    return tmp_path


# -- exit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "code", "written"), [
    ((), 0, True),                                   # in place: succeeded
    (("--output-dir", "out"), 0, False),
    (("--exit-non-zero-on-fix",), 1, True),          # the old behaviour, on request
    (("--output-dir", "out", "--exit-non-zero-on-fix"), 1, False),
    (("--check",), 1, False),                        # would change
    (("--diff",), 1, False),
    (("--check", "--exit-zero"), 0, False),
    (("--diff", "--exit-zero"), 0, False),
    (("--check", "--format", "json"), 1, False),
])
def test_clean_exit_codes(project: Path, args: tuple[str, ...], code: int, written: bool) -> None:
    result = dedup("clean", "-q", *args, "dirty.txt")
    assert result.exit_code == code, result.output
    assert ((project / "dirty.txt").read_text(encoding="utf-8") == CLEAN) == written
    if "--output-dir" in args:
        assert (project / "out" / "dirty.txt").read_text(encoding="utf-8") == CLEAN


@pytest.mark.parametrize("args", [(), ("--check",), ("--diff",), ("--exit-non-zero-on-fix",)])
def test_clean_exits_0_when_nothing_changes(project: Path, args: tuple[str, ...]) -> None:
    assert dedup("clean", "-q", *args, "clean.txt").exit_code == 0


def test_errors_exit_2_whatever_the_flags(project: Path) -> None:
    (project / "binary.txt").write_bytes(b"\x00\xff" * 20)
    for args in (("clean", "--exit-zero", "--check"), ("clean", "--exit-non-zero-on-fix"),
                 ("scan", "--exit-zero")):
        result = dedup(*args, "-q", "binary.txt", "dirty.txt")
        assert result.exit_code == 2, args
        assert "binary.txt: binary file" in result.stderr


def test_exit_zero_and_exit_non_zero_on_fix_conflict(project: Path) -> None:
    result = dedup("clean", "--exit-zero", "--exit-non-zero-on-fix", "dirty.txt")
    assert result.exit_code == 2
    assert result.stderr == "dedup: error: --exit-zero and --exit-non-zero-on-fix cannot be used together\n"
    assert (project / "dirty.txt").read_text(encoding="utf-8") == DIRTY


def test_scan_and_query_exit_zero(project: Path) -> None:
    assert dedup("scan", "-q", "dirty.txt").exit_code == 1
    assert dedup("scan", "-q", "--exit-zero", "dirty.txt").exit_code == 0
    index = str(project / "i.sqlite")
    assert dedup("index", "add", "-q", "--index", index, "clean.txt").exit_code == 0
    assert dedup("index", "query", "-q", "--index", index, "dirty.txt").exit_code == 1
    assert dedup("index", "query", "-q", "--exit-zero", "--index", index, "dirty.txt").exit_code == 0


def test_the_fixer_hook_still_fails_when_it_changed_a_file(project: Path) -> None:
    assert clean_main(["dirty.txt"]) == 1
    assert clean_main(["dirty.txt"]) == 0


def test_help_states_the_exit_codes() -> None:
    help_text = dedup("clean", "--help").stdout
    assert "--exit-non-zero-on-fix" in help_text and "--exit-zero" in help_text
    assert "0 files cleaned" in " ".join(help_text.split())
    assert "0 with --exit-zero" in " ".join(dedup("scan", "--help").stdout.split())


# -- --config ----------------------------------------------------------------------------------


def test_config_file_is_read_instead_of_the_search(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 7\n", encoding="utf-8")
    assert dedup("scan", "-q", "dirty.txt").exit_code == 2  # the bad one found by the search
    (project / "ci").mkdir()
    (project / "ci" / "dedup.toml").write_text('[tool.dedup]\nscope = "across"\n', encoding="utf-8")
    # across only: the repeat inside dirty.txt is not looked for
    assert dedup("--config", "ci/dedup.toml", "scan", "-q", "dirty.txt").exit_code == 0
    assert dedup("scan", "--config", "ci/dedup.toml", "-q", "dirty.txt").exit_code == 0
    assert dedup("clean", "--config", "ci/dedup.toml", "--check", "-q", "dirty.txt").exit_code == 0


def test_config_file_in_setup_cfg_style(project: Path) -> None:
    (project / "dedup.cfg").write_text("[dedup]\nscope = across\n", encoding="utf-8")
    assert dedup("scan", "--config", "dedup.cfg", "-q", "dirty.txt").exit_code == 0


def test_the_command_config_wins_over_the_group_config(project: Path) -> None:
    (project / "across.toml").write_text('[tool.dedup]\nscope = "across"\n', encoding="utf-8")
    (project / "within.toml").write_text('[tool.dedup]\nscope = "within"\n', encoding="utf-8")
    assert dedup("--config", "within.toml", "scan", "--config", "across.toml", "-q",
                 "dirty.txt").exit_code == 0
    assert dedup("--config", "across.toml", "scan", "--config", "within.toml", "-q",
                 "dirty.txt").exit_code == 1


@pytest.mark.parametrize(("name", "body", "message"), [
    ("missing.toml", None, "missing.toml: cannot read settings: no such file"),
    ("folder", "", "folder: cannot read settings: a directory"),
    ("other.toml", "[tool.black]\nline-length = 88\n", "other.toml: no [tool.dedup] table"),
    ("other.cfg", "[flake8]\nmax-line-length = 100\n", "other.cfg: no [dedup] section"),
    ("broken.toml", "[tool.dedup\n", "broken.toml: cannot read settings"),
    ("bad.toml", "[tool.dedup]\nthreshold = 2\n", "bad.toml: threshold must be in (0, 1]"),
])
def test_a_bad_config_file_is_one_line(project: Path, name: str, body: str | None,
                                       message: str) -> None:
    if name == "folder":
        (project / name).mkdir()
    elif body is not None:
        (project / name).write_text(body, encoding="utf-8")
    for args in (("--config", name, "scan", "dirty.txt"), ("clean", "--config", name, "dirty.txt"),
                 ("index", "stats", "--config", name)):
        result = dedup(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"dedup: error: {message}"), result.stderr
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
    assert (project / "dirty.txt").read_text(encoding="utf-8") == DIRTY


def test_hooks_take_a_config_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "ci.toml").write_text("[tool.dedup]\nthreshold = 2\n", encoding="utf-8")
    assert check_main(["--config", "ci.toml", "dirty.txt"]) == 2
    assert clean_main(["--config", "ci.toml", "dirty.txt"]) == 2
    assert "ci.toml: threshold must be in (0, 1]" in capsys.readouterr().err


# -- --color -----------------------------------------------------------------------------------


# An SGR escape that sets a foreground colour (bold, dim or italic alone are not colour).
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m")


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ((), {}, False),                                    # not a terminal
    (("--color", "always"), {}, True),
    (("--color", "always"), {"NO_COLOR": "1"}, True),   # the flag wins over the variable
    (("--color", "never"), {"FORCE_COLOR": "1"}, False),
    ((), {"FORCE_COLOR": "1"}, True),
    ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
])
def test_color(project: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool) -> None:
    base = {"NO_COLOR": "", "FORCE_COLOR": ""}
    scan = dedup(*args, "scan", "dirty.txt", env={**base, **env})
    assert scan.exit_code == 1
    assert bool(COLOUR.search(scan.stdout)) == coloured
    diff = dedup("clean", *args, "--diff", "dirty.txt", env={**base, **env})
    assert (f"\x1b[31m-{P0}" in diff.stdout) == coloured
    if not coloured:
        assert "\x1b[" not in diff.stdout


# -- --stdin-filename ------------------------------------------------------------------------


def test_stdin_filename_names_stdin_in_reports(project: Path) -> None:
    result = dedup("scan", "--format", "json", "--stdin-filename", "news/flood.txt", "-",
                   input=DIRTY)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["articles"] == [{"id": "news/flood.txt", "paragraphs": 4}]
    assert {f["b"]["article"] for f in report["findings"]} == {"news/flood.txt"}
    diff = dedup("clean", "--diff", "--stdin-filename", "news/flood.txt", "-", input=DIRTY)
    assert diff.stdout.splitlines()[:2] == ["--- a/news/flood.txt", "+++ b/news/flood.txt"]
    check = dedup("clean", "--check", "-q", "--stdin-filename", "news/flood.txt", "-", input=DIRTY)
    assert check.exit_code == 1 and "would clean news/flood.txt" in check.stderr
    cleaned = dedup("clean", "-q", "--stdin-filename", "news/flood.txt", "-", input=DIRTY)
    assert cleaned.exit_code == 0 and cleaned.stdout == CLEAN
    assert not (project / "news").exists()  # still stdout, never a file of that name


def test_stdin_filename_names_records_and_errors(project: Path) -> None:
    records = json.dumps({"text": DIRTY}) + "\n" + '{"body": "x"}\n'
    result = dedup("scan", "--format", "json", "--stdin-filename", "feed.jsonl", "-", input=records)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [a["id"] for a in report["articles"]] == ["feed.jsonl:1"]
    assert report["errors"] == [{"input": "feed.jsonl:2", "message": 'missing "text" field'}]
    assert 'dedup: error: feed.jsonl:2: missing "text" field' in result.stderr


def test_an_excluded_stdin_filename_is_left_alone(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.dedup]\nexclude = ["drafts/*"]\n',
                                            encoding="utf-8")
    scan = dedup("scan", "--format", "json", "--stdin-filename", "drafts/a.txt", "-", input=DIRTY)
    assert scan.exit_code == 0 and json.loads(scan.stdout)["articles"] == []
    clean = dedup("clean", "-q", "--stdin-filename", "drafts/a.txt", "-", input=DIRTY)
    assert clean.exit_code == 0 and clean.stdout == DIRTY  # passed through as it is
    check = dedup("clean", "--check", "-q", "--stdin-filename", "drafts/a.txt", "-", input=DIRTY)
    assert check.exit_code == 0 and check.stdout == ""
    other = dedup("clean", "-q", "--stdin-filename", "notes.csv", "-", input=DIRTY)
    assert other.stdout == DIRTY  # not under the include globs either
    kept = dedup("clean", "-q", "--stdin-filename", "news/a.txt", "-", input=DIRTY)
    assert kept.stdout == CLEAN


# -- --format github -----------------------------------------------------------------------------


def test_github_annotations_of_scan(project: Path) -> None:
    blocks = (FIXTURES / "bbc-blocks.txt").read_text(encoding="utf-8").split("\n\n")
    (project / "a, b.txt").write_text("\n\n".join([*blocks[:4], blocks[1]]) + "\n", encoding="utf-8")
    result = dedup("scan", "--format", "github", "a, b.txt")
    assert result.exit_code == 1
    assert result.stdout == ("::warning file=a%2C b.txt,line=9,col=1::DUP101 paragraph repeats "
                             "line 3 (duplicate, J 1.00, C 1.00)\n")
    assert result.stderr == ""


def test_github_annotations_of_clean_check(project: Path) -> None:
    glued = f"{P0}\n{P1}\nThe council met on Monday.It voted to rebuild the old bridge over the river.\n{P0}\n"
    (project / "glued.txt").write_text(glued, encoding="utf-8")
    (project / "empty.txt").write_text("", encoding="utf-8")
    result = dedup("clean", "--check", "--format", "github", "glued.txt", "empty.txt")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "::warning file=glued.txt,line=3,col=27::FIX101 space put back between glued sentences",
        "::warning file=glued.txt,line=4,col=1::DUP101 paragraph repeats line 1 "
        "(duplicate, J 1.00, C 1.00)",
        "::error file=empty.txt,line=1,col=1::empty file",
    ]
    assert (project / "glued.txt").read_text(encoding="utf-8") == glued
    assert dedup("clean", "--format", "github", "glued.txt").exit_code == 2  # needs --check
    assert (project / "glued.txt").read_text(encoding="utf-8") == glued


def test_github_annotations_of_records_and_escapes() -> None:
    from dedup.report.github import annotation, error_annotations, escape_data
    from dedup.report.locate import Place

    assert escape_data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert annotation("warning", "x: y", Place("d:/a,b", 3, 2)) == \
        "::warning file=d%3A/a%2Cb,line=3,col=2::x: y"
    from dedup.errors import InputError

    assert error_annotations([InputError("feed.jsonl:17", 'missing "text" field')]) == \
        ['::error file=feed.jsonl,line=17,col=1::missing "text" field']


# -- completion and help -----------------------------------------------------------------------


def test_shell_completion_as_documented() -> None:
    source = CliRunner().invoke(main, [], prog_name="dedup", env={"_DEDUP_COMPLETE": "bash_source"})
    assert source.exit_code == 0 and "_dedup_completion()" in source.stdout
    assert "complete -o nosort -F _dedup_completion dedup" in source.stdout
    words = CliRunner().invoke(main, [], prog_name="dedup", env={
        "_DEDUP_COMPLETE": "bash_complete", "COMP_WORDS": "dedup clean --for", "COMP_CWORD": "2"})
    assert words.stdout.splitlines() == ["plain,--format"]
    assert '_DEDUP_COMPLETE=bash_source dedup' in dedup("--help").stdout


@pytest.mark.parametrize("hook", [check_main, clean_main])
def test_hook_help_is_plain_text(hook: object, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        hook(["--help"])  # type: ignore[operator]
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "Exit codes: 0" in out and "``" not in out and "`" not in out
    assert "--config FILE" in out


def test_config_and_color_are_listed_by_every_command() -> None:
    for args in (["--help"], ["scan", "--help"], ["clean", "--help"], ["index", "--help"],
                 ["index", "add", "--help"], ["index", "query", "--help"],
                 ["index", "remove", "--help"], ["index", "stats", "--help"]):
        out = dedup(*args).stdout
        assert "--config FILE" in out and "--color [auto|always|never]" in out, args

