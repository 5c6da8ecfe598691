"""The reports through the command line: -q, -v, --html for scan and clean, safe error lines."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

from dedup.cli.common import terminal_text
from dedup.cli.main import main

INTRO = str(FIXTURES / "repeated-intro.txt")
P = ["Since the storm reached the coast on Monday, emergency crews have worked around the clock to restore power.",
     "The mayor said in a briefing on Tuesday that more than twelve thousand households were still without electricity.",
     "Engineers from two neighbouring towns arrived with generators and pumps late in the evening on Wednesday."]


def invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_scan_quiet_prints_errors_only(tmp_path: Path) -> None:
    result = invoke("scan", "-q", INTRO, str(tmp_path / "missing.txt"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"dedup: error: {tmp_path / 'missing.txt'}: no such file or directory"]
    found = invoke("scan", "-q", INTRO)
    assert found.exit_code == 1 and found.stdout == "" and found.stderr == ""


def test_clean_quiet_prints_errors_only(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("\n".join([P[0], P[1], P[0], P[2]]) + "\n", encoding="utf-8")
    # --check and --diff exit 1 when a file would change; cleaning in place exits 0.
    for flags, code in ((["--check"], 1), (["--diff"], 1), ([], 0), (["--exit-non-zero-on-fix"], 1)):
        path.write_text("\n".join([P[0], P[1], P[0], P[2]]) + "\n", encoding="utf-8")
        result = invoke("clean", "-q", *flags, str(path))
        assert result.exit_code == code, flags
        assert result.stderr == "", flags


def test_verbose_shows_every_edit_and_the_kept_text(tmp_path: Path) -> None:
    lines = [P[0], P[1], P[2]] + [f"Share this story on network number {k}" for k in range(8)]
    path = tmp_path / "nav.txt"
    # The block of paragraphs 1 to 10 pasted again: its short lines go with it.
    path.write_text("\n".join([*lines, *lines[1:]]) + "\n", encoding="utf-8")
    short = invoke("clean", "--check", "--scope", "within", str(path))
    full = invoke("clean", "--check", "--scope", "within", "-v", str(path))
    assert short.exit_code == full.exit_code == 1
    assert "more like this" in short.stderr and "more like this" not in full.stderr
    assert full.stderr.count("network number") > short.stderr.count("network number")
    assert "kept ¶" in full.stderr


def test_scan_html_is_written_besides_the_report(tmp_path: Path) -> None:
    out = tmp_path / "scan.html"
    result = invoke("scan", "-q", "--html", str(out), INTRO)
    assert result.exit_code == 1 and result.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "dedup scan" in html
    assert "repeated-intro.txt" in html and 'id="articles"' in html


def test_clean_html_summary_and_articles(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("\n".join([P[0], P[1], P[0], P[2]]) + "\n", encoding="utf-8")
    out = tmp_path / "report.html"
    result = invoke("clean", "--check", "-q", "--html", str(out), str(path))
    assert result.exit_code == 1
    html = out.read_text(encoding="utf-8")
    assert "paragraphs removed" in html and "would change" in html
    assert html.count('<details class="article"') == 1


def test_check_with_html_and_json_writes_only_the_page(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    dirty = "\n".join([P[0], P[1], P[0], P[2]]) + "\n"
    path.write_text(dirty, encoding="utf-8")
    out = tmp_path / "report.html"
    result = invoke("clean", "--check", "--format", "json", "--html", str(out), str(path))
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == dirty
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "report.html"]


def test_terminal_text_is_made_safe_only_for_a_terminal() -> None:
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    line = "dedup: error: a\x1b]0;pwned\x07.txt: empty file"
    assert terminal_text(line, Stream(True)) == "dedup: error: a␛]0;pwned␇.txt: empty file"
    assert terminal_text(line, Stream(False)) == line


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_an_escape_sequence_in_a_file_name_does_not_reach_the_terminal(tmp_path: Path) -> None:
    bad = tmp_path / "x\x1b]0;pwned\x07\x1b[2J.txt"
    bad.write_bytes(b"")
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "dedup", "scan", "-q", str(bad)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=slave, timeout=120, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        os.close(slave)
        seen = b""
        while select.select([master], [], [], 1)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert done.returncode == 2
    text = seen.decode("utf-8")
    assert "\x1b" not in text and "\x07" not in text, repr(text)
    assert "x␛]0;pwned␇␛[2J.txt: empty file" in text
