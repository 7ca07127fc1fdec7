"""Load throughput: a synthetic catalog into each graph server, beside an in-memory build.

Prints functions/s and edges/s for embedded ArcadeDB and real Neo4j (both over Bolt, through
GraphStore, exactly the code path users run) and for a plain in-memory Python build of the same
graph, as ratios measured in one run. Also times an idempotent reload (nothing changes).

    python bench/load.py                       # 10,000 functions, 5 edges each, both servers
    python bench/load.py --functions 2000 --stores arcadedb
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from magnet_graph.store import embedded, open_store  # noqa: E402
from tests.catalog_factory import synthetic_catalog, synthetic_edges  # noqa: E402


def in_memory_build(sigs, edges) -> tuple[float, float]:
    """The same records and keys as the graph store, in dicts: the peer every server is compared to."""
    start = time.perf_counter()
    functions, params, fields = {}, {}, {}
    for s in sigs:
        functions[("bench", s.name)] = {**s.to_record(), "hash": s.content_hash()}
        for p in s.parameter_fields():
            params[("bench", s.name, p["name"])] = p
        for f in s.response_fields():
            fields[("bench", s.name, f["name"])] = f
    fn_seconds = time.perf_counter() - start
    start = time.perf_counter()
    adjacency: dict = {}
    for e in edges:
        row = e.to_row()
        adjacency.setdefault(row["source"], {})[(row["target"], row["source_field"], row["target_param"])] = row
    return fn_seconds, time.perf_counter() - start


def store_build(uri: str, sigs, edges, batch_size: int) -> tuple[float, float, float]:
    with open_store(uri, "bench") as store:
        store.clear()
        store.ensure_schema()
        start = time.perf_counter()
        store.load_functions(sigs, batch_size=batch_size)
        fn_seconds = time.perf_counter() - start
        start = time.perf_counter()
        store.load_edges(edges, batch_size=batch_size * 5)
        edge_seconds = time.perf_counter() - start
        start = time.perf_counter()
        result = store.load_functions(sigs, batch_size=batch_size)
        reload_seconds = time.perf_counter() - start
        stats = store.stats()
        assert result.new_functions == 0, "reload created functions"
        assert (stats["functions"], stats["edges"]) == (len(sigs), len(edges)), stats
        store.clear()
    return fn_seconds, edge_seconds, reload_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=10_000)
    parser.add_argument("--edges-per-function", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--stores", default="arcadedb,neo4j")
    args = parser.parse_args()

    sigs = synthetic_catalog(args.functions, seed=1)
    edges = synthetic_edges(sigs, args.edges_per_function, seed=1)
    n_params = sum(len(s.parameter_fields()) for s in sigs)
    n_fields = sum(len(s.response_fields()) for s in sigs)
    print(
        f"catalog: {len(sigs):,} functions ({n_params:,} parameter and {n_fields:,} field nodes), "
        f"{len(edges):,} FEEDS edges; batch {args.batch_size}"
    )
    mem_fn, mem_edges = in_memory_build(sigs, edges)
    rows = [("in-memory", len(sigs) / mem_fn, len(edges) / mem_edges, None)]

    with tempfile.TemporaryDirectory() as tmp:
        for name in args.stores.split(","):
            if name == "arcadedb":
                root = Path(tmp) / "arcadedb"
                try:
                    fn_s, edge_s, reload_s = store_build(f"embedded://{root}", sigs, edges, args.batch_size)
                finally:
                    embedded.stop_server(root)
            elif name == "neo4j":
                from tests.servers.neo4j_server import Neo4jServer

                with Neo4jServer(Path(tmp) / "neo4j", heap="1g") as server:
                    fn_s, edge_s, reload_s = store_build(server.uri, sigs, edges, args.batch_size)
            else:
                raise SystemExit(f"unknown store {name!r}")
            rows.append((name, len(sigs) / fn_s, len(edges) / edge_s, reload_s))

    mem = rows[0]
    print(f"{'store':<10}{'functions/s':>14}{'edges/s':>12}{'fn vs mem':>12}{'edges vs mem':>14}{'reload s':>10}")
    for name, fps, eps, reload_s in rows:
        reload_text = "-" if reload_s is None else f"{reload_s:.1f}"
        print(f"{name:<10}{fps:>14,.0f}{eps:>12,.0f}{fps / mem[1]:>12.4f}{eps / mem[2]:>14.4f}{reload_text:>10}")
    for name, fps, eps, _ in rows[1:]:
        others = [r for r in rows[1:] if r[0] != name]
        for other in others:
            print(f"ratio {name}/{other[0]}: functions {fps / other[1]:.2f}x, edges {eps / other[2]:.2f}x")
        break


if __name__ == "__main__":
    main()
