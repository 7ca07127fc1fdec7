"""Edge quality on the labelled BFCL set: precision/recall overall, per class, per evidence kind.

python bench/edge_quality.py [--no-verify] [--min-score 0.4]
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
from magnet_graph.edges import EdgeConfig, infer_edges  # noqa: E402
from magnet_graph.edges.execution import ExecutionVerifier  # noqa: E402
from magnet_graph.edges.quality import load_labels, score_by_evidence, score_edges  # noqa: E402
from magnet_graph.edges.sandbox import Sandbox  # noqa: E402
from magnet_graph.edges.shapes import learn_shapes  # noqa: E402


def _target(label: tuple) -> str:
    """The target function of a label: (source, target) for a prerequisite, (source, field, target, param) for a feed."""
    return label[-1] if len(label) == 2 else label[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--min-score", type=float, default=EdgeConfig().min_score)
    args = parser.parse_args()
    config = dataclasses.replace(EdgeConfig(), min_score=args.min_score)
    sigs = load_catalog("bfcl")
    labels = load_labels(ROOT / "tests/fixtures/bfcl_edge_labels.jsonl")
    sandbox = None if args.no_verify else Sandbox()
    shapes = learn_shapes(sigs, sandbox).schemas  # outputs learned by running the tools
    edges = infer_edges(sigs, config, verify=ExecutionVerifier(config, sandbox) if sandbox else None, shapes=shapes)
    toolkit = {s.name: s.toolkit for s in sigs}

    print(
        f"BFCL: {len(sigs)} functions, {len(edges)} edges {dict(Counter(e.kind for e in edges))}, "
        f"{len(labels)} labelled true edges; min_score={config.min_score}, execution={not args.no_verify}"
    )
    out_degree = Counter(e.source for e in edges)
    degrees = [out_degree.get(s.name, 0) for s in sigs]
    print(
        f"out-degree: mean {statistics.mean(degrees):.2f}, median {statistics.median(degrees):.0f}, "
        f"max {max(degrees)} ({max(out_degree, key=out_degree.get)}), zero {degrees.count(0)} functions; "
        f"histogram {dict(sorted(Counter(min(d, 10) for d in degrees).items()))} (10 = 10+)"
    )
    rows = [("all", edges, labels)]
    rows.append(
        (
            "all but MathAPI",
            [e for e in edges if toolkit[e.source] != "MathAPI"],
            {label for label in labels if toolkit[label[0]] != "MathAPI"},
        )
    )
    for tk in sorted(set(toolkit.values())):
        rows.append(
            (
                tk,
                [e for e in edges if toolkit[e.source] == tk == toolkit[e.target]],
                {label for label in labels if toolkit[label[0]] == tk == toolkit[_target(label)]},
            )
        )
    rows.append(
        (
            "same toolkit",
            [e for e in edges if toolkit[e.source] == toolkit[e.target]],
            {label for label in labels if toolkit[label[0]] == toolkit[_target(label)]},
        )
    )
    rows.append(
        (
            "cross-toolkit",
            [e for e in edges if toolkit[e.source] != toolkit[e.target]],
            {label for label in labels if toolkit[label[0]] != toolkit[_target(label)]},
        )
    )
    print(f"{'slice':<20}{'predicted':>10}{'correct':>9}{'labelled':>9}{'precision':>11}{'recall':>8}")
    for name, subset, truth in rows:
        s = score_edges(subset, truth)
        print(f"{name:<20}{s.predicted:>10}{s.correct:>9}{s.labelled:>9}{s.precision:>11.3f}{s.recall:>8.3f}")
    print("per evidence kind (edges whose own evidence of that kind scores >= 0.5, against all labels):")
    for kind, s in score_by_evidence(edges, labels).items():
        print(f"  {kind:<10} predicted {s['predicted']:>4}  precision {s['precision']:.3f}  recall {s['recall']:.3f}")


if __name__ == "__main__":
    main()
