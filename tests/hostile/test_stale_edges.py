"""A load killed between writing functions and inferring edges leaves a graph whose edges do not
match its functions; the store's edge-inference marker says so and ``synthesize --catalog``
infers them again instead of walking the stale ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from magnet_graph.store import open_store
from tests.helpers import cli

pytestmark = pytest.mark.slow

FIRST, SECOND = "bfcl:MathAPI", "bfcl:GorillaFileSystem"


def _stats(store: str, graph: str) -> dict:
    return json.loads(cli("graph", "stats", "--json", "--store", store, "--graph", graph).stdout)


def _kill_once_functions_are_in(store: str, graph: str, want: int) -> None:
    """Start ``load FIRST SECOND`` and SIGKILL it as soon as the graph holds ``want`` functions."""
    load = subprocess.Popen(
        [sys.executable, "-m", "magnet_graph.cli", "load", FIRST, SECOND, "--store", store, "--graph", graph],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    with open_store(store, graph) as handle:
        deadline = time.monotonic() + 120
        while handle.stats()["functions"] < want and load.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    os.killpg(load.pid, signal.SIGKILL)
    load.wait()


def test_synthesize_with_catalogs_reinfers_the_edges_a_killed_load_never_wrote(small_store, tmp_path):
    clean = "stale-clean"
    cli("load", FIRST, SECOND, "--store", small_store, "--graph", clean)
    want = _stats(small_store, clean)
    graph = "stale-cut"
    cli("load", FIRST, "--store", small_store, "--graph", graph)
    before = _stats(small_store, graph)["edges"]
    _kill_once_functions_are_in(small_store, graph, want["functions"])
    with open_store(small_store, graph) as handle:
        assert handle.stats()["functions"] == want["functions"]
        stale = handle.edges_stale()
    assert "changed since" in stale, "the load finished before the kill: the test no longer cuts it short"
    assert _stats(small_store, graph)["edges"] == before  # stale: only the first catalog's edges
    run = cli("synthesize", "--catalog", FIRST, "--catalog", SECOND, "-n", "3", "--seed", "1",
              "--out", str(tmp_path / "run"), "--store", small_store, "--graph", graph)  # fmt: skip
    assert f"inferring edges of graph '{graph}'" in run.stderr and "changed since" in run.stderr
    assert _stats(small_store, graph)["edges"] == want["edges"] > before
    again = cli("synthesize", "--catalog", FIRST, "--catalog", SECOND, "-n", "3", "--seed", "1",
                "--out", str(tmp_path / "again"), "--store", small_store, "--graph", graph)  # fmt: skip
    assert "inferring edges" not in again.stderr  # fresh now: nothing to do


def test_a_graph_loaded_without_edges_is_marked_never_inferred(small_store):
    graph = "stale-none"
    cli("load", FIRST, "--no-edges", "--store", small_store, "--graph", graph)
    with open_store(small_store, graph) as handle:
        assert "never inferred" in handle.edges_stale()
        listed = cli("edges", "--store", small_store, "--graph", graph)
        assert "warning: the edges of graph 'stale-none' are stale" in listed.stderr and "--infer" in listed.stderr
        cli("edges", "--infer", "--store", small_store, "--graph", graph)
        assert handle.edges_stale() == ""
        handle.clear()
        assert "never inferred" in handle.edges_stale()  # clearing a graph removes its marker too
