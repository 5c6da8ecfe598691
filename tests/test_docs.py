"""The README and the pages in docs/ say what the code does: their examples are run.

Every fenced block tagged ``sh``, ``bash``, ``shell`` or ``console`` is run with bash,
and every ``python``/``pycon`` block with ``exec`` (``>>>`` blocks with doctest).
Blocks in other languages (``yaml``, ``toml``, ``ini``, ``json``, ``text``) are not run.

The blocks of one page run in order in one folder, which holds a copy of the
repository's ``fixtures/`` and is a fresh git repository (so no settings are read
from outside it); ``../shared`` beside it is the shared evaluation data when that
exists. ``dedup`` and the hook commands run this tree's code with the current Python.
Python blocks of a page share one namespace.

A shell block runs under ``set -e -o pipefail`` and must exit 0, unless an HTML
comment just before it says otherwise. Comments (one or more, directly above the block):

- ``<!-- exit: 1 -->``: the block's expected exit code (that of its last command);
- ``<!-- requires: redis -->`` (or ``spark``, ``shared``): skipped only when that is
  absent; ``redis://localhost:6379`` in the block is a server the test starts;
- ``<!-- norun: installs -->``: not run; the reason must be one of ``NORUN_REASONS``.

A ``console`` block is a session: ``$ `` starts a command, ``> `` continues it, and
the other lines are the expected stdout of the commands together.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHARED = ROOT.parent / "shared"
SHELL = {"sh", "bash", "shell", "console"}
PYTHON = {"python", "py", "pycon"}
NORUN_REASONS = {
    "installs": "installs packages (network, a new environment)",
    "cluster": "needs a Spark cluster or cloud storage",
    "benchmark": "a benchmark: minutes to hours, not a test",
}
REQUIREMENTS = {"redis", "spark", "shared"}
README_LIMIT = 12 * 1024
BLOCK_TIMEOUT = 300

_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--\s*(exit|requires|norun):\s*(.*?)\s*-->")
# The comment lines directly above a fence (a blank line between them is allowed).
_DIRECTIVES = re.compile(r"(?:^[ \t]*<!--[^\n]*?-->[ \t]*\n)+\n?\Z", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    exit: int = 0
    requires: frozenset[str] = frozenset()
    norun: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.norun is None and self.lang in SHELL | PYTHON


def parse(page: Path) -> list[Block]:
    """The fenced code blocks of a page, with the directives in the comments above them."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        options: dict[str, Any] = {}
        above = _DIRECTIVES.search(text[:match.start()])
        for key, value in _COMMENT.findall(above.group() if above else ""):
            if key == "exit":
                options["exit"] = int(value)
            elif key == "requires":
                options["requires"] = frozenset(v.strip() for v in value.split(",") if v.strip())
            else:
                options["norun"] = value
        indent = len(match.group("indent"))
        body = "".join(line[indent:] for line in match.group("body").splitlines(keepends=True))
        blocks.append(Block(page, text.count("\n", 0, match.start()) + 1,
                            match.group("lang").lower(), body, **options))
    return blocks


BLOCKS = [block for page in PAGES for block in parse(page)]
RUNNABLE = [block for block in BLOCKS if block.runs]


# -- what the examples need --------------------------------------------------------------

def _missing(requirement: str) -> str | None:
    if requirement == "shared":
        return None if (SHARED / "data").is_dir() else f"shared data not available: {SHARED}"
    if requirement == "redis":
        if shutil.which("redis-server") is None:
            return "redis-server is not installed"
        return None if importlib.util.find_spec("redis") else "the redis package is not installed"
    if requirement == "spark":
        if importlib.util.find_spec("pyspark") is None:
            return "pyspark is not installed"
        return None if shutil.which("java") or os.environ.get("JAVA_HOME") else "Spark needs Java"
    raise AssertionError(f"unknown requirement {requirement!r}")


@pytest.fixture(scope="session")
def bin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's commands ([project.scripts]) as scripts run by this Python, so the
    examples use this tree's code whatever is installed."""
    folder = tmp_path_factory.mktemp("bin")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for name, target in scripts.items():
        module, _, attr = target.partition(":")
        path = folder / name
        path.write_text(f"#!{sys.executable}\nimport sys\nfrom {module} import {attr}\n"
                        f"sys.exit({attr}())\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


@dataclass
class Session:
    """One page's folder, its Python namespace, and how far its blocks have run."""

    folder: Path
    env: dict[str, str]
    namespace: dict[str, Any] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)


_SESSIONS: dict[Path, Session] = {}


def _session(page: Path, base: Path, bin_dir: Path) -> Session:
    if page not in _SESSIONS:
        folder = base / "work"
        folder.mkdir(parents=True)
        shutil.copytree(ROOT / "fixtures", folder / "fixtures")
        if SHARED.is_dir():
            (base / "shared").symlink_to(SHARED, target_is_directory=True)
        env = dict(os.environ)
        env.update({
            "PATH": os.pathsep.join([str(bin_dir), os.path.dirname(sys.executable), env.get("PATH", "")]),
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
            "COLUMNS": "100",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "News Desk", "GIT_AUTHOR_EMAIL": "desk@example.com",
            "GIT_COMMITTER_NAME": "News Desk", "GIT_COMMITTER_EMAIL": "desk@example.com",
        })
        subprocess.run(["git", "init", "-q", str(folder)], check=True, env=env)
        _SESSIONS[page] = Session(folder, env)
    return _SESSIONS[page]


