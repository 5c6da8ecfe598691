"""Hardening: nothing lost under concurrent edits and kills, bounded reads, links and
owners kept, clear one-line errors for every bad input, and a fuzzed reader.

The figures the goals ask for come from tests here: edits during a clean
(``test_random_edits_during_clean_lose_nothing``), kills
(``test_random_kills_during_clean_lose_nothing``), peak memory on gzip bombs
(``test_gzip_bombs_stay_within_memory``) and fuzzed inputs (``test_fuzzed_inputs``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, shared_path

from dedup.cli.main import main
from dedup.errors import UsageError
from dedup.io import reader
from dedup.io.reader import Article, InputError, ReadOptions, iter_inputs, read_path, read_stdin

P0 = ("Since the storm reached the coast on Monday, emergency crews have worked around the "
      "clock to restore power.")
P1 = ("The mayor said in a briefing on Tuesday that more than twelve thousand households were "
      "still without electricity.")
P2 = ("Engineers from two neighbouring towns arrived with generators and pumps late in the "
      "evening on Wednesday.")
P3 = ("Schools will reopen on Thursday once the roads to the northern villages are cleared of "
      "fallen trees.")
DIRTY = "\n".join([P0, P1, P0, P2]) + "\n"
CLEAN = "\n".join([P0, P1, P2]) + "\n"
# What an editor saves meanwhile: clean already, so any correct run leaves it as it is.
EDITED = "\n".join([P3, P1, P2]) + "\n"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX files and signals")


def run(*args: str, input: bytes | None = None) -> object:
    return CliRunner().invoke(main, ["clean", "-q", *args], input=input, catch_exceptions=False)


def scan(*args: str, input: bytes | None = None) -> object:
    return CliRunner().invoke(main, ["scan", "-q", *args], input=input, catch_exceptions=False)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("dedup: error:")]


def record(**fields: object) -> bytes:
    return json.dumps(fields).encode() + b"\n"


# --- 5. and 6. bounded reads: bombs, devices, FIFOs, stdin ------------------------------------


def _gzip_members(path: Path, block: bytes, copies: int) -> None:
    """A gzip file of ``copies`` members each holding ``block``: ``len(block) * copies``
    bytes once decompressed, from the cost of compressing ``block`` once."""
    member = gzip.compress(block, compresslevel=9, mtime=0)
    with open(path, "wb") as handle:
        for _ in range(copies):
            handle.write(member)


PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors="replace")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(f"{done.returncode} {peak}")
sys.stderr.write(done.stderr)
"""


def peak_memory(*args: str, cwd: Path) -> tuple[int, int, str]:
    """Exit code, peak resident memory in bytes and stderr of ``dedup ARGS`` in a process
    of its own."""
    done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "dedup", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    code, peak = done.stdout.split()
    return int(code), int(peak), done.stderr


LIMIT = 500 * 2**20


@pytest.mark.parametrize(("line", "message"), [
    ('max-input-size = "lots"', "not a size"), ("max-input-size = 0", "size out of range"),
    ('encoding = "klingon"', "unknown encoding"),
])
def test_bad_limit_or_encoding_in_the_config_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text(f"[tool.dedup]\n{line}\n", encoding="utf-8")
    Path("a.txt").write_text(DIRTY, encoding="utf-8")
    result = run("a.txt")
    assert result.exit_code == 2
    [error] = result.stderr.splitlines()
    assert error.startswith("dedup: error: ") and "pyproject.toml" in error and message in error
    assert Path("a.txt").read_text(encoding="utf-8") == DIRTY


def test_a_text_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text(DIRTY * 20, encoding="utf-8")
    [error] = list(read_path(str(path), ReadOptions(max_input_size=1024)))
    assert error == InputError(str(path), "more than 1K (the --max-input-size limit); not read")


def test_stdin_is_read_up_to_the_limit() -> None:
    [error] = list(read_stdin(io.BytesIO(b"x" * 5000), ReadOptions(max_input_size=4096)))
    assert error == InputError("-", "more than 4K (the --max-input-size limit); not read")
    result = run("--max-input-size", "1K", "-", input=(DIRTY * 20).encode())
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "dedup: error: -: more than 1K (the --max-input-size limit); not read"]


