"""Dependency edges A -> B with evidence: which output field of A feeds which parameter of B.

``infer_edges`` scores candidate pairs (see ``candidates``) with schema and text evidence, then
optionally an LLM judge and execution, keeps the pairs above ``EdgeConfig.min_score`` (best few
sources per parameter), and adds prerequisite edges. Every edge carries its evidence list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..signature import FunctionSignature
from ..store import FeedsEdge
from .candidates import candidate_pairs
from .ports import Port, inputs, outputs
from .prerequisites import prerequisite_pairs
from .schema_evidence import name_fit, type_fit
from .text_similarity import TextSimilarity

__all__ = ["EdgeConfig", "Candidate", "infer_edges", "score_candidates"]


@dataclass(frozen=True)
class EdgeConfig:
    """Knobs of edge inference; defaults tuned on tests/fixtures/bfcl_edge_labels.jsonl."""

    min_score: float = 0.4
    name_weight: float = 0.65
    text_weight: float = 0.35
    cross_toolkit_factor: float = 0.9
    max_sources_per_param: int = 20
    prerequisite_score: float = 0.6
    judge_floor: float = 0.7  # a judge "yes" lifts a candidate to at least this
    judge_penalty: float = 0.5  # a judge "no" multiplies the score by this
    verified_floor: float = 0.95  # an execution-verified edge scores at least this
    refuted_factor: float = 1.0  # B failed with A's value: recorded, not penalised (B may fail on other args)


@dataclass
class Candidate:
    out: Port
    param: Port
    kind: str
    score: float
    same_toolkit: bool
    evidence: list[dict] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.out.function, self.param.function, self.out.name, self.param.name)

    def to_edge(self) -> FeedsEdge:
        return FeedsEdge(
            self.out.function,
            self.param.function,
            self.out.name,
            self.param.name,
            self.kind,
            round(self.score, 4),
            tuple(self.evidence),
        )


def score_candidates(signatures: list[FunctionSignature], config: EdgeConfig = EdgeConfig()) -> list[Candidate]:
    """Schema and text evidence for every candidate pair (no threshold applied)."""
    documents = [(p.name, p.description) for s in signatures for p in outputs(s) + inputs(s)]
    text = TextSimilarity(documents)
    scored = []
    for out, param, same in candidate_pairs(signatures):
        t_score, kind = type_fit(out, param)
        n_score, why = name_fit(out, param)
        sim = text.similarity((out.name, out.description), (param.name, param.description))
        score = t_score * (config.name_weight * n_score + config.text_weight * sim)
        if not same:
            score *= config.cross_toolkit_factor
        evidence = [
            {
                "kind": "schema",
                "score": round(t_score * n_score, 4),
                "types": f"{_type(out)} -> {_type(param)}",
                "detail": why or "types fit, names do not",
            },
            {"kind": "text", "score": round(sim, 4), "model": "tfidf-word-char4"},
        ]
        scored.append(Candidate(out, param, kind, score, same, evidence))
    return scored


def infer_edges(
    signatures: list[FunctionSignature],
    config: EdgeConfig = EdgeConfig(),
    *,
    judge: Callable[[list[Candidate], list[FunctionSignature]], None] | None = None,
    verify: Any = None,
) -> list[FeedsEdge]:
    """Infer FEEDS edges. ``judge`` and ``verify`` (an ExecutionVerifier) add evidence and adjust scores."""
    candidates = score_candidates(signatures, config)
    if judge is not None:
        judge(candidates, signatures)
    if verify is not None:
        verify(candidates, signatures)
    by_param: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.score >= config.min_score:
            by_param[(c.param.function, c.param.name)].append(c)
    edges = []
    for group in by_param.values():
        group.sort(key=lambda c: (-c.score, c.out.function, c.out.name))
        edges.extend(c.to_edge() for c in group[: config.max_sources_per_param])
    edges.extend(_prerequisites(signatures, config, {(e.source, e.target) for e in edges}, verify))
    return sorted(edges, key=lambda e: (e.source, e.target, e.source_field, e.target_param))


def _prerequisites(signatures, config, linked, verify) -> list[FeedsEdge]:
    """Rule-proposed and execution-found prerequisites."""
    proposals: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for a, b in prerequisite_pairs(signatures):
        proposals[(a.name, b.name)].append(
            {"kind": "rule", "score": config.prerequisite_score, "detail": f"{a.name} opens a session in {a.toolkit}"}
        )
    executed = verify.prerequisites(signatures) if verify is not None else None
    for pair, evidence in (executed or {}).items():
        proposals[pair].append(evidence)
    edges = []
    for (a, b), evidence in sorted(proposals.items()):
        if (a, b) in linked:
            continue
        # Execution can confirm a prerequisite, never refute one: a default state may already
        # satisfy it (BFCL's start logged in), so "B worked without A" proves nothing.
        score = config.verified_floor if any(e["kind"] == "execution" for e in evidence) else config.prerequisite_score
        if score >= config.min_score:
            edges.append(FeedsEdge(a, b, "", "", "prerequisite", round(score, 4), tuple(evidence)))
    return edges


def _type(port: Port) -> str:
    return f"array<{port.item_type}>" if port.type == "array" and port.item_type else port.type
