"""Edge quality on every labelled catalog: precision/recall overall, per slice, per evidence kind.

python bench/edge_quality.py [--no-verify] [--min-score 0.4] [--catalog bfcl,telecom,filesystem,memory]

The catalogs: BFCL's multi-turn classes (tests/fixtures/bfcl_edge_labels.jsonl, with per-class and
cross-toolkit slices), tau2-bench's telecom tools over their JSON database (no output schemas:
shapes are learned by running them) and the official MCP filesystem and memory servers'
captured tools/list (declared outputSchemas, not executed). Every labelled set was written from
docs and code, never from inferred edges.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.edges import EdgeConfig, infer  # noqa: E402
from magnet_graph.edges.execution import ExecutionVerifier  # noqa: E402
from magnet_graph.edges.quality import load_labels, score_by_evidence, score_where  # noqa: E402
from magnet_graph.edges.sandbox import Sandbox, is_executable  # noqa: E402
from magnet_graph.edges.shapes import fields, learn_shapes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
CATALOGS = {
    "bfcl": ("bfcl", FIXTURES / "bfcl_edge_labels.jsonl"),
    "telecom": ("python:tests.fixtures.tau2_telecom.tools:TelecomTools", FIXTURES / "tau2_telecom/edge_labels.jsonl"),
    "filesystem": (
        str(FIXTURES / "mcp_servers/filesystem.tools.json"),
        FIXTURES / "mcp_servers/filesystem.edge_labels.jsonl",
    ),
    "memory": (str(FIXTURES / "mcp_servers/memory.tools.json"), FIXTURES / "mcp_servers/memory.edge_labels.jsonl"),
}


def _print_scores(edges, labels, rows) -> None:
    print(f"  {'slice':<20}{'predicted':>10}{'correct':>9}{'labelled':>9}{'precision':>11}{'recall':>8}")
    for name, keep in rows:
        s = score_where(edges, labels, keep)
        print(f"  {name:<20}{s.predicted:>10}{s.correct:>9}{s.labelled:>9}{s.precision:>11.3f}{s.recall:>8.3f}")


def bfcl_slices(sigs) -> list[tuple]:
    """(name, keep) for all, all but MathAPI, each class, same toolkit and cross-toolkit."""
    toolkit = {s.name: s.toolkit for s in sigs}
    rows = [("all", lambda a, b: True), ("all but MathAPI", lambda a, b: toolkit[a] != "MathAPI")]
    rows += [(tk, lambda a, b, tk=tk: toolkit[a] == tk == toolkit[b]) for tk in sorted(set(toolkit.values()))]
    rows.append(("same toolkit", lambda a, b: toolkit[a] == toolkit[b]))
    rows.append(("cross-toolkit", lambda a, b: toolkit[a] != toolkit[b]))
    return rows


def measure(name: str, config: EdgeConfig, verify: bool) -> None:
    source, label_path = CATALOGS[name]
    sigs = load_catalog(source)
    labels = load_labels(label_path)
    runnable = verify and any(is_executable(s) for s in sigs)
    sandbox = Sandbox() if runnable else None
    shapes = learn_shapes(sigs, sandbox)
    verifier = ExecutionVerifier(config, sandbox) if sandbox else None
    inference = infer(sigs, config, verify=verifier, shapes=shapes.schemas)
    edges = inference.edges
    observed = {
        s.name: sum(1 for _, f in fields(shapes.schemas.get(s.name)) if f.get("x-evidence") == "observed") for s in sigs
    }
    learned, observed_fields = sum(1 for n in observed.values() if n), sum(observed.values())
    declared = sum(1 for s in sigs if s.output and (s.output.get("properties") or s.output.get("items")))
    print(
        f"\n{name}: {len(sigs)} functions ({declared} with declared output fields; {shapes.observed} outputs observed by "
        f"{shapes.calls} calls, {observed_fields} observed fields in {learned}), {inference.candidates} candidate pairs, "
        f"{len(edges)} edges {dict(Counter(e.kind for e in edges))}, {inference.refuted} refuted, "
        f"{verifier.runs if verifier else 0} tool calls for evidence; {len(labels)} labelled true edges"
    )
    out_degree = Counter(e.source for e in edges)
    degrees = [out_degree.get(s.name, 0) for s in sigs]
    print(
        f"  density: {len({(e.source, e.target) for e in edges}) / max(1, len(sigs) * (len(sigs) - 1)):.4f} of ordered "
        "function pairs linked; "
        f"out-degree mean {statistics.mean(degrees):.2f}, median {statistics.median(degrees):.0f}, "
        f"max {max(degrees)}, zero {degrees.count(0)} functions"
    )
    _print_scores(edges, labels, bfcl_slices(sigs) if name == "bfcl" else [("all", lambda a, b: True)])
    print("  per evidence kind (edges whose own evidence of that kind scores >= 0.5, against all labels):")
    for kind, s in score_by_evidence(edges, labels).items():
        print(f"    {kind:<10} predicted {s['predicted']:>4}  precision {s['precision']:.3f}  recall {s['recall']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-verify", action="store_true", help="no execution evidence and no learned shapes")
    parser.add_argument("--min-score", type=float, default=EdgeConfig().min_score)
    parser.add_argument("--catalog", default=",".join(CATALOGS), help="comma-separated: " + ", ".join(CATALOGS))
    args = parser.parse_args()
    config = dataclasses.replace(EdgeConfig(), min_score=args.min_score)
    print(f"min_score={config.min_score}, execution={not args.no_verify}")
    for name in args.catalog.split(","):
        measure(name, config, not args.no_verify)


if __name__ == "__main__":
    main()
