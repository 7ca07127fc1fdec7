"""Random-walk throughput: Cypher walks through each store vs an in-memory NumPy walker, one run.

A 10,000-function synthetic graph with 5 FEEDS edges out of each function; walks of up to S = 7
functions without revisits, from random start functions. The NumPy walker (CSR arrays, all walkers
vectorised per hop) is the practical limit; the store path is what `magnet-graph paths` runs.

    python bench/walks.py                        # 10k and 100k walks, both stores
    python bench/walks.py --walks 10000 --stores arcadedb
    python bench/walks.py --pool 5000 --walks 1000,10000   # a 5k pool with its inferred edges
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from magnet_graph.edges import infer_edges  # noqa: E402
from magnet_graph.paths import WalkConfig, walk_sequences  # noqa: E402
from magnet_graph.store import embedded, open_store  # noqa: E402
from tests.catalog_factory import pool_catalog, synthetic_catalog, synthetic_edges  # noqa: E402


def numpy_walks(names: list[str], edges, starts: list[str], steps: int, seed: int) -> np.ndarray:
    """All walkers advance one hop per iteration; successors uniform among unvisited out-neighbours."""
    index = {n: i for i, n in enumerate(names)}
    src = np.array([index[e.source] for e in edges])
    dst = np.array([index[e.target] for e in edges])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    offsets = np.searchsorted(src, np.arange(len(names) + 1))
    rng = np.random.default_rng(seed)
    walks = np.full((len(starts), steps), -1, dtype=np.int64)
    walks[:, 0] = [index[s] for s in starts]
    active = np.arange(len(starts))
    for hop in range(1, steps):
        last = walks[active, hop - 1]
        lo, deg = offsets[last], offsets[last + 1] - offsets[last]
        # candidates = out-neighbours not yet visited; pick the k-th of them with a uniform draw
        max_deg = int(deg.max()) if len(deg) else 0
        if max_deg == 0:
            break
        cols = np.arange(max_deg)
        cand = np.where(cols < deg[:, None], dst[np.minimum(lo[:, None] + cols, len(dst) - 1)], -1)
        visited = (cand[:, :, None] == walks[active][:, None, :hop]).any(axis=2)
        cand = np.where(visited, -1, cand)
        valid = cand >= 0
        counts = valid.sum(axis=1)
        alive = counts > 0
        k = np.floor(rng.random(len(active)) * np.maximum(counts, 1)).astype(np.int64)
        ranks = np.cumsum(valid, axis=1) - 1
        pick = np.argmax(valid & (ranks == k[:, None]), axis=1)
        chosen = cand[np.arange(len(active)), pick]
        walks[active[alive], hop] = chosen[alive]
        active = active[alive]
        if not len(active):
            break
    return walks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=10_000)
    parser.add_argument("--walks", default="10000,100000")
    parser.add_argument("--stores", default="arcadedb,neo4j")
    parser.add_argument("--pool", type=int, default=0, help="Walk a pool catalog of this size with inferred edges.")
    parser.add_argument("--batch", type=int, default=WalkConfig().batch_size, help="Walkers per hop query.")
    args = parser.parse_args()
    if args.pool:
        sigs = pool_catalog(args.pool, seed=1)
        edges = infer_edges(sigs)
    else:
        sigs = synthetic_catalog(args.functions, seed=1)
        edges = synthetic_edges(sigs, 5, seed=1)
    names = [s.name for s in sigs]
    sources = sorted({e.source for e in edges})  # walks start where an edge leaves, as `paths` does
    sizes = [int(x) for x in args.walks.split(",")]
    print(f"graph: {len(sigs):,} functions, {len(edges):,} FEEDS edges; walks of up to 7 functions, no revisits")
    results: dict[str, dict[int, float]] = {"numpy": {}}
    for n in sizes:
        starts = random.Random(n).choices(sources, k=n)
        t = time.perf_counter()
        walks = numpy_walks(names, edges, starts, 7, seed=n)
        results["numpy"][n] = n / (time.perf_counter() - t)
        assert (walks[:, 1] >= 0).mean() > 0.5
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.stores.split(","):
            results[name] = {}

            def run(uri, name=name):
                with open_store(uri, "bench-walks") as store:
                    store.clear()
                    store.load_functions(sigs)
                    store.load_edges(edges)
                    for n in sizes:
                        starts = random.Random(n).choices(sources, k=n)
                        t = time.perf_counter()
                        walked = walk_sequences(
                            store, starts, seed=n, config=WalkConfig(max_steps=7, batch_size=args.batch)
                        )
                        results[name][n] = n / (time.perf_counter() - t)
                        assert all(len(w) == len(set(w)) for w in walked)
                    store.clear()

            if name == "arcadedb":
                root = Path(tmp) / "arcadedb"
                try:
                    run(f"embedded://{root}")
                finally:
                    embedded.stop_server(root)
            else:
                from tests.servers.neo4j_server import Neo4jServer

                with Neo4jServer(Path(tmp) / "neo4j", heap="1g") as server:
                    run(server.uri)
    print(f"{'walker':<10}" + "".join(f"{f'{n:,} walks/s':>18}{'vs numpy':>10}" for n in sizes))
    for name, by_n in results.items():
        print(f"{name:<10}" + "".join(f"{by_n[n]:>18,.0f}{results['numpy'][n] / by_n[n]:>9.1f}x" for n in sizes))


if __name__ == "__main__":
    main()
