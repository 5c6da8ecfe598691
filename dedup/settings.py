"""Detection settings: one frozen value shared by the scanner, cleaner and index."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from .errors import SettingsError

_LANGUAGE = re.compile(r"[a-z]{2,3}")

ShingleKind = Literal["word", "char"]
Scope = Literal["within", "across", "all"]
KeepPolicy = Literal["first", "longest", "newest"]

SCOPES: tuple[str, ...] = ("within", "across", "all")
KEEP_POLICIES: tuple[str, ...] = ("first", "longest", "newest")
SHINGLE_KINDS: tuple[str, ...] = ("word", "char")


@dataclass(frozen=True)
class Settings:
    """Everything that changes what counts as a duplicate.

    The signature fields (``shingle``, ``ngram``, ``num_perm``, ``seed``) define
    the MinHash space: an index refuses to mix signatures made with others.
    """

    shingle: ShingleKind = "word"
    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    # Jaccard at or above which two paragraphs or articles are near-duplicates.
    threshold: float = 0.8
    # Share of the smaller text found in the larger (or in the kept text).
    containment: float = 0.8
    # Paragraphs with fewer words are "short": compared exactly, never removed alone.
    min_words: int = 6
    # LSH buckets larger than this are verified against a sample of members only.
    max_bucket: int = 64
    # The articles' language (ISO 639 code) for sentences and English-only rules;
    # "auto": a record's language field, else identified per article.
    language: str = "auto"

    def __post_init__(self) -> None:
        if self.shingle not in SHINGLE_KINDS:
            raise SettingsError(f"shingle must be one of {', '.join(SHINGLE_KINDS)}")
        if not 1 <= self.ngram <= 32:
            raise SettingsError("ngram must be between 1 and 32")
        if not 16 <= self.num_perm <= 1024:
            raise SettingsError("num_perm must be between 16 and 1024")
        for name in ("threshold", "containment"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise SettingsError(f"{name} must be in (0, 1], got {value}")
        if self.min_words < 1:
            raise SettingsError("min_words must be at least 1")
        if self.max_bucket < 2:
            raise SettingsError("max_bucket must be at least 2")
        language = self.language.strip().lower()
        if language != "auto" and not _LANGUAGE.fullmatch(language):
            raise SettingsError("language must be 'auto' or an ISO 639 code such as 'en' or "
                                f"'de', got {self.language!r}")
        object.__setattr__(self, "language", language)

    def signature_key(self) -> dict[str, Any]:
        """The fields that must match for two signatures to be comparable."""
        return {"shingle": self.shingle, "ngram": self.ngram,
                "num_perm": self.num_perm, "seed": self.seed}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_(self, **changes: Any) -> Settings:
        """A copy with the given fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
