"""The corpus index of ``dedup-check``: found, or built from the tracked files on first use.

The index is a file each clone keeps for itself (``.dedup/`` is ignored by git, see
docs/pre-commit.md). A teammate who has none gets one built from the repository's
tracked files (``git ls-files``) the first time the hook has files to check, with a
message; a build that cannot be made (no git, a read-only folder) or a shared Redis
index that does not exist yet never blocks the commit: the check goes on without
the corpus, and says so once per repository, not at every commit.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .common import HookConfig, selected
from .git import git_dir, toplevel, tracked_files

if TYPE_CHECKING:  # pragma: no cover
    from ..document import Article

DEFAULT_INDEX = os.path.join(".dedup", "index.sqlite")
# What git should do with the folder the hook creates: ignore everything in it.
GITIGNORE = "# Created by dedup-check: the corpus index is built by each clone.\n*\n"


def say(text: str) -> None:
    print(f"dedup-check: {text}", file=sys.stderr)


def say_once(text: str) -> None:
    """Print a hint unless this repository has already shown it (kept in the git dir)."""
    folder = git_dir()
    if folder is None:
        say(text)
        return
    marker = os.path.join(folder, "dedup", "hint-" + hashlib.sha1(text.encode()).hexdigest()[:12])
    if os.path.exists(marker):
        return
    say(text)
    try:
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError:
        pass


def default_location() -> str | None:
    """``.dedup/index.sqlite`` at the repository's root (relative to here), or ``None``
    outside git."""
    top = toplevel()
    if top is None:
        return None
    return os.path.relpath(os.path.join(top, DEFAULT_INDEX))


def is_file_index(location: str) -> bool:
    return "://" not in location


def ensure_index(config: HookConfig, *, skip: Sequence[str] = ()) -> HookConfig:
    """The configuration with an index that exists, or with none.

    Without an ``index`` setting the repository's ``.dedup/index.sqlite`` is used. A
    missing SQLite index is built from the tracked articles, less ``skip`` (the files
    the commit changes: they are compared as staged files, and the index holds the
    corpus as committed). A missing Redis index is left to ``dedup index add``.
    """
    location = config.index or default_location()
    if location is None:
        return replace(config, index=None)
    if not is_file_index(location):
        return replace(config, index=location) if _redis_exists(config, location) else \
            _without(config, f"no corpus index at {location} yet: the check compares the staged "
                             "articles with each other only (build it once with "
                             f"`dedup index add --index {location} <corpus folder>`)")
    if os.path.exists(location):
        return replace(config, index=location)
    tracked = tracked_files()
    if tracked is None:
        return replace(config, index=None)
    skipped = set(skip)
    articles = [p for p in tracked if p not in skipped and os.path.isfile(p)
                and selected(p, config.options.include, config.options.exclude)]
    if not articles:
        return replace(config, index=None)  # nothing committed to compare with yet
    from ..index import IndexStoreError

    try:
        _build(location, config, articles)
    except (OSError, IndexStoreError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _without(config, f"cannot build the corpus index {location} ({reason}): the "
                                "check compares the staged articles with each other only")
    return replace(config, index=location)


def _without(config: HookConfig, hint: str) -> HookConfig:
    say_once(hint)
    return replace(config, index=None)


def _redis_exists(config: HookConfig, location: str) -> bool:
    from ..index import MissingIndexError
    from ..index.link import open_index

    try:
        open_index(location, config.settings, create=False).close()
    except MissingIndexError:
        return False
    return True  # other errors are raised when the check opens it


def _build(location: str, config: HookConfig, articles: list[str]) -> None:
    """Index ``articles`` into a new file, renamed into place when complete: an
    interrupted build leaves no half index behind to be trusted later."""
    from ..errors import InputError
    from ..index.link import open_index
    from ..io.reader import iter_inputs

    folder = os.path.dirname(location) or "."
    if not os.path.isdir(folder):
        os.makedirs(folder)
        if os.path.basename(os.path.normpath(folder)) == ".dedup":
            with open(os.path.join(folder, ".gitignore"), "w", encoding="utf-8") as handle:
                handle.write(GITIGNORE)
    say(f"no corpus index at {location}: building it from {len(articles):,} tracked "
        f"file{'' if len(articles) == 1 else 's'} (once; `dedup index add` keeps it current)")
    started = time.perf_counter()
    partial = f"{location}.building-{os.getpid()}"
    unread: list[InputError] = []

    def readable() -> Iterator[Article]:
        for item in iter_inputs(articles, config.options):
            if isinstance(item, InputError):
                unread.append(item)  # the check reports a bad file when it is committed
            else:
                yield item

    try:
        with open_index(partial, config.settings, create=True) as index, index.transaction():
            stored = index.add_articles(readable())
            count = len(index)
        os.replace(partial, location)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(partial + suffix):
                os.remove(partial + suffix)
    skipped = f"; {len(unread)} unreadable skipped" if unread else ""
    say(f"indexed {count:,} articles ({stored:,} entries) in {time.perf_counter() - started:.1f} s"
        f"{skipped}")
