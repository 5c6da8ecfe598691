"""Cleaning choices: one frozen value that travels whole from config and flags to the cleaner.

:class:`dedup.settings.Settings` says what counts as a duplicate; :class:`CleanOptions`
says what the cleaner does about it: which copy survives, whether glued sentences are
repaired, whether articles are compared within, across, or both, and which rules
of :mod:`dedup.rules` are on (``select`` / ``ignore``, and ``per_file_ignores``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import UsageError
from .rules import check_selectors, enabled_rules, english_only
from .settings import KEEP_POLICIES, SCOPES, KeepPolicy, Scope


@dataclass(frozen=True)
class CleanOptions:
    """What ``dedup clean`` (and the ``dedup-clean`` hook) does with what it finds.

    Example:
        >>> CleanOptions(keep="longest").scope
        'all'
        >>> CleanOptions(keep="last")
        Traceback (most recent call last):
        ...
        dedup.errors.UsageError: keep must be one of first, longest, newest
    """

    keep: KeepPolicy = "first"
    fix_joins: bool = True
    scope: Scope = "all"
    # Rule codes or prefixes (``DUP3``, ``KEEP105``, ``ALL``), as ruff takes them.
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # ``(glob, codes)``: rules switched off for articles read from matching paths.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rules: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.keep not in KEEP_POLICIES:
            raise UsageError(f"keep must be one of {', '.join(KEEP_POLICIES)}")
        if self.scope not in SCOPES:
            raise UsageError(f"scope must be one of {', '.join(SCOPES)}")
        object.__setattr__(self, "select", check_selectors(self.select, "select"))
        object.__setattr__(self, "ignore", check_selectors(self.ignore, "ignore"))
        object.__setattr__(self, "per_file_ignores", tuple(
            (glob, check_selectors(codes, f"per-file-ignores {glob!r}"))
            for glob, codes in self.per_file_ignores))
        # fix_joins=False is the same as ignoring FIX101.
        ignore = self.ignore if self.fix_joins else (*self.ignore, "FIX101")
        object.__setattr__(self, "rules", enabled_rules(self.select, ignore))

    def on(self, code: str) -> bool:
        """Whether rule ``code`` is switched on."""
        return code in self.rules

    def for_path(self, path: str) -> CleanOptions:
        """These options for an article read from ``path``: with the ``per_file_ignores``
        whose glob matches it (a glob without ``/`` matches the file name too)."""
        extra: list[str] = []
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        for glob, codes in self.per_file_ignores:
            if fnmatch.fnmatchcase(path, glob) or ("/" not in glob and fnmatch.fnmatchcase(name, glob)):
                extra.extend(codes)
        if not extra:
            return self
        return replace(self, ignore=(*self.ignore, *extra))

    def for_language(self, language: str) -> CleanOptions:
        """These options for an article in ``language`` (ISO 639, ``"und"`` unknown): the
        rules that read English words or dates are off for any other language."""
        if language in ("en", "und"):
            return self
        off = [code for code in english_only() if code in self.rules]
        return replace(self, ignore=(*self.ignore, *off)) if off else self

    @property
    def within(self) -> bool:
        return self.scope in ("within", "all")

    @property
    def across(self) -> bool:
        return self.scope in ("across", "all")

    def with_(self, **changes: Any) -> CleanOptions:
        """A copy with the given fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
