"""Dependency edges A -> B with evidence: which output field of A feeds which parameter of B.

``infer_edges`` scores candidate pairs (see ``candidates``) with schema and text evidence, then
optionally an LLM judge and execution, keeps the pairs above ``EdgeConfig.min_score`` (best few
sources per parameter), and adds prerequisite edges. Every edge carries its evidence list.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..roles import convertible, generic_sink
from ..signature import FunctionSignature
from ..store import FeedsEdge
from .candidates import candidate_pairs, looked_up
from .ports import Port, inputs, outputs, shared_roles
from .prerequisites import prerequisite_pairs
from .sandbox import is_executable
from .schema_evidence import name_fit, type_fit
from .text_similarity import TextSimilarity

__all__ = [
    "EdgeConfig",
    "Candidate",
    "EdgeUpdate",
    "Inference",
    "StoredEdges",
    "infer",
    "infer_changes",
    "infer_edges",
    "score_candidates",
]


SINK_MARK = " (any such value fits)"  # in a schema evidence's roles: the roles alone fit
GENERIC_BELOW = 0.5  # a role-alone fit whose names score under this is capped by max_generic


@dataclass(frozen=True)
class EdgeConfig:
    """Knobs of edge inference; defaults chosen on the four labelled catalogs of bench/edge_quality.py."""

    min_score: float = 0.4
    name_weight: float = 0.65
    text_weight: float = 0.35
    cross_toolkit_factor: float = 0.9
    max_sources_per_param: int = 20
    prerequisite_score: float = 0.6
    judge_floor: float = 0.7  # a judge "yes" lifts a candidate to at least this
    judge_penalty: float = 0.5  # a judge "no" multiplies the score by this
    verified_floor: float = 0.95  # an execution-verified edge scores at least this
    max_generic: int = 5  # cross-toolkit pairs fitting by role alone, per parameter and per source field
    sink_score: float = 0.6  # roles alone: a document's text into a text parameter, a quantity into an operand
    keep_refuted: bool = False  # keep edges execution refuted (marked by their evidence)


@dataclass(slots=True)
class Candidate:
    """A scored (output field, parameter) pair. Its schema and text evidence is kept as numbers
    and built into dicts only for the edges kept (a pool has millions of candidates); a judge or
    execution appends its own evidence to ``extra``."""

    out: Port
    param: Port
    kind: str
    score: float
    same_toolkit: bool
    schema_score: float = 0.0
    text_score: float = 0.0
    sink: bool = False
    detail: str = ""
    extra: list[dict] = field(default_factory=list)
    refuted: bool = False

    @property
    def evidence(self) -> list[dict]:
        return [
            {
                "kind": "schema",
                "score": round(self.schema_score, 4),
                "types": f"{_type(self.out)} -> {_type(self.param)}",
                "roles": f"{self.out.role} -> {self.param.role}" + (SINK_MARK if self.sink else ""),
                "detail": self.detail or "types and roles fit, names do not",
            },
            {"kind": "text", "score": round(self.text_score, 4), "model": "tfidf-word-char4"},
            *self.extra,
        ]

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.out.function, self.param.function, self.out.path, self.param.path)

    def to_edge(self) -> FeedsEdge:
        return FeedsEdge(
            self.out.function,
            self.param.function,
            self.out.path,
            self.param.path,
            self.kind,
            round(self.score, 4),
            tuple(self.evidence),
        )


@dataclass
class Inference:
    """Edges and the work done to find them."""

    edges: list[FeedsEdge]
    candidates: int
    refuted: int  # edges execution refuted (dropped unless keep_refuted)
    functions_with_outputs: int


def score_candidates(
    signatures: list[FunctionSignature],
    config: EdgeConfig = EdgeConfig(),
    shapes: dict[str, dict] | None = None,
    touching: frozenset[str] | None = None,
) -> list[Candidate]:
    """Schema and text evidence for every candidate pair (no threshold applied). ``shapes``
    overrides declared output schemas by function name (learned ones); ``touching`` limits the
    pairs to the parameters whose sources those functions may change (``candidate_pairs``).
    Text statistics always come from every signature given."""
    ports_out = shared_roles({s.name: outputs(s, (shapes or {}).get(s.name)) for s in signatures})
    ports_in = {s.name: inputs(s) for s in signatures}
    documents = [(p.name, p.description) for s in signatures for p in ports_out[s.name] + ports_in[s.name]]
    text = TextSimilarity(documents)
    scored = []
    for out, param, same in candidate_pairs(signatures, ports_out, ports_in, touching):
        t_score, kind = type_fit(out, param)
        n_score, why = name_fit(out, param)
        sim = text.similarity((out.name, out.description), (param.name, param.description))
        score = t_score * (config.name_weight * n_score + config.text_weight * sim)
        sink = generic_sink(out.role, param.role)
        if sink:
            score = max(score, config.sink_score + 0.2 * sim)  # the words still rank such sources
        if not same:
            score *= config.cross_toolkit_factor
        scored.append(Candidate(out, param, kind, score, same, t_score * n_score, sim, bool(sink), why))
    return scored


def infer_edges(
    signatures: list[FunctionSignature],
    config: EdgeConfig = EdgeConfig(),
    *,
    judge: Callable[[list[Candidate], list[FunctionSignature]], None] | None = None,
    verify: Any = None,
    shapes: dict[str, dict] | None = None,
) -> list[FeedsEdge]:
    """Infer FEEDS edges (see ``infer``)."""
    return infer(signatures, config, judge=judge, verify=verify, shapes=shapes).edges


def infer(
    signatures: list[FunctionSignature],
    config: EdgeConfig = EdgeConfig(),
    *,
    judge: Callable[[list[Candidate], list[FunctionSignature]], None] | None = None,
    verify: Any = None,
    shapes: dict[str, dict] | None = None,
) -> Inference:
    """Infer FEEDS edges. ``judge`` and ``verify`` (an ExecutionVerifier) add evidence and adjust
    scores; ``shapes`` are learned output schemas by function name."""
    candidates = score_candidates(signatures, config, shapes)
    if judge is not None:
        judge(candidates, signatures)
    if verify is not None:
        verify(candidates, signatures)
    edges, refuted = _select(candidates, config)
    prerequisites, refuted_rules = _prerequisites(signatures, config, {(e.source, e.target) for e in edges}, verify)
    edges.extend(prerequisites)
    edges.sort(key=_edge_order)
    return Inference(edges, len(candidates), refuted + refuted_rules, _with_outputs(signatures, shapes))


@dataclass(frozen=True)
class EdgeUpdate:
    """The edges an incremental inference derived again, and what they replace: every edge from or
    into ``functions``, every edge into ``params`` (``(function, parameter)`` of other functions,
    whose sources were chosen again) and the prerequisite edges into ``toolkits``."""

    edges: list[FeedsEdge]
    functions: frozenset[str]
    params: frozenset[tuple[str, str]]
    toolkits: frozenset[str]
    candidates: int
    refuted: int
    functions_with_outputs: int


class StoredEdges(Protocol):
    """What an incremental inference reads of the edges a graph already holds."""

    def cross_toolkit_feeds(self, sources: list[str]) -> list[FeedsEdge]:
        """The stored edges from ``sources`` into functions of other toolkits."""
        ...

    def feed_pairs(self, toolkits: list[str]) -> list[tuple[str, str, str]]:
        """(source, target, target_param) of the stored feed edges (not prerequisites) inside ``toolkits``."""
        ...


def infer_changes(
    signatures: list[FunctionSignature],
    changed: frozenset[str],
    stored: StoredEdges,
    config: EdgeConfig = EdgeConfig(),
    *,
    judge: Callable[[list[Candidate], list[FunctionSignature]], None] | None = None,
    verify: Any = None,
    shapes: dict[str, dict] | None = None,
) -> EdgeUpdate:
    """The edges touching ``changed`` (functions added or changed since the last inference), against
    every signature of the graph: a changed function's edges in both directions, the sources of
    every other parameter one of its outputs may feed (chosen again from all of that parameter's
    candidates), and the prerequisites of its toolkit. The cross-toolkit edges that fit by role
    alone count against ``max_generic`` with the stored ones. Edges into parameters no changed
    output reaches stay as they are, with the scores they had."""
    candidates = score_candidates(signatures, config, shapes, touching=changed)
    if judge is not None:
        judge(candidates, signatures)
    if verify is not None:
        verify(candidates, signatures)
    params = frozenset((c.param.function, c.param.path) for c in candidates if c.param.function not in changed)
    generic_sources = sorted({c.out.function for c in candidates if c.out.function not in changed})
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for e in stored.cross_toolkit_feeds(generic_sources):
        if _generic_edge(e) and e.target not in changed and (e.target, e.target_param) not in params:
            taken[(e.source, e.source_field)] += 1  # a slot an edge that stays already holds
    edges, refuted = _select(candidates, config, taken)
    toolkits = frozenset(s.toolkit for s in signatures if s.name in changed)
    members = [s for s in signatures if s.toolkit in toolkits]
    linked = {(e.source, e.target) for e in edges}
    for source, target, param in stored.feed_pairs(sorted(toolkits)):
        if source not in changed and target not in changed and (target, param) not in params:
            linked.add((source, target))
    prerequisites, refuted_rules = _prerequisites(members, config, linked, verify)
    edges.extend(prerequisites)
    edges.sort(key=_edge_order)
    return EdgeUpdate(
        edges,
        changed,
        params,
        toolkits,
        len(candidates),
        refuted + refuted_rules,
        _with_outputs(signatures, shapes),
    )


def _select(
    candidates: list[Candidate], config: EdgeConfig, taken: dict[tuple[str, str], int] | None = None
) -> tuple[list[FeedsEdge], int]:
    """The edges kept: above ``min_score``, not refuted (unless kept), the best few sources per
    parameter. Returns them and the number execution refuted."""
    by_param: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    refuted = 0
    for c in _few_generic(candidates, config, taken):
        if c.score < config.min_score:
            continue
        if c.refuted:
            refuted += 1
            if not config.keep_refuted:
                continue
        by_param[(c.param.function, c.param.path)].append(c)
    edges = []
    for group in by_param.values():
        group.sort(key=lambda c: (-c.score, c.out.function, _depth(c.out.path), c.out.path))
        edges.extend(_best_paths(group)[: config.max_sources_per_param])
    return edges, refuted


def _edge_order(e: FeedsEdge) -> tuple[str, str, str, str]:
    return (e.source, e.target, e.source_field, e.target_param)


def _with_outputs(signatures: list[FunctionSignature], shapes: dict[str, dict] | None) -> int:
    return sum(1 for s in signatures if (shapes or {}).get(s.name) or s.output)


def _few_generic(
    candidates: list[Candidate], config: EdgeConfig, taken: dict[tuple[str, str], int] | None = None
) -> list[Candidate]:
    """A plain operand (``a``, ``numbers``) or a text body fits any quantity or document of any
    toolkit. Such cross-toolkit pairs, fitting by role alone, are kept sparingly: the best-worded
    first (ties in a seeded, name-independent order), at most ``max_generic`` per parameter and
    per source field, so a utility toolkit links to a few sources instead of to everything.
    ``taken``: slots of source fields already held by edges kept from before."""
    generic = [
        c
        for c in candidates
        if not c.same_toolkit and generic_sink(c.out.role, c.param.role) and round(c.schema_score, 4) < GENERIC_BELOW
    ]
    drop = set()
    per_param: dict[tuple[str, str], int] = defaultdict(int)
    per_source: dict[tuple[str, str], int] = defaultdict(int, taken or {})

    def rank(c: Candidate) -> tuple:
        # what a tool is for (estimate_distance's distance) before a side field; into a converter,
        # a measure stated in a unit worth converting first
        unit = c.param.role.kind == "measure" and not convertible(c.out.description)
        return (unit, not looked_up(c.out), -round(c.text_score, 4), _stable(c.key))

    for c in sorted(generic, key=rank):
        p, o = (c.param.function, c.param.path), (c.out.function, c.out.path)
        if per_param[p] >= config.max_generic or per_source[o] >= config.max_generic:
            drop.add(id(c))
            continue
        per_param[p] += 1
        per_source[o] += 1
    return [c for c in candidates if id(c) not in drop]


def _generic_edge(edge: FeedsEdge) -> bool:
    """Whether a stored cross-toolkit edge is one ``_few_generic`` caps: its schema evidence says
    the roles alone fit and the names scored under ``GENERIC_BELOW``."""
    schema = next((ev for ev in edge.evidence if ev.get("kind") == "schema"), {})
    return SINK_MARK in schema.get("roles", "") and schema.get("score", 1.0) < GENERIC_BELOW


def _stable(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()


def _best_paths(group: list[Candidate]) -> list[FeedsEdge]:
    """One edge per (source top-level field, parameter): its best-scored path (``items[].id``
    rather than ``items[].owner_id``; ``booking_id`` and ``booking_history.booking_id`` both)."""
    seen, edges = set(), []
    for c in group:
        if (c.out.function, c.out.root) not in seen:
            seen.add((c.out.function, c.out.root))
            edges.append(c.to_edge())
    return edges


def _prerequisites(signatures, config, linked, verify) -> tuple[list[FeedsEdge], int]:
    """Rule-proposed and execution-found prerequisites. Where the tools run, a rule's proposal that
    no start state showed is refuted (dropped unless ``keep_refuted``)."""
    proposals: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_name = {s.name: s for s in signatures}
    for a, b in prerequisite_pairs(signatures):
        proposals[(a.name, b.name)].append(
            {"kind": "rule", "score": config.prerequisite_score, "detail": f"{a.name} opens a session in {a.toolkit}"}
        )
    executed = verify.prerequisites(signatures) if verify is not None else {}
    for pair, evidence in executed.items():
        proposals[pair].append(evidence)
    edges, refuted = [], 0
    for (a, b), evidence in sorted(proposals.items()):
        if (a, b) in linked:
            continue
        shown = any(e["kind"] == "execution" for e in evidence)
        ran = verify is not None and is_executable(by_name[a]) and is_executable(by_name[b])
        if ran and not shown:
            refuted += 1
            if not config.keep_refuted:
                continue
            evidence.append({"kind": "execution", "score": 0.0, "detail": f"no start state needed {a} before {b}"})
        score = config.verified_floor if shown else config.prerequisite_score
        if score >= config.min_score:
            edges.append(FeedsEdge(a, b, "", "", "prerequisite", round(score, 4), tuple(evidence)))
    return edges, refuted


def _type(port: Port) -> str:
    return f"array<{port.item_type}>" if port.type == "array" and port.item_type else port.type


def _depth(path: str) -> int:
    """Steps in a field path: on a tie the top-level field wins over a nested copy of it."""
    return path.count(".") + path.count("[") + path.count("{")
