"""Precision and recall of inferred edges against a labelled set, overall and per evidence kind.

Labels (JSONL): ``{"source", "source_field", "target", "target_param", "kind", "toolkits"}`` for
every TRUE edge; within a toolkit the labels are exhaustive, so any predicted pair not labelled is
a false positive. A data edge matches on (source, source_field, target, target_param); a
prerequisite on (source, target).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..store import FeedsEdge


def _key(source: str, source_field: str, target: str, target_param: str, kind: str) -> tuple:
    """Labels name top-level fields and parameters: an edge from ``items[].id`` into
    ``relations[].from`` counts as one from ``items`` into ``relations``."""
    return (source, target) if kind == "prerequisite" else (source, _root(source_field), target, _root(target_param))


def _root(path: str) -> str:
    return re.split(r"[.[{]", path, maxsplit=1)[0]


def load_labels(path: Path) -> set[tuple]:
    labels = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            labels.add(_key(r["source"], r["source_field"], r["target"], r["target_param"], r["kind"]))
    return labels


@dataclass(frozen=True)
class Score:
    predicted: int
    correct: int
    labelled: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 0.0

    def as_dict(self) -> dict:
        return {
            "predicted": self.predicted,
            "correct": self.correct,
            "labelled": self.labelled,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
        }


def score_edges(edges: list[FeedsEdge], labels: set[tuple]) -> Score:
    predicted = {_key(e.source, e.source_field, e.target, e.target_param, e.kind) for e in edges}
    return Score(len(predicted), len(predicted & labels), len(labels))


def score_where(edges: list[FeedsEdge], labels: set[tuple], keep: Callable[[str, str], bool]) -> Score:
    """Score only the edges and labels whose (source, target) functions ``keep`` accepts: one
    toolkit, everything but one, pairs across toolkits."""
    target = lambda label: label[-1] if len(label) == 2 else label[2]  # noqa: E731
    return score_edges(
        [e for e in edges if keep(e.source, e.target)], {label for label in labels if keep(label[0], target(label))}
    )


def score_by_evidence(edges: list[FeedsEdge], labels: set[tuple], min_evidence: float = 0.5) -> dict[str, dict]:
    """For each evidence kind: the edges it supports (its own score >= min_evidence), scored alone."""
    kinds = sorted({ev["kind"] for e in edges for ev in e.evidence})
    result = {}
    for kind in kinds:
        supported = [e for e in edges if any(ev["kind"] == kind and ev["score"] >= min_evidence for ev in e.evidence)]
        result[kind] = score_edges(supported, labels).as_dict()
    return result
