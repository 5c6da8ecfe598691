"""Cleaning choices: one frozen value that travels whole from config and flags to the cleaner.

:class:`dedup.settings.Settings` says what counts as a duplicate; :class:`CleanOptions`
says what the cleaner does about it: which copy survives, whether glued sentences are
repaired, and whether articles are compared within, across, or both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .errors import UsageError
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

    def __post_init__(self) -> None:
        if self.keep not in KEEP_POLICIES:
            raise UsageError(f"keep must be one of {', '.join(KEEP_POLICIES)}")
        if self.scope not in SCOPES:
            raise UsageError(f"scope must be one of {', '.join(SCOPES)}")

    @property
    def within(self) -> bool:
        return self.scope in ("within", "all")

    @property
    def across(self) -> bool:
        return self.scope in ("across", "all")

    def with_(self, **changes: Any) -> CleanOptions:
        """A copy with the given fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
