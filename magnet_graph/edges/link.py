"""Link a graph partition: learn output shapes, infer its dependency edges, and store both."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import LinkConfig
from ..store import GraphStore
from ..teachers import open_teacher
from . import EdgeConfig, infer
from .execution import ExecutionVerifier
from .judge import LLMJudge
from .sandbox import Sandbox
from .shapes import fields, learn_shapes


@dataclass(frozen=True)
class LinkReport:
    """What ``link`` did: edges stored, the work it took, and warnings a user must see."""

    graph: str
    edges: int
    candidates: int = 0
    tool_calls: int = 0
    refuted: int = 0
    learned_fields: int = 0
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        work = f"{self.candidates} candidate pairs, {self.tool_calls} tool calls, {self.refuted} refuted"
        work += f" ({'kept' if 'refuted kept' in self.notes else 'dropped'})" if self.refuted else ""
        notes = "; ".join([work, *[n for n in self.notes if n != "refuted kept"]])
        return f"inferred {self.edges} edges in graph {self.graph!r} ({notes})"


def link(store: GraphStore, config: LinkConfig = LinkConfig()) -> LinkReport:
    """Re-infer the graph's FEEDS edges, replacing the old ones in one transaction, and store the
    output fields learned by running the tools as ``(:Field {evidence: "observed"})`` nodes."""
    edge_config = dataclasses.replace(EdgeConfig(), keep_refuted=config.keep_refuted)
    if config.min_edge_score is not None:
        edge_config = dataclasses.replace(edge_config, min_score=config.min_edge_score)
    judge = None
    if config.judge:
        judge = LLMJudge(open_teacher(config.judge, base_url=config.judge_base_url), edge_config)
    signatures = store.functions()
    sandbox = Sandbox() if config.verify else None
    shapes = learn_shapes(signatures, sandbox, describe=judge.output_shape if judge else None)
    verifier = ExecutionVerifier(edge_config, sandbox) if sandbox else None
    if judge:
        judge.shapes = shapes.schemas
    result = infer(signatures, edge_config, judge=judge, verify=verifier, shapes=shapes.schemas)
    store.replace_edges(result.edges)
    learned = store.save_learned_fields(
        {name: [(path, schema) for path, schema in fields(schema)] for name, schema in shapes.schemas.items()}
    )
    store.mark_edges_inferred(signatures, len(result.edges))  # last: a link cut short leaves the marker stale
    notes = []
    if verifier:
        notes.append(f"{verifier.verified} feeds verified by execution")
    if judge:
        notes.append(f"judge: {judge.teacher.calls} calls, {judge.teacher.cached} cached, {judge.failures} unreadable")
    if config.keep_refuted:
        notes.append("refuted kept")
    warnings = []
    if signatures and not result.functions_with_outputs:
        warnings.append(
            f"warning: none of the {len(signatures)} functions in graph {store.graph!r} has a known output "
            "(no output schema, no implementation to run, no 'Returns ...' in its description"
            + (", no fields from the judge" if judge else "")
            + "), so no "
            "multi-turn paths can come from it; add output schemas or make the tools executable"
        )
    return LinkReport(
        store.graph,
        len(result.edges),
        result.candidates,
        sandbox.calls if sandbox else 0,
        result.refuted,
        learned,
        tuple(notes),
        tuple(warnings),
    )
