"""Link a graph partition: infer its dependency edges from the functions it holds (``load``, ``synthesize``)."""

from __future__ import annotations

import dataclasses

from .store import GraphStore


def link(
    store: GraphStore,
    *,
    min_score: float | None = None,
    verify: bool = True,
    judge_spec: str | None = None,
    base_url: str | None = None,
) -> tuple[int, list[str]]:
    """Re-infer the graph's FEEDS edges (replacing the old ones in one transaction): (count, notes)."""
    from .edges import EdgeConfig, infer_edges
    from .edges.execution import ExecutionVerifier
    from .edges.judge import LLMJudge

    config = EdgeConfig() if min_score is None else dataclasses.replace(EdgeConfig(), min_score=min_score)
    judge = None
    if judge_spec:
        from .teachers import open_teacher

        judge = LLMJudge(open_teacher(judge_spec, base_url=base_url), config)
    verifier = ExecutionVerifier(config) if verify else None
    edges = infer_edges(store.functions(), config, judge=judge, verify=verifier)
    store.replace_edges(edges)
    notes = []
    if verifier:
        notes.append(f"{verifier.runs} tool calls, {verifier.verified} feeds verified")
    if judge:
        notes.append(f"judge: {judge.teacher.calls} calls, {judge.teacher.cached} cached, {judge.failures} unreadable")
    return len(edges), notes
