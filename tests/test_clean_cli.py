"""``dedup clean`` through the command line: writing, checking, diffs, formats, safety."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

from dedup.cli.main import main
from dedup.io import writer

P0 = "Since the storm reached the coast on Monday, emergency crews have worked around the clock to restore power."
P1 = "The mayor said in a briefing on Tuesday that more than twelve thousand households were still without electricity."
P2 = "Engineers from two neighbouring towns arrived with generators and pumps late in the evening on Wednesday."
DIRTY = "\n".join([P0, P1, P0, P2]) + "\n"
CLEAN = "\n".join([P0, P1, P2]) + "\n"


def run(*args: str, input: bytes | None = None) -> object:
    return CliRunner().invoke(main, ["clean", "-q", *args], input=input, catch_exceptions=False)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "dirty.txt").write_text(DIRTY, encoding="utf-8")
    (tmp_path / "news" / "clean.txt").write_text(CLEAN, encoding="utf-8")
    return tmp_path / "news"


def test_in_place_rewrites_only_changed_files_and_exits_0(corpus: Path) -> None:
    clean_file = corpus / "clean.txt"
    os.utime(clean_file, (1_000_000_000, 1_000_000_000))
    result = run(str(corpus))
    assert result.exit_code == 0  # succeeded, as black and ruff exit after fixing
    assert (corpus / "dirty.txt").read_text(encoding="utf-8") == CLEAN
    assert clean_file.stat().st_mtime == 1_000_000_000
    again = run(str(corpus))
    assert again.exit_code == 0
    assert (corpus / "dirty.txt").read_text(encoding="utf-8") == CLEAN


def test_check_writes_nothing_and_names_the_files(corpus: Path) -> None:
    before = (corpus / "dirty.txt").stat().st_mtime_ns
    result = run("--check", str(corpus))
    assert result.exit_code == 1
    assert (corpus / "dirty.txt").read_text(encoding="utf-8") == DIRTY
    assert (corpus / "dirty.txt").stat().st_mtime_ns == before
    assert f"would clean {corpus / 'dirty.txt'}" in result.stderr
    assert "clean.txt" not in result.stderr
    assert run("--check", str(corpus / "clean.txt")).exit_code == 0


def test_diff_prints_a_unified_diff_and_writes_nothing(corpus: Path) -> None:
    result = run("--diff", str(corpus / "dirty.txt"))
    assert result.exit_code == 1
    assert (corpus / "dirty.txt").read_text(encoding="utf-8") == DIRTY
    lines = result.stdout.splitlines()
    assert lines[0] == f"--- a/{corpus / 'dirty.txt'}"
    assert lines[1] == f"+++ b/{corpus / 'dirty.txt'}"
    assert f"-{P0}" in lines and f"+{P0}" not in lines


def test_output_dir_writes_every_input_with_relative_paths(corpus: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = run("--output-dir", str(out), "news")
    assert result.exit_code == 0
    assert (out / "news" / "dirty.txt").read_text(encoding="utf-8") == CLEAN
    assert (out / "news" / "clean.txt").read_text(encoding="utf-8") == CLEAN
    assert (corpus / "dirty.txt").read_text(encoding="utf-8") == DIRTY


def test_crlf_and_bom_are_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbf" + DIRTY.replace("\n", "\r\n").encode("utf-8"))
    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + CLEAN.replace("\n", "\r\n").encode("utf-8")


def test_no_fix_joins(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    text = "\n".join([P0, "The council met on Monday.It voted to rebuild the old bridge over the river."])
    path.write_text(text, encoding="utf-8")
    assert run("--no-fix-joins", "--check", str(path)).exit_code == 0
    assert run(str(path)).exit_code == 0
    assert "Monday. It voted" in path.read_text(encoding="utf-8")


def _records(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_jsonl_records_are_cleaned_and_untouched_lines_keep_their_bytes(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    untouched = '{"id": "b",   "text": "Quite another story about the harbour and its new ferry line."}\n'
    path.write_text(json.dumps({"id": "a", "text": DIRTY}) + "\n" + untouched, encoding="utf-8")
    assert run("--scope", "within", str(path)).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert json.loads(lines[0]) == {"id": "a", "text": CLEAN}
    assert lines[1] == untouched


def test_jsonl_across_drops_records_that_duplicate_a_kept_record(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl.gz"
    story = " ".join([P0, P1, P2])
    corrected = story.replace("twelve thousand", "eleven thousand")
    other = "A completely different report on football results from the weekend league matches."
    records = [{"id": "r1", "date": "2024-01-01", "text": story},
               {"id": "r2", "date": "2024-01-02", "text": other},
               {"id": "r3", "date": "2024-01-03", "text": corrected}]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    result = run("--scope", "across", "--format", "json", "--check", str(path))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(d["a"]["article"], d["b"]["article"]) for d in report["dropped"]] == [("r1", "r3")]
    assert run("--scope", "across", "--keep", "newest", str(path)).exit_code == 0
    assert [r["id"] for r in _records(path)] == ["r2", "r3"]


def test_json_edits_follow_the_scan_style(corpus: Path) -> None:
    result = run("--format", "json", "--check", str(corpus / "dirty.txt"))
    report = json.loads(result.stdout)
    assert report["version"] == 1
    assert report["articles"] == [{"id": str(corpus / "dirty.txt"), "paragraphs": 4, "changed": True}]
    (edit,) = report["edits"]
    assert edit["kind"] == "paragraph" and edit["paragraph"] == 2
    assert edit["kept"] == {"article": str(corpus / "dirty.txt"), "paragraph": 0}
    assert edit["jaccard"] == 1.0 and edit["removed"] == P0


def test_stdin_is_cleaned_to_stdout() -> None:
    result = run("-", input=DIRTY.encode("utf-8"))
    assert result.exit_code == 0
    assert result.stdout == CLEAN


def test_html_report_is_a_standalone_page(corpus: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run("--check", "--html", str(page), str(corpus))
    html = page.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "dirty.txt" in html and "paragraphs removed" in html


def test_the_report_shows_a_span_cut_from_a_sentence_with_its_spaces(tmp_path: Path) -> None:
    title = "The best winter coats for walking the dog in the rain"
    path = tmp_path / "coats.txt"
    path.write_text("\n".join([P0, f"Read on. {title} {title} Then decide.", P1]) + "\n", encoding="utf-8")
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(main, ["clean", "--check", str(path)],
                                                       catch_exceptions=False)
    assert "span · doubled" in result.stderr
    assert f"in the rain {title} Then decide." in result.stderr


def test_bad_inputs_are_one_line_each_and_the_rest_is_cleaned(corpus: Path, tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x00")
    result = run(str(binary), str(tmp_path / "missing.txt"), str(corpus / "dirty.txt"))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("dedup: error:")]
    assert len(errors) == 2 and str(binary) in errors[0] and "missing.txt" in errors[1]
    assert "Traceback" not in result.stderr
    assert (corpus / "dirty.txt").read_text(encoding="utf-8") == CLEAN


def test_a_failed_write_leaves_each_file_wholly_old_or_wholly_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in range(5):
        (tmp_path / f"{k}.txt").write_text(DIRTY, encoding="utf-8")
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 5:  # the third file's data (files and folders are fsynced in turn)
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(writer.os, "fsync", failing_fsync)
    result = run("--scope", "within", str(tmp_path))
    assert result.exit_code == 2
    assert f"dedup: error: {tmp_path / '2.txt'}: cannot write: no space left on device" in result.stderr
    contents = [(tmp_path / f"{k}.txt").read_text(encoding="utf-8") for k in range(5)]
    assert all(c in (DIRTY, CLEAN) for c in contents)
    assert contents.count(CLEAN) == 4 and contents[2] == DIRTY
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k}.txt" for k in range(5)]


KILL_SCRIPT = """
import os, sys, time
from dedup.io import writer
real = os.fsync
def slow(fd):
    time.sleep(0.05)
    real(fd)
