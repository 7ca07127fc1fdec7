"""Link a graph partition: infer its dependency edges from the functions it holds, and store them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import LinkConfig
from ..store import GraphStore
from ..teachers import open_teacher
from . import EdgeConfig, infer_edges
from .execution import ExecutionVerifier
from .judge import LLMJudge


@dataclass(frozen=True)
class LinkReport:
    """What ``link`` did: edges stored, and notes on the evidence it gathered."""

    graph: str
    edges: int
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        return f"inferred {self.edges} edges in graph {self.graph!r}" + (
            f" ({'; '.join(self.notes)})" if self.notes else ""
        )


def link(store: GraphStore, config: LinkConfig = LinkConfig()) -> LinkReport:
    """Re-infer the graph's FEEDS edges, replacing the old ones in one transaction."""
    edge_config = EdgeConfig()
    if config.min_edge_score is not None:
        edge_config = dataclasses.replace(edge_config, min_score=config.min_edge_score)
    judge = None
    if config.judge:
        judge = LLMJudge(open_teacher(config.judge, base_url=config.judge_base_url), edge_config)
    verifier = ExecutionVerifier(edge_config) if config.verify else None
    edges = infer_edges(store.functions(), edge_config, judge=judge, verify=verifier)
    store.replace_edges(edges)
    notes = []
    if verifier:
        notes.append(f"{verifier.runs} tool calls, {verifier.verified} feeds verified")
    if judge:
        notes.append(f"judge: {judge.teacher.calls} calls, {judge.teacher.cached} cached, {judge.failures} unreadable")
    return LinkReport(store.graph, len(edges), tuple(notes))
