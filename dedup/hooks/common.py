"""What both pre-commit hooks share: their settings, errors and message format.

Messages are ``path:LINE:COLUMN: CODE problem: "passage"``, one per line on stdout:
the line and column (from 1) where the repeated text starts, as editors and CI read
them (a JSON lines record: its line, column 1), and the code of the rule.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import load_config
from ..errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND, ConfigError, DedupError

if TYPE_CHECKING:  # pragma: no cover
    from ..io.reader import ReadOptions
    from ..options import CleanOptions
    from ..settings import Settings

EXIT_OK = EXIT_CLEAN
__all__ = ["EXIT_ERROR", "EXIT_FOUND", "EXIT_OK", "HookConfig", "HookError", "clip", "hook_config",
           "message", "normpath", "selected"]
PASSAGE = 72
SETTING_KEYS = ("shingle", "ngram", "num_perm", "seed", "threshold", "containment", "min_words",
                "max_bucket", "language")


class HookError(DedupError):
    """Settings, an index or git that the hook cannot use; the message says where."""


# -- pure parts ----------------------------------------------------------------------


def clip(text: str, width: int = PASSAGE) -> str:
    """One line of at most ``width`` characters, quoted: the passage a message names.

    Example:
        >>> clip("The mayor   said\\nmore than twelve thousand", 20)
        '"The mayor said mor…"'
    """
    flat = " ".join(text.split())
    if len(flat) > width:
        flat = flat[: width - 1] + "…"
    return f'"{flat}"'


def message(place: str, problem: str, passage: str) -> str:
    """One finding on one line: ``path:LINE:COLUMN: CODE problem: "passage"``.

    Example:
        >>> message("a.txt:5:1", "DUP102 paragraph repeats line 1 (contained, J 0.53, C 1.00)",
        ...         "After heavy rain")
        'a.txt:5:1: DUP102 paragraph repeats line 1 (contained, J 0.53, C 1.00): "After heavy rain"'
    """
    return f"{place}: {problem}: {clip(passage)}"


def normpath(path: str) -> str:
    """A path compared as git and pre-commit name it: relative, ``/``-separated."""
    if os.path.isabs(path):
        path = os.path.relpath(path)
    return os.path.normpath(path).replace(os.sep, "/")


def selected(path: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Whether a path is an article under the include/exclude globs (name or path)."""
    name = path.rsplit("/", 1)[-1]

    def hit(patterns: Iterable[str]) -> bool:
        return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)

    return hit(include) and not hit(exclude)


# -- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class HookConfig:
    """The corpus repository's settings as the hooks use them."""

    settings: Settings
    options: ReadOptions
    index: str | None
    clean: CleanOptions


def hook_config(index: str | None = None, config_file: str | None = None) -> HookConfig:
    """Settings from the nearest ``pyproject.toml`` / ``setup.cfg`` (or ``config_file``);
    ``index`` wins over the configured one."""
    from ..io.reader import DEFAULT_INCLUDE, DEFAULT_MAX_INPUT_SIZE, ReadOptions
    from ..options import CleanOptions
    from ..settings import Settings

    try:
        config = load_config(file=config_file)
    except ConfigError as exc:
        raise HookError(str(exc)) from None
    try:
        settings = Settings().with_(**{k: config.get(k) for k in SETTING_KEYS})
    except ValueError as exc:
        raise HookError(f"{config.get('_file', 'settings')}: {exc}") from None
    options = ReadOptions(
        include=tuple(config.get("include") or DEFAULT_INCLUDE),
        exclude=tuple(config.get("exclude") or ()),
        text_field=config.get("text_field", "text"),
        id_field=config.get("id_field", "id"),
        date_field=config.get("date_field", "date"),
        encoding=config.get("encoding", "utf-8"),
        max_input_size=config.get("max_input_size", DEFAULT_MAX_INPUT_SIZE),
    )
    try:
        clean = CleanOptions().with_(keep=config.get("keep"), fix_joins=config.get("fix_joins"))
    except DedupError as exc:
        raise HookError(f"{config.get('_file', 'settings')}: {exc}") from None
    return HookConfig(settings, options, index or config.get("index"), clean)


