"""The git side of the hooks: which files the commit stages and which it removes."""

from __future__ import annotations

import os
import subprocess

from .common import normpath

# What ``git diff --name-status`` calls a file that will be in the commit (added,
# copied, modified, renamed, type changed) and one that leaves it (deleted).
STAGED_STATUS = frozenset("ACMRT")
GONE_STATUS = frozenset("D")


def parse_name_status(output: str) -> tuple[list[str], list[str]]:
    """``(staged, gone)`` paths from ``git diff --cached --name-status -z`` output.

    A rename or copy lists its old path too: a rename's old path is gone.

    Example:
        >>> parse_name_status("M\\0a.txt\\0R100\\0old.md\\0new.md\\0D\\0x.txt\\0")
        (['a.txt', 'new.md'], ['old.md', 'x.txt'])
    """
    fields = output.split("\0")
    staged: list[str] = []
    gone: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            old, new = fields[i + 1], fields[i + 2]
            staged.append(new)
            if status == "R":
                gone.append(old)
            i += 3
            continue
        path = fields[i + 1]
        if status in STAGED_STATUS:
            staged.append(path)
        elif status in GONE_STATUS:
            gone.append(path)
        i += 2
    return staged, gone


def _git(*args: str, cwd: str | None = None) -> str | None:
    """The output of a git command, or ``None`` outside a repository or without git."""
    try:
        return subprocess.run(["git", "-c", "core.quotepath=off", *args], capture_output=True,
                              text=True, check=True, cwd=cwd).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def toplevel() -> str | None:
    """The working tree's root, or ``None`` outside git."""
    top = _git("rev-parse", "--show-toplevel")
    return top.strip() if top else None


def git_dir() -> str | None:
    """The repository's git directory (absolute), or ``None`` outside git."""
    found = _git("rev-parse", "--absolute-git-dir")
    return found.strip() if found else None


def tracked_files() -> list[str] | None:
    """Every file git tracks (``git ls-files``), relative to the working directory,
    or ``None`` outside git."""
    top = toplevel()
    listed = _git("ls-files", "-z", "--full-name", cwd=top) if top else None
    if top is None or listed is None:
        return None
    here = os.getcwd()
    return [normpath(os.path.relpath(os.path.join(top, p), here)) for p in listed.split("\0") if p]


def staged_files() -> tuple[list[str], list[str]] | None:
    """``(staged, gone)`` paths relative to the working directory, or ``None`` outside git."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        listed = subprocess.run(
            ["git", "-c", "core.quotepath=off", "diff", "--cached", "--name-status", "-z",
             "--no-ext-diff"], capture_output=True, text=True, check=True, cwd=top).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    staged, gone = parse_name_status(listed)
    here = os.getcwd()

    def relative(paths: list[str]) -> list[str]:
        return [normpath(os.path.relpath(os.path.join(top, p), here)) for p in paths]

    return relative(staged), relative(gone)


