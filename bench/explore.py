"""The explorer's Graph page on big graphs: layout and figure time for synthetic catalogs of the
paper's pool size (5,011 functions) and more, against the few seconds a page may take.

    python bench/explore.py                  # 1k, 5k and 20k functions, 2 edges out of each
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from magnet_graph.explore import graph_view  # noqa: E402
from tests.catalog_factory import synthetic_catalog, synthetic_edges  # noqa: E402

LIMIT_S = 3.0  # what "a few seconds" means for one redraw of the page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="400,1000,5000,20000")
    args = parser.parse_args()
    print(f"{'functions':>9} {'edges':>6} {'layout':>8} {'figure':>8} {'total/limit':>11}  how")
    for n in (int(x) for x in args.sizes.split(",")):
        functions = synthetic_catalog(n, toolkits=49)
        view = graph_view.filter_graph(functions, synthetic_edges(functions, per_function=2))
        start = time.perf_counter()
        positions = graph_view.layout(view)
        laid = time.perf_counter() - start
        graph_view.network_figure(view, positions)
        drawn = time.perf_counter() - start - laid
        how = "spring" if n <= graph_view.SPRING_LIMIT else "clustered"
        print(f"{n:>9} {len(view.edges):>6} {laid:>7.2f}s {drawn:>7.2f}s {(laid + drawn) / LIMIT_S:>11.3f}  {how}")
    print(f"scipy imported: {'scipy' in sys.modules}")


if __name__ == "__main__":
    main()
