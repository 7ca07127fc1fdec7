"""`eval bfcl` over BFCL's whole suite against local scripted endpoints: time, calls/s and accuracy.

    python bench/eval_bfcl.py                       # oracle, never-calls and random, all categories
    python bench/eval_bfcl.py --models oracle --concurrency 8 --limit 20

Each model is a local OpenAI-compatible server (tests/bfcl_endpoints.py) that answers at once, so the
time is the harness's own: inference protocol, execution of multi-turn calls, and BFCL's scoring.
Prints, per model, the run's time and requests per second, each category's accuracy with its ratio
to the issue's target (oracle: 0.99; never-calls: 0 outside irrelevance; random: near 0), and BFCL's
overall figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import magnet_graph as mg  # noqa: E402
from magnet_graph.bfcl.categories import RUNNABLE  # noqa: E402
from tests.bfcl_endpoints import oracle, random_caller, silent  # noqa: E402
from tests.openai_stub_server import ScriptedChatServer  # noqa: E402

ORACLE_TARGET = 0.99


def run(kind: str, limit: int | None, concurrency: int, out: Path) -> dict:
    reply = {"oracle": lambda: oracle(RUNNABLE, limit), "never_calls": lambda: silent, "random": random_caller}[kind]()
    server = ScriptedChatServer(reply)
    start = time.monotonic()
    try:
        summary = mg.evaluate_bfcl(
            kind, base_url=server.base_url, categories=["all"], out=out / kind, limit=limit, concurrency=concurrency
        )
    finally:
        server.close()
    summary["wall_s"] = time.monotonic() - start
    return summary


def report(kind: str, summary: dict) -> None:
    timing = summary["timing"]
    print(
        f"\n{kind}: {timing['requests']} requests in {timing['seconds']:.1f} s inference "
        f"({timing['requests_per_s']:.0f}/s at concurrency {timing['concurrency']}), {summary['wall_s']:.1f} s "
        f"with BFCL's scoring; overall {summary['overall']:.4f} (BFCL), "
        f"{summary['overall_without_agentic']:.4f} without agentic"
    )
    for category, score in sorted(summary["categories"].items()):
        line = f"  {category:26s} {score['correct']:5d}/{score['total']:<5d} {score['accuracy']:.4f}"
        if kind == "oracle":
            line += f"  ratio to {ORACLE_TARGET}: {score['accuracy'] / ORACLE_TARGET:.3f}"
        if score["errors"] and kind == "oracle":
            line += f"  {score['errors']}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="oracle,never_calls,random")
    parser.add_argument("--limit", type=int, default=None, help="First N entries of each category.")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        for kind in args.models.split(","):
            report(kind, run(kind, args.limit, args.concurrency, Path(root)))


if __name__ == "__main__":
    main()