writer.os.fsync = slow
from dedup.cli.main import main
main(["clean", "-q", "--scope", "within", sys.argv[1]])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_killing_a_clean_mid_write_leaves_no_half_written_file(tmp_path: Path) -> None:
    texts = {}
    for k in range(60):
        text = DIRTY.replace("Monday", f"day {k}")
        (tmp_path / f"{k:02}.txt").write_text(text, encoding="utf-8")
        texts[k] = text
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        done = sum(1 for k in texts if (tmp_path / f"{k:02}.txt").read_text(encoding="utf-8") != texts[k])
        if done >= 3:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    new = 0
    for k, text in texts.items():
        content = (tmp_path / f"{k:02}.txt").read_text(encoding="utf-8")
        expected_new = "\n".join(text.split("\n")[:2] + text.split("\n")[3:])
        assert content in (text, expected_new)
        new += content == expected_new
    assert 3 <= new < 60
    leftovers = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".txt")]
    assert all(name.startswith(".dedup-") for name in leftovers)


def test_a_file_repeating_another_is_reported_and_still_cleaned(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "b.txt").write_text(DIRTY, encoding="utf-8")
    result = run("--format", "json", str(tmp_path))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["articles"][1]["duplicate_of"] == str(tmp_path / "a.txt")
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == CLEAN
    assert (tmp_path / "a.txt").exists()


def test_clean_command_is_idempotent_on_fixtures(tmp_path: Path) -> None:
    for path in FIXTURES.iterdir():
        if path.suffix in (".txt", ".md", ".jsonl"):
            (tmp_path / path.name).write_bytes(path.read_bytes())
    first = run(str(tmp_path))
    assert first.exit_code == 0
    assert run("--check", str(tmp_path)).exit_code == 0


def test_index_marks_records_already_in_the_corpus_and_update_index_adds_the_cleaned(
        tmp_path: Path) -> None:
    story = " ".join([P0, P1, P2])
    index = tmp_path / "corpus.sqlite"
    seen = tmp_path / "seen.txt"
    seen.write_text(story + "\n", encoding="utf-8")
    add = CliRunner().invoke(main, ["index", "add", "--index", str(index), str(seen)])
    assert add.exit_code == 0, add.output
    batch = tmp_path / "batch.jsonl"
    other = (FIXTURES / "one-per-line.txt").read_text(encoding="utf-8")
    batch.write_text(json.dumps({"id": "n1", "text": story}) + "\n"
                     + json.dumps({"id": "n2", "text": other + DIRTY}) + "\n", encoding="utf-8")
    result = run("--index", str(index), "--update-index", "--format", "json", str(batch))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [(d["a"]["article"], d["b"]["article"]) for d in report["dropped"]] == [(str(seen), "n1")]
    assert [r["id"] for r in _records(batch)] == ["n2"]
    stats = CliRunner().invoke(main, ["index", "stats", "--index", str(index), "--format", "json"])
    assert json.loads(stats.stdout)["articles"] == 2
