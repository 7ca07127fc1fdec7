"""Link a graph partition: learn output shapes, infer its dependency edges, and store both.

After the first inference a link is incremental: only the edges touching functions added or
changed since (``infer_changes``) are derived and replaced, unless most of the graph changed, the
last inference was cut short, or ``LinkConfig.full`` asks for the whole graph again."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import LinkConfig
from ..store import GraphStore
from ..teachers import open_teacher
from . import EdgeConfig, infer, infer_changes
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
    changed: int | None = None  # functions an incremental link derived edges for; None: the whole graph
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        work = f"{self.candidates} candidate pairs, {self.tool_calls} tool calls, {self.refuted} refuted"
        work += f" ({'kept' if 'refuted kept' in self.notes else 'dropped'})" if self.refuted else ""
        notes = "; ".join([work, *[n for n in self.notes if n != "refuted kept"]])
        if self.changed is not None:
            return f"graph {self.graph!r} holds {self.edges} edges: {self.changed} functions added or changed ({notes})"
        return f"inferred {self.edges} edges in graph {self.graph!r} ({notes})"


def link(store: GraphStore, config: LinkConfig = LinkConfig()) -> LinkReport:
    """Infer the graph's FEEDS edges (only those touching what changed since the last inference,
    see the module) and store the output fields learned by running the tools as
    ``(:Field {evidence: "observed"})`` nodes."""
    edge_config = dataclasses.replace(EdgeConfig(), keep_refuted=config.keep_refuted)
    if config.min_edge_score is not None:
        edge_config = dataclasses.replace(edge_config, min_score=config.min_edge_score)
    judge = None
    if config.judge:
        judge = LLMJudge(open_teacher(config.judge, base_url=config.judge_base_url), edge_config)
    # other settings give other edges everywhere: a link with settings unlike the last one's is whole
    settings = repr((edge_config, config.verify, config.judge, config.judge_base_url))
    changed = None if config.full else store.changed_since_inference(settings)
    if changed == []:  # before reading the signatures: 50k of them take seconds
        return LinkReport(store.graph, store.stats()["edges"], changed=0, notes=("nothing to infer",))
    signatures = store.functions()
    if changed is not None and len(changed) * 2 > len(signatures):
        changed = None  # most of the graph: one pass over it is cheaper than edges replaced one by one
    sandbox = Sandbox() if config.verify else None
    shapes = learn_shapes(signatures, sandbox, describe=judge.output_shape if judge else None)
    verifier = ExecutionVerifier(edge_config, sandbox) if sandbox else None
    if judge:
        judge.shapes = shapes.schemas
    if changed is None:
        result = infer(signatures, edge_config, judge=judge, verify=verifier, shapes=shapes.schemas)
        store.replace_edges(result.edges)
        total = len(result.edges)
    else:
        result = infer_changes(
            signatures, frozenset(changed), store, edge_config, judge=judge, verify=verifier, shapes=shapes.schemas
        )
        store.replace_edges_touching(result.functions, result.params, result.toolkits, result.edges)
        total = store.stats()["edges"]
    learned = store.save_learned_fields(
        {name: [(path, schema) for path, schema in fields(schema)] for name, schema in shapes.schemas.items()}
    )
    store.mark_edges_inferred(signatures, total, settings)  # last: a link cut short leaves the marker stale
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
        total,
        result.candidates,
        sandbox.calls if sandbox else 0,
        result.refuted,
        learned,
        None if changed is None else len(changed),
        tuple(notes),
        tuple(warnings),
    )
