"""Live MCP servers as catalogs and environments: the official filesystem and memory servers (npm,
installed by `make install` into mcp_servers/) and a Python server that fails on purpose, all over
stdio, with the official SDK's client."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.environments import initial_state, open_environment
from magnet_graph.errors import CatalogError
from magnet_graph.records import Record, read_typed
from magnet_graph.store import embedded

from . import helpers

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ROOT / "examples" / "mcp" / "servers.json"
BIN = ROOT / "mcp_servers" / "node_modules" / ".bin"
FLAKY = ROOT / "tests" / "servers" / "flaky_mcp.py"

pytestmark = pytest.mark.skipif(not BIN.is_dir(), reason="make install puts the MCP servers in mcp_servers/")


@pytest.fixture
def store(tmp_path):
    """An embedded store of the test's own, stopped after it."""
    yield f"embedded://{tmp_path / 'store'}"
    embedded.stop_server((tmp_path / "store").resolve())


def cli(*args):
    return helpers.cli(*args, timeout=600)


def _pids_with(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                found.append(int(pid))
        except OSError:
            pass
    return found


def test_a_live_server_and_an_mcpservers_config_become_toolkits_that_run_for_real():
    memory = load_catalog(f"mcp:stdio:{BIN / 'mcp-server-memory'}")
    assert {s.toolkit for s in memory} == {"memory_server"}  # the name the server gives itself
    assert {"create_entities", "add_observations", "read_graph"} <= {s.name for s in memory}
    both = load_catalog(f"mcp:{SERVERS}")
    assert {s.toolkit for s in both} == {"files", "memory"}
    assert all(s.execution["kind"] == "mcp" for s in both)
    files = [s for s in both if s.toolkit == "files"]
    env = open_environment(files)
    try:
        env.reset(initial_state(files, 0))
        ok, listing = env.call("list_directory", {"path": "projects/atlas"})
        assert ok and "[FILE] plan.md" in listing["content"]
        ok, error = env.call("read_text_file", {"path": "/etc/passwd"})
        assert not ok and "outside allowed directories" in error  # the sandbox is the server's whole world
        before = env.state_hash()
        env.checkpoint()
        assert env.call("write_file", {"path": "notes/new.md", "content": "hello"})[0]
        assert env.state_hash() != before
        env.rollback()
        assert env.state_hash() == before
        assert not env.call("read_text_file", {"path": "notes/new.md"})[0]
    finally:
        env.close()


def test_two_environments_from_one_state_at_once_keep_apart_and_say_the_same_paths():
    """GRPO runs several rollouts of a task at once, all from its state: each server gets a directory
    of its own, yet every answer names the state's directory, as a replay from that state would."""
    files = [s for s in load_catalog(f"mcp:{SERVERS}") if s.toolkit == "files"]
    state = initial_state(files, 7)
    first, second = open_environment(files), open_environment(files)
    try:
        first.reset(state)
        second.reset(state)  # while the first still holds the state's directory
        allowed = [env.call("list_allowed_directories", {}) for env in (first, second)]
        assert allowed[0] == allowed[1] and allowed[0][0]
        named = allowed[0][1]["content"].splitlines()[-1]
        assert named.endswith(f"{state['files']['sandbox']}/files")
        assert first.call("write_file", {"path": f"{named}/notes/first.md", "content": "one"})[0]
        assert second.call("write_file", {"path": "notes/second.md", "content": "two"})[0]
        ok, found = second.call("search_files", {"path": named, "pattern": "**/second.md"})
        assert ok and found["content"] == f"{named}/notes/second.md"  # its own file, under the named path
        assert not second.call("read_text_file", {"path": "notes/first.md"})[0]
        assert first.call("read_text_file", {"path": "notes/first.md"}) == (True, {"content": "one"})
        assert first.state_hash() != second.state_hash()
    finally:
        first.close()
        second.close()


def test_bad_mcp_sources_name_what_is_wrong(tmp_path):
    config = tmp_path / "servers.json"
    config.write_text(json.dumps({"mcpServers": {"a": {"args": []}, "b": {"command": "x", "env": {"K": 1}}}}))
    with pytest.raises(CatalogError) as caught:
        load_catalog(f"mcp:{config}")
    assert "mcpServers.a: give exactly one of command" in str(caught.value)
    assert "mcpServers.b.env" in str(caught.value)  # every problem at once
    with pytest.raises(CatalogError, match="did not start"):
        load_catalog(f"mcp:stdio:{tmp_path / 'no-such-server'}")


def test_a_hung_crashed_or_killed_server_costs_one_call_and_its_state_is_replayed(tmp_path, monkeypatch):
    from magnet_graph.integrations import toolkit_backend
    from magnet_graph.mcp.toolkit import KIND

    monkeypatch.setattr(toolkit_backend(KIND), "call_timeout", 3.0)  # the toolkit's factory takes it to the worker
    marker = f"--marker={tmp_path.name}"
    sigs = load_catalog(f"mcp:stdio:{sys.executable} {FLAKY} {marker}")
    env = open_environment(sigs, output_cap=2000, log_path=str(tmp_path / "stderr.log"))
    try:
        env.reset(initial_state(sigs, 0))
        assert env.call("add", {"amount": 5}) == (True, {"total": 5})
        env.checkpoint()
        env.call("add", {"amount": 100})
        env.rollback()  # a server whose state is its transcript: restarted and replayed
        assert env.call("total", {}) == (True, {"total": 5})
        started = time.time()
        ok, error = env.call("hang", {"seconds": 600})
        assert not ok and "no answer within 3s" in error and time.time() - started < 10
        assert env.call("total", {}) == (True, {"total": 5})
        ok, error = env.call("crash", {})
        assert not ok
        assert env.call("total", {}) == (True, {"total": 5})
        (pid,) = [p for p in _pids_with(marker) if p != os.getpid()]
        os.kill(pid, signal.SIGKILL)  # kill -9 from outside
        assert not env.call("add", {"amount": 1})[0]  # that call is lost
        assert env.call("add", {"amount": 1}) == (True, {"total": 6})
        assert env.call("garbage", {}) == (True, {"result": "after garbage"})  # a stray line on stdout
        ok, error = env.call("huge", {"size": 10_000})
        assert not ok and "exceeds the cap" in error
        ok, error = env.call("fail", {"reason": "nope"})
        assert not ok and "ToolError" in error
    finally:
        env.close()
    time.sleep(0.5)
    assert [p for p in _pids_with(marker) if p != os.getpid()] == []  # nothing left running
    assert "flaky server starting" in (tmp_path / "stderr.log").read_text()  # the server's stderr is kept


def test_synthesize_on_live_filesystem_and_memory_servers_writes_only_real_outputs(store, tmp_path):
    out = tmp_path / "run"
    cli("synthesize", "--catalog", f"mcp:{SERVERS}", "-n", "8", "--seed", "0", "--out", str(out), "--store", store)
    records = list(read_typed(out / "trajectories.jsonl", Record))
    report = json.loads((out / "report.json").read_text())
    multi = [r for r in records if r.kind == "multi_turn"]
    assert len(multi) >= 5 and report["counts"]["simulated_records"] == 0
    assert report["executability"]["executed_ok"] == report["executability"]["reference_calls"] > 0
    assert all(r.lineage.environment == "mcp" for r in records)
    assert not any('"simulated"' in (m.content or "") for r in records for m in r.messages)
    assert len(Path(out / "sft.jsonl").read_text().splitlines()) == len(records)
    # on each server, some later call takes a value an earlier call returned (a chain, not a list)
    toolkit = {s.name: s.toolkit for s in load_catalog(f"mcp:{SERVERS}")}
    chained = {toolkit[b.name] for r in multi for a, b in _fed_pairs(r) if toolkit[a.name] == toolkit[b.name]}
    assert chained == set(toolkit.values())
    # every record replays on fresh servers to the state it recorded
    sigs = {s.name: s for s in load_catalog(f"mcp:{SERVERS}")}
    for r in multi[:4]:
        env = open_environment([sigs[t.name] for t in r.tools])
        try:
            env.reset(r.initial_state)
            for turn in r.turns:
                for step, outputs in zip(turn.calls, turn.outputs, strict=True):
                    for call, output in zip(step, outputs, strict=True):
                        assert env.call(call.name, dict(call.arguments)) == (True, output)
            assert env.state_hash() == r.turns[-1].state_hash
        finally:
            env.close()
    assert "servers.stderr.log" in json.loads((out / "manifest.json").read_text())["files"]


def _fed_pairs(record: Record):
    """(earlier call, later call) of one server where a string argument of the later one (a path,
    an entity name) occurs in the earlier one's output."""
    done: list[tuple] = []  # (call, its output as text)
    for turn in record.turns:
        for step, outputs in zip(turn.calls, turn.outputs, strict=True):
            for call, output in zip(step, outputs, strict=True):
                values = [v for v in _strings(call.arguments) if len(v) > 3]
                for earlier, text in done:
                    if earlier.name != call.name and any(v in text for v in values):
                        yield earlier, call
                done.append((call, json.dumps(output)))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in _strings(v)] if isinstance(value, (list, tuple)) else []


