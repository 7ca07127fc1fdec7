"""Edge inference throughput: candidate pairs scored per second, on BFCL and a synthetic catalog.

python bench/edges.py                 # BFCL (128 functions) and 10,000 synthetic functions
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.edges import infer_edges, score_candidates  # noqa: E402
from magnet_graph.edges.execution import ExecutionVerifier  # noqa: E402
from tests.catalog_factory import synthetic_catalog  # noqa: E402


def measure(label: str, sigs, verify: bool) -> None:
    start = time.perf_counter()
    candidates = score_candidates(sigs)
    scored_s = time.perf_counter() - start
    verifier = ExecutionVerifier() if verify else None
    start = time.perf_counter()
    edges = infer_edges(sigs, verify=verifier)
    infer_s = time.perf_counter() - start
    n = len(sigs)
    all_pairs = sum(len(s.response_fields()) for s in sigs) * sum(len(s.parameter_fields()) for s in sigs)
    print(
        f"{label}: {n:,} functions, {len(candidates):,} candidate pairs "
        f"({len(candidates) / max(all_pairs, 1):.4f} of all {all_pairs:,} field x parameter pairs)"
    )
    print(f"  schema+text scoring: {len(candidates) / scored_s:,.0f} pairs/s ({scored_s:.2f}s)")
    extra = f", {verifier.runs:,} tool calls ({verifier.runs / infer_s:,.0f} calls/s)" if verifier else ""
    print(
        f"  full inference{' with execution' if verify else ''}: {len(edges):,} edges in {infer_s:.2f}s "
        f"= {len(candidates) / infer_s:,.0f} pairs/s{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=10_000)
    args = parser.parse_args()
    measure("bfcl", load_catalog("bfcl"), verify=True)
    measure("synthetic", synthetic_catalog(args.functions, seed=1, toolkits=max(args.functions // 20, 1)), verify=False)


if __name__ == "__main__":
    main()