@pytest.mark.parametrize(("text", "size"), [("512", 512), ("4K", 4096), ("1.5M", 1572864),
                                            ("2G", 2 << 30), ("128MiB", 128 << 20)])
def test_sizes(text: str, size: int) -> None:
    assert reader.parse_size(text) == size
    assert reader.parse_size(reader.format_size(size)) == size


@pytest.mark.parametrize("text", ["", "K", "0", "0.5", "nan", "inf", "-1M", "12Q"])
def test_bad_sizes_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        reader.parse_size(text)


@POSIX
def test_a_fifo_or_a_device_is_one_error_line(tmp_path: Path) -> None:
    fifo = tmp_path / "news" / "pipe.txt"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    (tmp_path / "news" / "good.txt").write_text(DIRTY, encoding="utf-8")
    paths = [str(fifo), "/dev/zero", "/dev/urandom", str(tmp_path / "news")]
    for command in ("scan", "clean"):
        done = subprocess.run([sys.executable, "-m", "dedup", command, "-q", *paths],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 2
        lines = error_lines(done.stderr)
        assert lines == [
            f"dedup: error: {fifo}: not a regular file (a named pipe); only files, folders "
            "and - (stdin) are read",
            "dedup: error: /dev/zero: not a regular file (a character device); only files, "
            "folders and - (stdin) are read",
            "dedup: error: /dev/urandom: not a regular file (a character device); only files, "
            "folders and - (stdin) are read",
        ], done.stderr
    assert (tmp_path / "news" / "good.txt").read_text(encoding="utf-8") == CLEAN


# --- 8. links, owners, modes, read-only files ---------------------------------------------------


@POSIX
def test_mode_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(DIRTY, encoding="utf-8")
    path.chmod(0o640)
    owner = (12345, 23456) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(path, *owner)
    assert run(str(path)).exit_code == 1
    st = path.stat()
    assert path.read_text(encoding="utf-8") == CLEAN
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert (st.st_uid, st.st_gid) == owner


# --- 9. temporary files of killed runs ------------------------------------------------------------


@POSIX
def test_stale_temporary_files_are_removed_by_a_later_run(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(DIRTY, encoding="utf-8")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    old = time.time() - 2 * 3600
    stale = [tmp_path / f".dedup-{dead}-k2j4h5g6.tmp", tmp_path / ".dedup-a1b2c3d4.tmp"]
    orphan = tmp_path / f".dedup-{dead}-zz11yy22.tmp"
    fresh = [tmp_path / f".dedup-{os.getppid()}-q1w2e3r4.tmp",  # a live process, recent
             tmp_path / f".dedup-{dead}-recent12.tmp",  # just written
             tmp_path / ".dedup-notes.txt"]  # not ours
    for path in [*stale, orphan, *fresh]:
        path.write_text("partial", encoding="utf-8")
    for path in stale:
        os.utime(path, (old, old))
    os.utime(orphan, (time.time() - 120, time.time() - 120))
    assert run(str(tmp_path / "a.txt")).exit_code == 1
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["a.txt", *(p.name for p in fresh)])


KILLER = r"""
import os, random, signal, sys, time
from pathlib import Path
from dedup.cli.main import main
from dedup.errors import UsageError
import dedup.pipeline.clean, dedup.report.clean  # everything a clean needs, loaded once

folder, trials, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
# Writing is a short part of a clean: slow each fsync down so that the kills land
# while files are being written as often as before.
real_fsync = os.fsync
def slow_fsync(fd):
    time.sleep(0.01)
    real_fsync(fd)
os.fsync = slow_fsync

def clean_once():
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        try:
            main(["clean", "-q", "--scope", "within", str(folder)])
        finally:
            os._exit(0)
    return pid

def reset():
    for name in os.listdir(folder):
        if name.startswith(".dedup-"):
            os.unlink(folder / name)
    for name, data in SOURCES.items():
        (folder / name).write_bytes(data)

SOURCES = {p.name: p.read_bytes() for p in folder.iterdir()}
try:  # warm up here (models, caches) so that each child only cleans
    main(["clean", "-q", "--check", "--scope", "within", str(folder)])
except SystemExit:
    pass
started = time.perf_counter()
os.waitpid(clean_once(), 0)
duration = time.perf_counter() - started
RESULTS = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".dedup-")}
for trial in range(trials):
    reset()
    pid = clean_once()
    time.sleep(rng.uniform(0.4 * duration, duration))  # mostly while writing
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    for name in SOURCES:
        data = (folder / name).read_bytes() if (folder / name).exists() else None
        if data not in (SOURCES[name], RESULTS[name]):
            print(f"WRONG {trial} {name}")
    extra = [n for n in os.listdir(folder) if n not in SOURCES]
    if any(not n.startswith(".dedup-") for n in extra):
        print(f"EXTRA {trial} {extra}")
    new = sum(1 for name in SOURCES if (folder / name).read_bytes() != SOURCES[name])
    print(f"TRIAL {trial} {len(extra)} {new}")
print(f"DURATION {duration:.3f}")
"""


@POSIX
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_random_kills_during_clean_lose_nothing(tmp_path: Path) -> None:
    """100 cleans killed with SIGKILL at random moments: every file is wholly old or
    wholly new, nothing else appears but temporary files, which a later run removes."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for k in range(4):
        (folder / f"{k}.txt").write_text(DIRTY.replace("Monday", f"day {k}"), encoding="utf-8")
    lines = b"".join(record(id=f"r{k}", text=DIRTY.replace("Monday", f"night {k}")) for k in range(8))
    (folder / "wire.jsonl").write_bytes(lines + record(id="plain", text=EDITED))
    (folder / "wire.jsonl.gz").write_bytes(gzip.compress(lines))
    done = subprocess.run([sys.executable, "-c", KILLER, str(folder), "100", "18"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert [line for line in out if line.startswith(("WRONG", "EXTRA"))] == []
    assert sum(1 for line in out if line.startswith("TRIAL")) == 100
    trials = [line.split() for line in out if line.startswith("TRIAL")]
    temps = sum(int(t[2]) for t in trials)
    partly = sum(1 for t in trials if 0 < int(t[3]) < 6)
    print(f"kills during clean: 100 trials, 0 files wrong; killed while writing in {partly} "
          f"(some files new, some old); {temps} temporary files left; {out[-1]}")
    # A later run finishes the job and removes what the last killed run left.
    for path in folder.glob(".dedup-*"):
        os.utime(path, (time.time() - 2 * 3600,) * 2)
    assert run("--scope", "within", str(folder)).exit_code in (0, 1)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{k}.txt" for k in range(4)] + ["wire.jsonl", "wire.jsonl.gz"])
    assert (folder / "3.txt").read_text(encoding="utf-8") == CLEAN.replace("Monday", "day 3")


# --- encodings ---------------------------------------------------------------------------------------


LATIN = "The transfer fee for Mutu, a \u00a315.8m signing, was paid in full.\n" \
        "The caf\u00e9 owner said it was na\u00efve to expect more.\n"


def test_latin1_is_refused_by_default_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes(LATIN.encode("latin-1"))
    result = scan(str(path))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line.startswith(f"dedup: error: {path}:1: invalid UTF-8 at byte 29 (a3)")
    assert "--encoding auto" in line


def test_auto_keeps_utf8_and_refuses_binary(tmp_path: Path) -> None:
    assert reader.decode_article("a", "Caf\u00e9.".encode(), "auto") == \
        reader.Decoded("Caf\u00e9.", False, "utf-8")
    assert isinstance(reader.decode_article("a", b"\x89PNG\x00\x01", "auto"), InputError)


@pytest.mark.shared
def test_the_bbc_corpus_reads_whole_with_encoding_auto() -> None:
    sport = shared_path("bbc", "sport")
    plain = scan("--format", "json", "--scope", "within", str(sport))
    assert plain.exit_code == 2 and "199.txt" in plain.stderr and "--encoding" in plain.stderr
    auto = scan("--format", "json", "--scope", "within", "--encoding", "auto", str(sport))
    assert json.loads(auto.stdout)["errors"] == []
    items = list(read_path(str(sport / "199.txt"), ReadOptions(encoding="auto")))
    assert isinstance(items[0], Article) and "\u00a315.8m" in items[0].text