def test_simulated_records_stay_out_of_training_files_unless_allowed(store, tmp_path):
    catalog = ROOT / "tests" / "fixtures" / "mcp_servers" / "memory.tools.json"  # a saved listing: no server
    args = ["--catalog", str(catalog), "-n", "3", "--seed", "0", "--store", store]
    result = cli("synthesize", "--out", str(tmp_path / "a"), *args)
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["counts"]["records"] == report["counts"]["simulated_records"] > 0
    assert (tmp_path / "a" / "sft.jsonl").read_text() == ""
    assert "--allow-simulated" in result.stdout + result.stderr
    cli("synthesize", "--out", str(tmp_path / "b"), *args, "--allow-simulated")
    assert len((tmp_path / "b" / "sft.jsonl").read_text().splitlines()) == report["counts"]["records"]


def test_a_server_killed_mid_run_costs_one_conversation_and_a_killed_run_resumes_exactly_once(store, tmp_path):
    """kill -9 of a live server during synthesize, then kill -9 of synthesize itself, then --resume:
    every path ends once, and every conversation but the one that lost its call is byte-identical
    to an uninterrupted run's."""
    args = ["--catalog", f"mcp:{SERVERS}", "-n", "3", "--seed", "0", "--store", store, "--concurrency", "2"]
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    cli("synthesize", "--out", str(whole), *args)
    proc = subprocess.Popen(
        [sys.executable, "-m", "magnet_graph.cli", "synthesize", "--out", str(cut), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def written() -> int:
        path = cut / "trajectories.jsonl"
        return len(path.read_text().splitlines()) if path.exists() else 0

    deadline = time.time() + 120
    servers = []
    while time.time() < deadline and not servers:
        servers = [p for p in _pids_with("/magnet-graph-mcp/files-") if p != os.getpid()]  # a filesystem server
        time.sleep(0.02)
    assert servers
    os.kill(servers[0], signal.SIGKILL)
    while time.time() < deadline and written() < 2:
        time.sleep(0.05)
    for pid in [proc.pid, *(p for p in _pids_with(str(cut)) if p != os.getpid())]:  # the CLI and its workers
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()
    assert written() >= 2 and not (cut / "manifest.json").exists()
    cli("synthesize", "--out", str(cut), "--resume", *args)

    def by_id(run: Path, name: str) -> dict[str, str]:
        path = run / name
        lines = path.read_text().splitlines() if path.exists() else []
        ids = [json.loads(line)["id"] for line in lines]
        assert len(ids) == len(set(ids)), f"{name}: duplicates"
        return dict(zip(ids, lines, strict=True))

    paths = len((whole / "paths.jsonl").read_text().splitlines())
    ended = {**by_id(cut, "trajectories.jsonl"), **by_id(cut, "dropped.jsonl")}
    reference = {**by_id(whole, "trajectories.jsonl"), **by_id(whole, "dropped.jsonl")}
    assert len(ended) == len(reference) == paths  # every path ended exactly once
    differing = [i for i in reference if ended[i] != reference[i]]
    assert len(differing) <= 1, differing
