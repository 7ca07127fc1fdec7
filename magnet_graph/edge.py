"""FeedsEdge: a directed dependency A -> B, an output field of A feeding a parameter of B."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

EDGE_KINDS = ("full", "partial", "prerequisite")


@dataclass(frozen=True)
class FeedsEdge:
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
        return {
            "source": self.source,
            "target": self.target,
            "source_field": self.source_field,
            "target_param": self.target_param,
            "kind": self.kind,
            "score": float(self.score),
            "evidence": json.dumps(list(self.evidence), sort_keys=True, ensure_ascii=False),
        }
