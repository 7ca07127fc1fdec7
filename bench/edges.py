"""Edge inference throughput: candidate pairs scored per second, on BFCL and synthetic catalogs.

python bench/edges.py                 # BFCL, then 1,000 and 5,000 synthetic functions with the
                                      # growth exponent of inference time (1.0 = linear, 2.0 = all pairs)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.edges import infer_edges, score_candidates  # noqa: E402
from magnet_graph.edges.execution import ExecutionVerifier  # noqa: E402
from tests.catalog_factory import entity_catalog  # noqa: E402


def measure(label: str, sigs, verify: bool) -> float:
    """Print the figures for one catalog; return the inference seconds."""
    start = time.perf_counter()
    candidates = score_candidates(sigs)
    scored_s = time.perf_counter() - start
    verifier = ExecutionVerifier() if verify else None
    tracemalloc.start()
    start = time.perf_counter()
    edges = infer_edges(sigs, verify=verifier)
    infer_s = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
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
        f"= {len(candidates) / infer_s:,.0f} pairs/s, {len(edges) / infer_s:,.0f} edges/s, "
        f"peak Python memory {peak / 2**20:,.0f} MiB{extra}"
    )
    return infer_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="Synthetic catalog sizes, comma-separated.")
    args = parser.parse_args()
    measure("bfcl", load_catalog("bfcl"), verify=True)
    sizes = [int(n) for n in args.sizes.split(",")]
    seconds = [measure(f"synthetic {n:,}", entity_catalog(n, seed=1), False) for n in sizes]
    if len(sizes) >= 2:
        exponent = math.log(seconds[-1] / seconds[0]) / math.log(sizes[-1] / sizes[0])
        print(f"growth exponent of inference time {sizes[0]:,} -> {sizes[-1]:,} functions: {exponent:.2f}")


if __name__ == "__main__":
    main()