# -- running a block ---------------------------------------------------------------------

def _console_parts(code: str) -> tuple[str, str]:
    """A console session's commands as one script, and the output it shows (``> ``
    lines continue the command above them up to its first output line)."""
    commands: list[str] = []
    output: list[str] = []
    continuing = False
    for line in code.splitlines():
        if line.startswith("$ ") or line == "$":
            commands.append(line[2:])
            continuing = True
        elif continuing and (line.startswith("> ") or line == ">"):
            commands[-1] += "\n" + line[2:]
        else:
            continuing = False
            output.append(line)
    return "\n".join(commands) + "\n", "".join(f"{line}\n" for line in output)


def _run_shell(block: Block, session: Session, redis: str | None) -> None:
    script, expected = _console_parts(block.code) if block.lang == "console" else (block.code, None)
    if redis:
        script = script.replace("redis://localhost:6379", redis)
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=session.folder,
                          env=session.env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    shown = f"{block.where}: exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == block.exit, f"expected exit {block.exit}; {shown}"
    if expected is not None:
        got = "".join(f"{line.rstrip()}\n" for line in done.stdout.splitlines())
        want = "".join(f"{line.rstrip()}\n" for line in expected.splitlines())
        assert got == want, f"output differs from the page; {shown}"


def _run_python(block: Block, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(session.folder)
    monkeypatch.syspath_prepend(str(ROOT))
    if block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(block.code, session.namespace, block.where,
                                                   str(block.page), block.line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        out: list[str] = []
        runner.run(test, out=out.append, clear_globs=False)
        session.namespace.update(test.globs)  # a DocTest works on a copy of its globals
        assert not runner.failures, "".join(out)
    else:
        exec(compile(block.code, f"{block.where} (python block)", "exec"), session.namespace)


def _run(block: Block, session: Session, request: pytest.FixtureRequest,
         monkeypatch: pytest.MonkeyPatch) -> None:
    redis = request.getfixturevalue("redis_url") if "redis" in block.requires else None
    if block.lang in SHELL:
        _run_shell(block, session, redis)
    else:
        _run_python(block, session, monkeypatch)


def _marks(block: Block) -> list[pytest.MarkDecorator]:
    return [getattr(pytest.mark, name) for name in sorted(block.requires & REQUIREMENTS)]


@pytest.mark.parametrize("block", [pytest.param(b, id=b.where, marks=_marks(b)) for b in RUNNABLE])
def test_example(block: Block, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                 tmp_path_factory: pytest.TempPathFactory, bin_dir: Path) -> None:
    for requirement in sorted(block.requires):
        reason = _missing(requirement)
        if reason:
            pytest.skip(reason)
    page_blocks = [b for b in RUNNABLE if b.page == block.page]
    if block.page not in _SESSIONS:
        _session(block.page, tmp_path_factory.mktemp(block.page.stem), bin_dir)
    session = _SESSIONS[block.page]
    # Blocks build on the ones above them: run those first when they were not selected.
    for earlier in page_blocks[:page_blocks.index(block)]:
        if id(earlier) not in session.done and not any(_missing(r) for r in earlier.requires):
            session.done.add(id(earlier))
            with contextlib.suppress(Exception):  # a failure is reported by its own test
                _run(earlier, session, request, monkeypatch)
    session.done.add(id(block))
    _run(block, session, request, monkeypatch)


# -- the blocks themselves -----------------------------------------------------------------

def test_blocks_are_found() -> None:
    assert {b.page.name for b in RUNNABLE} >= {"README.md", "guide.md", "python-api.md"}
    assert all(b.requires <= REQUIREMENTS for b in BLOCKS), [b.where for b in BLOCKS
                                                             if not b.requires <= REQUIREMENTS]


def test_only_known_reasons_skip_a_block() -> None:
    """``norun`` is for installs, clusters and benchmarks, not for examples that fail."""
    unknown = [f"{b.where}: {b.norun}" for b in BLOCKS if b.norun is not None
               and b.norun not in NORUN_REASONS]
    assert not unknown, f"norun reasons must be one of {sorted(NORUN_REASONS)}: {unknown}"


def test_the_install_block_is_not_run() -> None:
    (install,) = [b for b in parse(ROOT / "README.md") if "python3 -m venv" in b.code]
    assert install.norun == "installs"


def test_readme_stays_short() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size < README_LIMIT, f"README.md is {size:,} bytes; move details to docs/"


def test_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w.-]+\.md)\s*$", config, re.MULTILINE))
    assert listed == {p.name for p in PAGES if p.parent.name == "docs"}


# -- the command line's help -----------------------------------------------------------------

def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")


def test_every_command_has_help() -> None:
    from dedup.cli import main

    commands = list(_commands(main, "dedup"))
    assert len(commands) > 3
    missing = [path for path, command in commands if not (command.help or "").strip()]
    assert not missing, f"commands without help text: {missing}"
