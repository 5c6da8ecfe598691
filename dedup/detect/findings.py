"""Findings: verified duplicates, in the shape of the versioned JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["paragraph", "sentence", "span", "article"]
ScopeName = Literal["within", "across"]
# duplicate: Jaccard at or above the threshold; contained: the smaller inside the larger;
# covered: inside the union of several kept paragraphs; run: a short line of a pasted
# block; doubled / pasted: text repeated inside a line; short / template / kept:
# legitimate repeats that are reported but never removed (``rule`` names what kept them).
Reason = Literal["duplicate", "contained", "covered", "run", "doubled", "pasted", "short",
                 "template", "kept", "shared"]
INFORMATIONAL: frozenset[str] = frozenset({"short", "template", "kept"})


@dataclass(frozen=True, slots=True)
class Ref:
    article: str
    paragraph: int | None = None
    sentence: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"article": self.article}
        if self.paragraph is not None:
            out["paragraph"] = self.paragraph
        if self.sentence is not None:
            out["sentence"] = self.sentence
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """``a`` is the earlier occurrence, ``b`` the later; ``remove`` says which side is
    redundant under ``--keep first`` (``None`` when neither is removed)."""

    kind: Kind
    scope: ScopeName
    a: Ref
    b: Ref
    jaccard: float
    containment: float
    reason: Reason = "duplicate"
    remove: Literal["a", "b"] | None = "b"
    covered_by: tuple[Ref, ...] = field(default=())
    # The code of the registered rule behind it (``DUP101``, ``KEEP103``; see dedup.rules).
    rule: str = ""
    # Within an article: the offsets, in its text, of the copy removed (or kept on purpose).
    start: int | None = None
    end: int | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.reason not in INFORMATIONAL

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "scope": self.scope,
            "a": self.a.to_json(), "b": self.b.to_json(),
            "jaccard": round(self.jaccard, 4), "containment": round(self.containment, 4),
            "reason": self.reason, "remove": self.remove, "rule": self.rule,
        }
        if self.covered_by:
            out["covered_by"] = [r.to_json() for r in self.covered_by]
        if self.start is not None and self.end is not None:
            out["start"], out["end"] = self.start, self.end
        return out
