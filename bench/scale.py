"""Scale: load, edge inference and `paths -n 1000` on pools of 1k / 5k / 50k functions.

The catalogs come from ``tests.catalog_factory.pool_catalog``: toolkits of everyday size (3-200
tools, median ~12) in the Magnet paper's 49 categories, typed outputs, entity fields recurring
across toolkits. Each size runs in its own process on a fresh store with nothing set (the default
embedded ArcadeDB unless --store names another), so its peak RSS is its own. Prints per size:
seconds for writing the functions, inferring and storing edges, and walking 1,000 paths; the
client's and the graph server's peak RSS; edges; then growth exponents between sizes
(1.0 = linear, 2.0 = all pairs) and each figure against the issue's targets. Then catalogs nobody
here wrote are added to each pool (``ADDED``: the official MCP memory and filesystem servers'
tools, tau2-bench's telecom tools over their database, a messy OpenAI tools file): seconds for the
incremental link against inferring the whole graph again, and, up to 5,000 functions, how many
edges the two agree on.

    python bench/scale.py                          # 1,000, 5,000 and 50,000 functions
    python bench/scale.py --sizes 1000,5000 --toolkit-size 1000   # one file = one big toolkit
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADDED = [
    "tests/fixtures/mcp_servers/memory.tools.json",
    "tests/fixtures/mcp_servers/filesystem.tools.json",
    "python:tests.fixtures.tau2_telecom.tools:TelecomTools",
    "tests/fixtures/messy_catalog.json",
]
TARGETS = {"edges_minutes_50k": 30.0, "rss_gb_50k": 8.0, "exponent": 1.3, "paths_seconds_50k": 60.0}


def one(n: int, store_uri: str | None, toolkit_size: int | None) -> dict:
    """Figures for one size, in this process."""
    from magnet_graph import api
    from magnet_graph.catalogs import load_catalogs
    from magnet_graph.config import LinkConfig, PathConfig
    from magnet_graph.store import embedded
    from tests.catalog_factory import pool_catalog

    sigs = pool_catalog(n, seed=1, toolkit_size=toolkit_size)
    with tempfile.TemporaryDirectory() as tmp:
        uri = store_uri or f"embedded://{tmp}/store"
        try:
            with api.open_store(uri, graph=f"scale{n}") as store:
                store.clear()
                store.ensure_schema()
                start = time.perf_counter()
                store.load_functions(sigs)
                load_s = time.perf_counter() - start
                start = time.perf_counter()
                report = api.infer_edges(store)
                edges_s = time.perf_counter() - start
                start = time.perf_counter()
                paths = api.sample_paths(store, PathConfig(n=1000, seed=0), save=False)
                paths_s = time.perf_counter() - start
                added = load_catalogs([str(ROOT / a) if a.endswith(".json") else a for a in ADDED])
                store.load_functions(added)
                start = time.perf_counter()
                update = api.infer_edges(store)
                added_s = time.perf_counter() - start
                compare = n <= 5000  # listing 800k edges with their evidence would dominate the client's RSS
                incremental = _edge_keys(store) if compare else set()
                start = time.perf_counter()
                api.infer_edges(store, LinkConfig(full=True))
                full_s = time.perf_counter() - start
                full = _edge_keys(store) if compare else set()
                server_rss = _server_rss(Path(tmp) / "store") if store_uri is None else 0.0
                store.clear()
        finally:
            if store_uri is None:
                embedded.stop_server(Path(tmp) / "store")
    return {
        "functions": n,
        "toolkits": len({s.toolkit for s in sigs}),
        "load_s": load_s,
        "edges_s": edges_s,
        "paths_s": paths_s,
        "paths": len(paths),
        "edges": report.edges,
        "candidates": report.candidates,
        "added_functions": update.changed,
        "added_s": added_s,
        "full_s": full_s,
        "agreement": len(incremental & full) / len(incremental | full) if compare else None,
        "client_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "server_rss_gb": server_rss,
    }


def _edge_keys(store) -> set[tuple[str, str, str, str]]:
    return {(e.source, e.target, e.source_field, e.target_param) for e in store.edges()}


def _server_rss(root: Path) -> float:
    """The embedded server's peak RSS (VmHWM), in GiB."""
    try:
        pid = int((root / "server.pid").read_text().strip())
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    except (OSError, ValueError):
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,50000", help="Catalog sizes, comma-separated.")
    parser.add_argument("--store", default=None, help="A store URI (bolt://...) instead of the embedded default.")
    parser.add_argument("--toolkit-size", type=int, default=None, help="Every toolkit this big (default: a pool).")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.store, args.toolkit_size)))
        return
    env = {k: v for k, v in os.environ.items() if k != "MAGNET_GRAPH_EMBEDDED_HEAP"}  # nothing set
    rows = []
    print(
        f"{'functions':>10} {'toolkits':>8} {'load s':>8} {'edges s':>8} {'paths s':>8} {'edges':>10} "
        f"{'client GB':>9} {'server GB':>9}"
    )
    for n in (int(x) for x in args.sizes.split(",")):
        command = [sys.executable, __file__, "--one", str(n)]
        command += ["--store", args.store] if args.store else []
        command += ["--toolkit-size", str(args.toolkit_size)] if args.toolkit_size else []
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode:
            print(f"{n:>10} failed (exit {done.returncode}): {(done.stderr.strip().splitlines() or [''])[-1]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(
            f"{n:>10,} {r['toolkits']:>8,} {r['load_s']:>8.1f} {r['edges_s']:>8.1f} {r['paths_s']:>8.1f} "
            f"{r['edges']:>10,} {r['client_rss_gb']:>9.2f} {r['server_rss_gb']:>9.2f}",
            flush=True,
        )
    for a, b in zip(rows, rows[1:]):
        ratio = math.log(b["functions"] / a["functions"])
        exps = {k: math.log(max(b[k], 1e-3) / max(a[k], 1e-3)) / ratio for k in ("load_s", "edges_s", "paths_s")}
        print(
            f"growth exponents {a['functions']:,} -> {b['functions']:,}: "
            + ", ".join(f"{k[:-2]} {v:.2f}" for k, v in exps.items())
            + f" (edge inference target <= {TARGETS['exponent']})"
        )
    big = next((r for r in rows if r["functions"] >= 50_000), None)
    if big:
        rss = max(big["client_rss_gb"], big["server_rss_gb"])
        print(
            f"50k: load + edges {(big['load_s'] + big['edges_s']) / 60:.1f} min = "
            f"{(big['load_s'] + big['edges_s']) / 60 / TARGETS['edges_minutes_50k']:.2f} of the 30 min limit; "
            f"peak RSS {rss:.2f} GB = {rss / TARGETS['rss_gb_50k']:.2f} of 8 GB; "
            f"paths -n 1000 {big['paths_s']:.0f}s = {big['paths_s'] / TARGETS['paths_seconds_50k']:.2f} of 60 s"
        )
    for r in rows:
        agreement = f"{r['agreement']:.4f} of edges agree" if r["agreement"] is not None else "agreement not listed"
        print(
            f"adding {r['added_functions']} functions to {r['functions']:,}: incremental link {r['added_s']:.1f}s, "
            f"whole graph again {r['full_s']:.1f}s (ratio {r['added_s'] / r['full_s']:.2f}); {agreement}"
        )


if __name__ == "__main__":
    main()
