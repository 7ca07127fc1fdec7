"""FeedsEdge: a directed dependency A -> B, an output field of A feeding a parameter of B (or A a prerequisite of B)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

EDGE_KINDS = ("full", "partial", "prerequisite")


@dataclass(frozen=True)
class FeedsEdge:
    """One ``(:Function)-[:FEEDS]->(:Function)`` relationship; ``evidence`` says why it exists, one
    entry per kind of evidence (``{"kind": "schema" | "text" | "execution" | "judge" | "rule", "score", ...}``)."""

    source: str
    target: str
    source_field: str
    target_param: str
    kind: str
    score: float
    evidence: tuple[dict[str, Any], ...] = field(default=())

    def __post_init__(self):
        if self.kind not in EDGE_KINDS:
            raise ValueError(f"edge {self.source}->{self.target}: kind must be one of {EDGE_KINDS}, got {self.kind!r}")

    def to_row(self) -> dict[str, Any]:
        """Primitive properties for the FEEDS relationship (evidence as a JSON string)."""
        return {**self.to_dict(), "evidence": json.dumps(list(self.evidence), sort_keys=True, ensure_ascii=False)}

    def to_dict(self) -> dict[str, Any]:
        """As JSON for people and files (``magnet-graph edges`` prints one per line)."""
        return {
            "source": self.source,
            "target": self.target,
            "source_field": self.source_field,
            "target_param": self.target_param,
            "kind": self.kind,
            "score": float(self.score),
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FeedsEdge:
        """The inverse of ``to_row`` (a row of ``edge/list``)."""
        evidence = tuple(json.loads(row["evidence"])) if row["evidence"] else ()
        return cls(
            row["source"], row["target"], row["source_field"], row["target_param"], row["kind"], row["score"], evidence
        )
