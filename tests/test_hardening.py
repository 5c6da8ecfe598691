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
from dedup.io.writer import replace_value, rewrite_jsonl, value_span

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


# --- 1. --output-dir keeps every input apart -----------------------------------------------


def test_output_dir_keeps_same_named_inputs_from_two_folders_apart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, text in (("a", DIRTY), ("b", DIRTY.replace("Monday", "Sunday"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = run("--output-dir", "out", str(tmp_path / "a" / "x.txt"), str(tmp_path / "b" / "x.txt"))
    assert result.exit_code == 0, result.stderr
    assert (work / "out" / "a" / "x.txt").read_text(encoding="utf-8") == CLEAN
    assert (work / "out" / "b" / "x.txt").read_text(encoding="utf-8") == CLEAN.replace("Monday", "Sunday")


def test_output_dir_refuses_two_inputs_on_one_path_and_names_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, other = tmp_path / "work", tmp_path / "other"
    work.mkdir()
    other.mkdir()
    (work / "x.txt").write_text(DIRTY, encoding="utf-8")
    (other / "x.txt").write_text(EDITED, encoding="utf-8")
    monkeypatch.chdir(work)
    result = run("--output-dir", "out", "x.txt", str(other / "x.txt"))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert str(other / "x.txt") in line and "x.txt" in line.split("like")[1]
    assert (work / "out" / "x.txt").read_text(encoding="utf-8") == CLEAN


@pytest.mark.parametrize("out", ["file/out", "file"])
def test_output_dir_is_checked_before_anything_is_written(tmp_path: Path, out: str) -> None:
    (tmp_path / "a.txt").write_text(DIRTY, encoding="utf-8")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = run("--output-dir", str(tmp_path / out), str(tmp_path / "a.txt"))
    assert result.exit_code == 2
    assert result.stderr.startswith("dedup: error:") and "--output-dir" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == DIRTY


@pytest.mark.parametrize("html", ["folder", "missing/r.html", "file/r.html"])
def test_html_path_is_checked_before_anything_is_written(tmp_path: Path, html: str) -> None:
    (tmp_path / "a.txt").write_text(DIRTY, encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = run("--html", str(tmp_path / html), str(tmp_path / "a.txt"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"dedup: error: {tmp_path / html}: --html ")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == DIRTY


@POSIX
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_new_files_get_the_mode_the_umask_gives(tmp_path: Path, umask: int, mode: int) -> None:
    (tmp_path / "a.txt").write_text(DIRTY, encoding="utf-8")
    old = os.umask(umask)
    try:
        result = run("--output-dir", str(tmp_path / "out"), "--html", str(tmp_path / "r.html"),
                     str(tmp_path / "a.txt"))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    written = tmp_path / "out" / "a.txt" if (tmp_path / "out" / "a.txt").exists() else \
        next((tmp_path / "out").rglob("a.txt"))
    assert stat.S_IMODE(written.stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "r.html").stat().st_mode) == mode


# --- 2. a file edited while clean runs is left as the editor saved it -------------------------


def _edit_by_rename(path: Path) -> None:
    temp = path.with_name(path.name + ".swp")
    temp.write_text(EDITED, encoding="utf-8")
    os.replace(temp, path)


def _edit_in_place_same_size_and_time(path: Path) -> None:
    before = path.stat()
    data = DIRTY.replace("Monday", "Friday").encode()  # same length
    with open(path, "r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _edit_by_append(path: Path) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(P3 + "\n")


@pytest.mark.parametrize("edit", [_edit_by_rename, _edit_in_place_same_size_and_time,
                                  _edit_by_append])
@pytest.mark.parametrize("name", ["story.txt", "wire.jsonl", "wire.jsonl.gz"])
def test_a_file_edited_after_it_was_read_is_not_overwritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: object, name: str) -> None:
    import dedup.pipeline.clean as pipeline

    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text(DIRTY, encoding="utf-8")
    else:
        data = record(id="a", text=DIRTY)
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    real_write = pipeline.atomic_write
    edited: dict[str, bytes] = {}

    def edit_then_write(target: str, *args: object, **kwargs: object) -> bool:
        if edit is _edit_by_rename or name.endswith(".txt"):
            edit(path)  # type: ignore[operator]
        else:
            before = path.stat()
            # Same size and time: only the bytes tell.
            data = path.read_bytes()
            path.write_bytes(data[:-2] + bytes([data[-2] ^ 1]) + data[-1:])
            if edit is _edit_in_place_same_size_and_time:
                os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        edited["bytes"] = path.read_bytes()
        return real_write(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "atomic_write", edit_then_write)
    result = run("--scope", "within", str(path))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line == f"dedup: error: {path}: changed since it was read; left as it is (run again)"
    assert path.read_bytes() == edited["bytes"]
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux swaps and leases")
def test_a_save_by_an_editor_that_opened_the_file_before_the_swap_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The editor opens the file, clean swaps its new version in, then the editor
    # writes: into the file taken out, which must be swapped back, not deleted.
    import dedup.pipeline.clean as pipeline

    path = tmp_path / "story.txt"
    path.write_text(DIRTY, encoding="utf-8")
    real_write = pipeline.atomic_write

    def write_while_open(target: str, *args: object, **kwargs: object) -> bool:
        with open(path, "r+b") as editor:
            try:
                return real_write(target, *args, **kwargs)  # type: ignore[arg-type]
            finally:
                editor.truncate(0)
                editor.write(EDITED.encode())

    monkeypatch.setattr(pipeline, "atomic_write", write_while_open)
    with open(path, "rb"):  # a reader (a pager, tail -f) holding it does not count
        result = run("--scope", "within", str(path))
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        f"dedup: error: {path}: changed since it was read; left as it is (run again)"]
    assert path.read_text(encoding="utf-8") == EDITED
    assert [p.name for p in tmp_path.iterdir()] == ["story.txt"]


def test_a_file_open_for_reading_elsewhere_is_still_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(DIRTY, encoding="utf-8")
    with open(path, "rb"):  # a pager or tail -f
        assert run("--scope", "within", str(path)).exit_code == 0
    assert path.read_text(encoding="utf-8") != DIRTY


class _Editor(threading.Thread):
    """Saves EDITED over a file after a random delay, by rename or in place."""

    def __init__(self, path: Path, delay: float, in_place: bool) -> None:
        super().__init__(daemon=True)
        self.path, self.delay, self.in_place = path, delay, in_place

    def run(self) -> None:
        time.sleep(self.delay)
        if self.in_place:
            with open(self.path, "r+b") as handle:
                handle.truncate(0)
                handle.write(EDITED.encode())
        else:
            _edit_by_rename(self.path)


def test_random_edits_during_clean_lose_nothing(tmp_path: Path) -> None:
    """100 trials: an editor saves the file at a random moment of an in-place clean.

    Whenever it saves, the file must end as the editor saved it (EDITED is clean
    already, so a clean that read it leaves it so)."""
    rng = random.Random(18)
    path = tmp_path / "story.txt"
    path.write_text(DIRTY, encoding="utf-8")
    assert run("--scope", "within", str(path)).exit_code == 0  # warm: modules loaded
    path.write_text(DIRTY, encoding="utf-8")
    started = time.perf_counter()
    assert run("--scope", "within", str(path)).exit_code == 0
    duration = time.perf_counter() - started
    lost = []
    outcomes = {0: 0, 2: 0}
    for trial in range(100):
        path.write_text(DIRTY, encoding="utf-8")
        editor = _Editor(path, rng.uniform(0, duration * 1.2), in_place=trial % 2 == 1)
        editor.start()
        result = run("--scope", "within", str(path))
        editor.join()
        assert result.exit_code in (0, 2)
        assert "Traceback" not in result.stderr
        if path.read_text(encoding="utf-8") != EDITED:
            lost.append(trial)
        outcomes[result.exit_code] += 1
    assert lost == []
    print(f"edits during clean: 100 trials, {len(lost)} lost; exits {outcomes}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.txt"]


# --- 4. a JSON lines rewrite changes only the text -------------------------------------------


def test_a_changed_record_keeps_every_other_byte(tmp_path: Path) -> None:
    dirty = json.dumps(DIRTY)
    clean = json.dumps(CLEAN)
    lines = [
        b'\xef\xbb\xbf  {"id": "a", "n": 1e400, "price": 1.10, "text": "draft", "text": '
        + dirty.encode() + b', "tags": ["x" , "y"]}\r\n',
        b'{"id": "b", "text": "Quite another story about the harbour and its new ferry line."}\n',
        b'\t{"id": "c", "big": 123456789012345678901234567890, "text": '
        + dirty.replace("Monday", "Sunday").encode() + b"}",
    ]
    path = tmp_path / "news.jsonl"
    path.write_bytes(b"".join(lines))
    assert run("--scope", "within", str(path)).exit_code == 0
    assert path.read_bytes() == b"".join([
        lines[0].replace(dirty.encode(), clean.encode()),
        lines[1],
        lines[2].replace(dirty.replace("Monday", "Sunday").encode(),
                         clean.replace("Monday", "Sunday").encode()),
    ])


def test_a_record_written_in_ascii_escapes_stays_in_them() -> None:
    raw = b'{"text": "Caf\\u00e9 one. Caf\\u00e9 one.", "id": 1}\n'
    assert replace_value(raw, "text", "Caf\u00e9 one.") == b'{"text": "Caf\\u00e9 one.", "id": 1}\n'
    plain = '{"text": "Caf\u00e9 one.", "id": 1}\n'.encode()
    assert replace_value(plain, "text", "Caf\u00e9.") == '{"text": "Caf\u00e9.", "id": 1}\n'.encode()


@pytest.mark.parametrize(("line", "span"), [
    ('{"text": "a"}', '"a"'),
    ('  { "text" :"a" , "x": {"text": "inner"}}', '"a"'),
    ('{"x": [1, {"text": 2}], "text": "b\\"c"}', '"b\\"c"'),
    ('{"text": "first", "text": "last"}', '"last"'),
    ('{"other": 1}', None),
    ('[1, 2]', None),
])
def test_value_span_finds_the_top_level_value(line: str, span: str | None) -> None:
    found = value_span(line, "text")
    assert (line[found[0]:found[1]] if found else None) == span


def test_the_jsonl_rewrite_streams_with_bounded_memory() -> None:
    body = b"".join(record(id=i, text=f"Record {i}. " + "word " * 200) for i in range(40_000))
    assert len(body) > 40_000_000
    lines = body.splitlines(keepends=True)
    expected = hashlib.sha256(b"".join(
        [*lines[:6], record(id=6, text="New seven."), *lines[7:29_999], *lines[30_000:]]))
    del lines
    sink = _Digest()
    tracemalloc.start()
    try:
        rewrite_jsonl(io.BytesIO(body), sink, {7: "New seven.", 30_000: None}, "text")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sink.sha256.hexdigest() == expected.hexdigest()
    assert peak < 1_000_000


class _Digest(io.RawIOBase):
    """A stand-in for a file that keeps only the SHA-256 of what is written to it."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        self.sha256.update(data)  # type: ignore[arg-type]
        return len(data)  # type: ignore[arg-type]


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


@POSIX
def test_a_gzip_bomb_of_zeros_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    _gzip_members(bomb, b"\0" * (64 << 20), 160)  # 10 GiB from about 10 MB
    assert bomb.stat().st_size < 16 << 20
    (tmp_path / "good.txt").write_text(DIRTY, encoding="utf-8")
    for command in (["scan", "-q", "--format", "json"], ["clean", "-q"]):
        code, peak, stderr = peak_memory(*command, "bomb.jsonl.gz", "good.txt", cwd=tmp_path)
        assert code == 2, stderr
        assert peak < LIMIT
        [line] = error_lines(stderr)
        assert line.startswith("dedup: error: bomb.jsonl.gz:")
        assert "Traceback" not in stderr
    assert (tmp_path / "good.txt").read_text(encoding="utf-8") == CLEAN


@POSIX
@pytest.mark.slow
@pytest.mark.parametrize("kind", [
    "tiny records", "articles", "one long line"])
def test_gzip_bombs_stay_within_memory(tmp_path: Path, kind: str) -> None:
    """Scan and clean with the default limit: peak memory under 500 MB, one error line."""
    article = "\n".join([P0, P1, P0, P2, P3] * 2)
    block = {
        "tiny records": b"".join(record(id=i, text=f"Short note {i}.") for i in range(1000)),
        "articles": b"".join(record(id=i, text=f"Story {i}. {article}") for i in range(100)),
        "one long line": b"x" * (32 << 20),
    }[kind]
    bomb = tmp_path / "bomb.jsonl.gz"
    _gzip_members(bomb, block, (8 << 30) // len(block))  # 8 GiB once decompressed
    # Real articles are cleaned at well under 1 MB/s: a quarter of the default limit
    # keeps this test to minutes (memory grows with the articles read, not with the bomb).
    limit = ["--max-input-size", "32M"] if kind == "articles" else []
    peaks = []
    for command in (["scan", "--format", "json"], ["clean", "-q", "--check"], ["clean", "-q"]):
        code, peak, stderr = peak_memory(*command, *limit, "bomb.jsonl.gz", cwd=tmp_path)
        assert code == 2, stderr
        assert "--max-input-size" in stderr or "longer than" in stderr
        assert "Traceback" not in stderr
        peaks.append(peak)
    print(f"{kind}: peak MB {[round(p / 2**20) for p in peaks]}")
    assert max(peaks) < LIMIT


def test_a_record_limit_stops_reading_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(record(id=i, text=f"Note {i} about the harbour.")
                                            for i in range(50))))
    before = path.read_bytes()
    (tmp_path / "good.txt").write_text(DIRTY, encoding="utf-8")
    result = run("--max-input-size", "40K", str(path), str(tmp_path / "good.txt"))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line.startswith(f"dedup: error: {path}: more than 40K of records")
    assert path.read_bytes() == before
    assert (tmp_path / "good.txt").read_text(encoding="utf-8") == CLEAN


def test_a_plain_jsonl_corpus_is_bounded_by_its_size_only(tmp_path: Path) -> None:
    # 100 records count as 200K, over a 40K limit: a plain file is read whole all the same.
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"".join(record(id=i, text=f"Note {i} about the harbour today.")
                              for i in range(100)))
    result = CliRunner().invoke(main, ["scan", "-q", "--format", "json", "--max-input-size",
                                       "40K", str(path)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["articles"]) == 100


def test_the_limit_and_the_encoding_come_from_the_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text('[tool.dedup]\nmax-input-size = "1K"\nencoding = "latin-1"\n',
                                      encoding="utf-8")
    Path("big.txt").write_text(DIRTY * 20, encoding="utf-8")
    Path("old.txt").write_bytes((LATIN + DIRTY).encode("latin-1"))
    result = run("--scope", "within", "big.txt", "old.txt")
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "dedup: error: big.txt: more than 1K (the --max-input-size limit); not read"]
    assert Path("old.txt").read_bytes() == (LATIN + CLEAN).encode("latin-1")
    flag = run("--max-input-size", "1M", "big.txt")  # the flag wins
    assert flag.exit_code in (0, 1) and error_lines(flag.stderr) == []


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
def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text(DIRTY, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert run(str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == CLEAN


@POSIX
def test_a_hard_linked_file_is_left_alone_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(DIRTY, encoding="utf-8")
    os.link(path, tmp_path / "b.txt")
    result = run(str(path))
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        f"dedup: error: {path}: has 2 hard links and replacing it would split them; left as it is"]
    assert path.read_text(encoding="utf-8") == DIRTY
    assert path.stat().st_ino == (tmp_path / "b.txt").stat().st_ino


@POSIX
def test_a_read_only_file_is_left_alone_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(DIRTY, encoding="utf-8")
    path.chmod(0o444)
    (tmp_path / "b.txt").write_text(DIRTY, encoding="utf-8")
    result = run(str(path), str(tmp_path / "b.txt"))
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        f"dedup: error: {path}: read-only file; left as it is (make it writable to clean it)"]
    assert path.read_text(encoding="utf-8") == DIRTY
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == CLEAN


@POSIX
def test_mode_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(DIRTY, encoding="utf-8")
    path.chmod(0o640)
    owner = (12345, 23456) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(path, *owner)
    assert run(str(path)).exit_code == 0
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
    assert run(str(tmp_path / "a.txt")).exit_code == 0
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
    assert run("--scope", "within", str(folder)).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{k}.txt" for k in range(4)] + ["wire.jsonl", "wire.jsonl.gz"])
    assert (folder / "3.txt").read_text(encoding="utf-8") == CLEAN.replace("Monday", "day 3")


# --- 10. file names that are not UTF-8 -------------------------------------------------------------


@POSIX
def test_names_that_are_not_utf8_are_kept_and_printed_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    odd = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(odd, "wb") as handle:
        handle.write(DIRTY.encode())
    (folder / "good.txt").write_text(EDITED, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8:strict"}
    index = tmp_path / "i.sqlite"
    shown = f"{folder}/caf\\xe9.txt"
    add = subprocess.run([sys.executable, "-m", "dedup", "index", "add", "-q", "--index",
                          str(index), str(folder)], capture_output=True, text=True, env=env)
    assert add.returncode == 0, add.stderr
    stats = subprocess.run([sys.executable, "-m", "dedup", "index", "stats", "--format", "json",
                            "--index", str(index)], capture_output=True, text=True, env=env)
    assert json.loads(stats.stdout)["articles"] == 2
    found = subprocess.run([sys.executable, "-m", "dedup", "scan", "--format", "json", str(folder)],
                           capture_output=True, text=True, env=env)
    assert found.returncode in (0, 1), found.stderr
    assert shown in [a["id"] for a in json.loads(found.stdout)["articles"]]
    diff = subprocess.run([sys.executable, "-m", "dedup", "clean", "--diff", str(folder)],
                          capture_output=True, text=True, env=env)
    assert diff.returncode == 1 and f"--- a/{shown}" in diff.stdout
    cleaned = subprocess.run([sys.executable, "-m", "dedup", "clean", "-q", str(folder)],
                             capture_output=True, text=True, env=env)
    assert cleaned.returncode == 0, cleaned.stderr
    with open(odd, "rb") as handle:
        assert handle.read() == CLEAN.encode()


# --- 13. and 14. damaged inputs, clear errors --------------------------------------------------------


def test_a_truncated_gzip_is_one_line_and_the_others_are_cleaned(tmp_path: Path) -> None:
    lines = b"".join(record(id=f"r{i}", text=f"Record {i} " + "x" * 2000 + "\n" + DIRTY)
                     for i in range(100))
    packed = gzip.compress(lines)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    (tmp_path / "good.txt").write_text(DIRTY, encoding="utf-8")
    for args in (["--check"], []):
        result = run(*args, str(cut), str(tmp_path / "good.txt"))
        assert result.exit_code == 2
        assert error_lines(result.stderr) == [f"dedup: error: {cut}: corrupt gzip file (truncated)"]
        assert "Aborted" not in result.stderr and "internal error" not in result.stderr
    assert cut.read_bytes() == packed[: len(packed) // 2]
    assert (tmp_path / "good.txt").read_text(encoding="utf-8") == CLEAN


@pytest.mark.parametrize("index", ["missing/deeper/i.sqlite", "notindex.sqlite", "empty.sqlite",
                                   "redis://127.0.0.1:1/0"])
def test_clean_index_errors_are_dedup_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             index: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notindex.sqlite").write_text("not a database", encoding="utf-8")
    (tmp_path / "empty.sqlite").write_bytes(b"")
    (tmp_path / "a.txt").write_text(DIRTY, encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", "-q", "--index", index, "a.txt"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dedup: error: {index}")
    assert "Usage:" not in result.output and "Traceback" not in result.output
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == DIRTY


@pytest.mark.parametrize(("encoding", "family"), [("utf-32", "UTF-32"), ("utf-32-be", "UTF-32"),
                                                  ("utf-16", "UTF-16"), ("utf-16-be", "UTF-16")])
def test_utf16_and_utf32_are_named_as_they_are(encoding: str, family: str) -> None:
    data = ("\ufeff" if encoding.endswith("-be") else "") + "An article."
    error = reader.decode_article("a.txt", data.encode(encoding))
    assert isinstance(error, InputError)
    assert error.message.startswith(f"{family} text;")
    assert f"--encoding {family.lower()}" in error.message


def test_nul_is_refused_escaped_or_raw(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_bytes(b'{"id": "e", "text": "one\\u0000two"}\n{"id": "ok", "text": "Fine."}\n')
    items = list(read_path(str(path)))
    assert [a.id for a in items if isinstance(a, Article)] == ["ok"]
    [error] = [e for e in items if isinstance(e, InputError)]
    assert error.input == f"{path}:1" and "NUL" in error.message
    raw = tmp_path / "n.txt"
    raw.write_bytes(b"one\x00two")
    [error] = list(read_path(str(raw)))
    assert isinstance(error, InputError) and "NUL" in error.message


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


@pytest.mark.parametrize("option", ["latin-1", "cp1252", "auto"])
def test_a_latin1_file_is_cleaned_and_written_back_in_latin1(tmp_path: Path, option: str) -> None:
    path = tmp_path / "old.txt"
    dirty = LATIN + DIRTY + LATIN.splitlines()[1] + "\n"
    path.write_bytes(dirty.encode("latin-1"))
    result = run("--encoding", option, "--scope", "within", str(path))
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == (LATIN + CLEAN).encode("latin-1")


def test_utf16_with_a_bom_is_written_back_as_utf16(tmp_path: Path) -> None:
    for encoding, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(bom + DIRTY.replace("\n", "\r\n").encode(encoding))
        result = run("--encoding", "utf-16", str(path))
        assert result.exit_code == 0, result.stderr
        assert path.read_bytes() == bom + CLEAN.replace("\n", "\r\n").encode(encoding)


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


# --- every bad input: one line, no traceback -------------------------------------------------------


BAD_INPUTS: list[tuple[str, bytes]] = [
    ("empty.txt", b""),
    ("blank.txt", b" \n\t\n"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ("latin.txt", LATIN.encode("latin-1")),
    ("utf16.txt", "Text.".encode("utf-16")),
    ("utf32.txt", "Text.".encode("utf-32")),
    ("nul.jsonl", b'{"text": "a\\u0000b"}\n'),
    ("array.jsonl", b"[1, 2]\n"),
    ("deep.jsonl", b"[" * 100_000 + b"\n"),
    ("notgz.jsonl.gz", b"plain text, not gzip"),
    ("cut.jsonl.gz", gzip.compress(record(text="x " * 5000))[:60]),
    ("garbage-after.jsonl.gz", gzip.compress(record(text=DIRTY)) + b"\x00garbage"),
    ("surrogate.jsonl", b'{"text": "\\ud800"}\n'),
    ("number.jsonl", b'{"text": 1e400}\n'),
]


@pytest.mark.parametrize(("name", "data"), BAD_INPUTS, ids=[n for n, _ in BAD_INPUTS])
@pytest.mark.parametrize("command", ["scan", "clean", "index"])
def test_every_bad_input_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     name: str, data: bytes, command: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(data)
    Path("good.txt").write_text(DIRTY, encoding="utf-8")
    args = {"scan": ["scan", "-q", "--format", "json"], "clean": ["clean", "-q"],
            "index": ["index", "add", "-q", "--index", "i.sqlite"]}[command]
    result = CliRunner().invoke(main, [*args, name, "good.txt"])
    assert result.exit_code == 2, result.output
    lines = error_lines(result.stderr)
    assert lines and all(line.startswith(f"dedup: error: {name}") for line in lines)
    assert result.stderr.count("\n") == len(lines)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert Path(name).read_bytes() == data


# --- 5,000 fuzzed inputs to the readers ----------------------------------------------------------------


SEEDS = [
    record(id="a", text=DIRTY, date="2024-01-01"),
    b'\xef\xbb\xbf  {"id": 1, "text": "Caf\\u00e9 \\"quoted\\"", "n": 1.10, "text": "last"}\r\n',
    b'{"id": "x", "text": "one\\ntwo", "nested": {"text": [1, {"a": null}]}}\n\n',
    DIRTY.encode(),
    "\ufeffCaf\u00e9 \u201cquoted\u201d\r\nsecond line\r\n".encode(),
    LATIN.encode("latin-1"),
]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        if op == 0 and out:
            out[at % len(out)] = rng.randrange(256)
        elif op == 1:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del out[at:at + rng.randint(1, 16)]
        elif op == 3:
            out[at:at] = rng.choice([b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\\u0000", b"\\ud800",
                                     b"\r", b"\n", b'"', b"{", b"}", b"1e400", b"\xc3", b"[" * 50])
        elif op == 4:
            out = out[:at]
        elif op == 5:
            out += rng.choice(SEEDS)
        else:
            out[at:at] = out[:rng.randint(0, 64)]
    return bytes(out)


def test_fuzzed_inputs(tmp_path: Path) -> None:
    """5,000 mutated inputs through every reader: each gives articles or one-line
    errors, never an exception, and the text of every record read can be replaced in
    its line's bytes."""
    rng = random.Random(5000)
    kinds = ["a.txt", "a.jsonl", "a.jsonl.gz", "-", "auto.txt"]
    counts = {"articles": 0, "errors": 0}
    for trial in range(5000):
        data = _mutate(rng, rng.choice(SEEDS))
        kind = kinds[trial % len(kinds)]
        options = ReadOptions(encoding="auto" if kind == "auto.txt" else "utf-8",
                              max_input_size=rng.choice([64, 1 << 20]))
        if kind == "-":
            items = list(read_stdin(io.BytesIO(data), options))
        else:
            path = tmp_path / f"{trial}-{kind}"  # a new file: truncating one is slower
            packed = gzip.compress(data, mtime=0) if kind.endswith(".gz") else data
            if kind.endswith(".gz") and trial % 3 == 0:
                packed = _mutate(rng, packed)
            path.write_bytes(packed)
            sources: dict[str, reader.Source] = {}
            items = list(iter_inputs([str(path)], options, sources=sources))
            complete = str(path) in sources and sources[str(path)].complete
            path.unlink()
        for item in items:
            if isinstance(item, InputError):
                counts["errors"] += 1
                assert "\n" not in str(item) and item.message
                continue
            assert isinstance(item, Article) and item.text.strip()
            counts["articles"] += 1
            if item.line is not None and kind != "-" and complete:
                lines = gzip.decompress(packed) if kind.endswith(".gz") else packed
                raw = io.BytesIO(lines).readlines()  # lines end at \n only, as the reader's
                out = io.BytesIO()
                rewrite_jsonl(io.BytesIO(lines), out, {item.line: "New text."}, "text")
                changed = [x for x in io.BytesIO(out.getvalue()).readlines() if x not in raw]
                assert len(changed) <= 1
                if changed:
                    assert json.loads(changed[0].decode("utf-8-sig"))["text"] == "New text."
    assert counts["articles"] > 500 and counts["errors"] > 1000
