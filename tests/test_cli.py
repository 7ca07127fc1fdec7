"""The magnet-graph command as users run it: subprocesses, a fresh store folder, real servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from magnet_graph.store import embedded

from . import helpers
from .conftest import FIXTURES

pytestmark = pytest.mark.slow  # the whole module: the CLI as users run it, one process and often one server per call


def cli(*args, cwd=None, env=None):
    return helpers.cli(*args, cwd=cwd, env=env, check=False, timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A fresh folder: the default store ./.magnet-graph is created on first use."""
    path = tmp_path_factory.mktemp("cli")
    yield path
    embedded.stop_server((path / ".magnet-graph").resolve())


def stats(workdir, *extra):
    result = cli("graph", "stats", "--json", *extra, cwd=workdir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_load_bfcl_then_stats_on_a_fresh_default_store(workdir):
    first = cli("load", "bfcl", cwd=workdir)
    assert first.returncode == 0, first.stderr
    assert "loaded 128 functions (128 new), 185 parameters, 196 response fields" in first.stdout
    assert (workdir / ".magnet-graph" / "server.json").exists()
    before = stats(workdir)
    assert (before["functions"], before["parameters"]) == (128, 185)
    assert before["response_fields"] > 196  # the declared ones and those learned by running the tools
    assert before["edges"] > 300 and "inferred" in first.stdout
    again = cli("load", "bfcl", cwd=workdir)
    assert "(0 new)" in again.stdout
    assert stats(workdir) == before
    table = cli("graph", "stats", cwd=workdir).stdout
    assert "functions" in table and "GorillaFileSystem" in table


def test_a_rejected_catalog_writes_nothing_and_says_one_line(workdir, tmp_path):
    before = stats(workdir)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {"name": "ok", "parameters": {}},
                {"name": "broken", "parameters": {"type": "object", "properties": {"x": {"type": "blob"}}}},
            ]
        )
    )
    result = cli("load", str(FIXTURES / "openai_tools.json"), str(bad), cwd=workdir)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"error: catalog rejected: {bad}: function 'broken': field 'parameters.properties.x.type'"
    )
    assert stats(workdir) == before


def test_a_catalog_without_outputs_warns_and_synthesize_says_why(workdir):
    """No output schema and nothing to run: exit 0, one warning line; synthesize says no multi-turn."""
    loaded = cli("load", str(FIXTURES / "openai_bare.jsonl"), "--graph", "bare", cwd=workdir)
    assert loaded.returncode == 0, loaded.stderr
    warnings = [line for line in loaded.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "no multi-turn paths can come from it" in warnings[0]
    run = cli("synthesize", "-n", "4", "--seed", "0", "--graph", "bare", "--out", "bare-out", cwd=workdir)
    assert "wrote no multi-turn conversations" in run.stderr and "no dependency edges" in run.stderr, run.stderr


def test_graph_partitions_and_clear(workdir):
    assert cli("load", str(FIXTURES / "mcp_tools_list.json"), "--graph", "mcp", cwd=workdir).returncode == 0
    assert stats(workdir, "--graph", "mcp")["functions"] == 3
    cleared = cli("graph", "clear", "--graph", "mcp", "--yes", cwd=workdir)
    assert cleared.returncode == 0 and "cleared graph 'mcp'" in cleared.stdout
    assert stats(workdir, "--graph", "mcp")["functions"] == 0
    assert stats(workdir)["functions"] == 128
    refused = subprocess.run(
        [sys.executable, "-m", "magnet_graph.cli", "graph", "clear"],
        input="n\n",
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    assert refused.returncode == 1 and stats(workdir)["functions"] == 128


def test_store_status_and_stop(workdir):
    assert cli("store", "status", cwd=workdir).stdout.startswith("running pid ")
    assert cli("store", "stop", cwd=workdir).stdout.strip() == "stopped"
    assert cli("store", "status", cwd=workdir).stdout.strip() == "stopped"
    assert stats(workdir)["functions"] == 128  # started again on demand, data kept


def test_neo4j_uri_from_the_command_line(neo4j_uri, graph_name):
    result = cli("load", "bfcl:TradingBot", "--store", neo4j_uri, "--graph", graph_name)
    assert result.returncode == 0, result.stderr
    data = json.loads(cli("graph", "stats", "--json", "--store", neo4j_uri, "--graph", graph_name).stdout)
    assert (data["functions"], data["store"]) == (20, neo4j_uri)
    cli("graph", "clear", "--yes", "--store", neo4j_uri, "--graph", graph_name)


@pytest.mark.parametrize(
    "args, message",
    [
        (["graph", "stats", "--store", "bolt://127.0.0.1:1"], "error: cannot reach graph store bolt://127.0.0.1:1"),
        (["graph", "stats", "--store", "postgres://db"], "error: unknown store URI 'postgres://db'"),
        (["load", "python:nope.module:Thing", "--store", "bolt://127.0.0.1:1"], "error: catalog rejected: python:nope"),
        (
            ["load", "bfcl", "--batch-size", "0", "--store", "bolt://127.0.0.1:1"],
            "error: Invalid value for '--batch-size'",
        ),
        (["lod", "bfcl"], "error: No such command 'lod'"),
        (["graph", "stats", "--frobnicate"], "error: No such option '--frobnicate'"),
    ],
)
def test_errors_are_one_line_with_exit_code_1(args, message):
    result = cli(*args)
    assert result.returncode == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = cli("--debug", "graph", "stats", "--store", "postgres://db")
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.parametrize("command", [["--help"], ["train", "--help"], ["train", "mdpo", "--help"]])
def test_help_imports_no_driver_engine_or_torch(command):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "magnet_graph.cli", *command], capture_output=True, text=True
    )
    assert result.returncode == 0 and "Usage:" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "click" in imported  # the import list was captured
    assert not {"neo4j", "arcadedb_embedded", "torch", "transformers", "trl", "jsonschema"} & imported


def test_a_run_that_writes_nothing_exits_1_with_its_top_reasons(workdir):
    """Every tool refuses: the run's files are still written, the summary says why, exit 1."""
    catalog = "python:tests.fixtures.sample_tools:Closed"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # the fixture's package
    assert cli("load", catalog, "--graph", "closed", cwd=workdir, env=env).returncode == 0
    run = cli("synthesize", "-n", "3", "--seed", "0", "--graph", "closed", "--out", "closed-out", cwd=workdir, env=env)
    assert run.returncode == 1, run.stderr
    failure = [line for line in run.stderr.splitlines() if line.startswith("error: wrote no trajectories")]
    assert len(failure) == 1 and "top reasons: translate:plan_failed (" in failure[0], run.stderr
    report = json.loads((workdir / "closed-out" / "report.json").read_text())
    assert report["counts"]["records"] == 0 and report["failure"] == failure[0]
