"""Executor throughput: calls/s through the executor (parse or structured, schema check, worker
process round trip) against calling the same BFCL methods directly, in one run.

    python bench/execute.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BFCL_PROJECT_ROOT", tempfile.mkdtemp())
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.environments import initial_state, open_environment  # noqa: E402
from magnet_graph.environments.toolkit import ClassToolkit  # noqa: E402
from magnet_graph.execution import Executor, parse_call  # noqa: E402

CALLS = [
    ("add", {"a": 3, "b": 4}, "add(a=3, b=4)"),
    ("pwd", {}, "pwd()"),
    ("ls", {}, "ls()"),
    ("mean", {"numbers": [1.0, 2.0, 3.5]}, "mean(numbers=[1.0, 2.0, 3.5])"),
]


def rate(fn, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    n = parser.parse_args().calls
    sigs = load_catalog("bfcl:MathAPI") + load_catalog("bfcl:GorillaFileSystem")
    state = initial_state(sigs, seed=1)

    toolkit = ClassToolkit(sigs)
    toolkit.reset(state)
    direct = rate(lambda i: toolkit.invoke(CALLS[i % 4][0], CALLS[i % 4][1]), n)
    names = {s.name: list(s.parameters["properties"]) for s in sigs}
    parse_only = rate(lambda i: parse_call(CALLS[i % 4][2], names), n)

    env = open_environment(sigs)
    env.reset(state)
    executor = Executor(env)
    try:
        structured = rate(lambda i: executor.execute({"name": CALLS[i % 4][0], "arguments": CALLS[i % 4][1]}), n)
        strings = rate(lambda i: executor.execute(CALLS[i % 4][2]), n)
        assert all(executor.execute(c[2]).ok for c in CALLS)
    finally:
        env.close()
    print(f"{n:,} calls each, cycling add / pwd / ls / mean on BFCL backends in a generated state")
    for label, value in [
        ("direct method calls", direct),
        ("parse only (ast, no run)", parse_only),
        ("executor, structured calls", structured),
        ("executor, call strings", strings),
    ]:
        print(f"  {label:<28}{value:>12,.0f} calls/s   {direct / value:>7.1f}x slower than direct")


if __name__ == "__main__":
    main()
