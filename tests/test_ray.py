"""``synthesize --ray`` on a real two-node Ray cluster this test starts (``ray start``, one CPU slot a node):
the files are byte-identical to a local run for the same seed at any window, and a worker killed
mid-path has that path redone exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import cli, rows
from tests.openai_stub_server import ScriptedChatServer, offline_teacher_reply

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

DATA_FILES = ("paths.jsonl", "trajectories.jsonl", "dropped.jsonl", "sft.jsonl", "dpo.jsonl", "mdpo.jsonl")
CLASSES = ("bfcl:GorillaFileSystem", "bfcl:TwitterAPI", "bfcl:MathAPI")
RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head node and a worker node on this machine, one CPU slot each: its address."""
    address = f"127.0.0.1:{_free_port()}"
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    subprocess.run(
        [RAY, "start", "--head", "--port", address.split(":")[1], "--include-dashboard=false", *common],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run([RAY, "start", "--address", address, *common], check=True, capture_output=True)
        yield address
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    uri = f"embedded://{tmp_path_factory.mktemp('ray') / 'store'}"
    cli("load", *CLASSES, "--store", uri)
    yield uri
    cli("store", "stop", "--store", uri, check=False)


@pytest.fixture(scope="module")
def teacher():
    """The offline templates over real HTTP, 50 ms a reply: a path lasts long enough to kill its worker."""
    server = ScriptedChatServer(lambda request: (time.sleep(0.05), offline_teacher_reply(request))[1])
    yield server
    server.close()


def _args(store: str, teacher) -> list[str]:
    return ["-n", "4", "--seed", "5", "--store", store, "--teacher", "openai:scripted", "--base-url", teacher.base_url]


def _same_files(a: Path, b: Path) -> None:
    for name in DATA_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def local_run(store, teacher, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "run"
    env = {**os.environ, "OPENAI_API_KEY": "test"}
    cli("synthesize", "--out", str(out), *_args(store, teacher), "--cache-dir", str(out.parent / "c"), env=env)
    assert rows(out / "trajectories.jsonl"), "the local run wrote no trajectory"
    return out


@pytest.mark.parametrize("window", [1, 5])
def test_ray_writes_the_local_runs_files(cluster, store, teacher, local_run, tmp_path, window):
    out = tmp_path / "run"
    args = _args(store, teacher) + ["--concurrency", str(window), "--cache-dir", str(tmp_path / "c")]
    cli("synthesize", "--out", str(out), *args, "--ray", cluster, env={**os.environ, "OPENAI_API_KEY": "test"})
    _same_files(local_run, out)
    manifest = json.loads((out / "manifest.json").read_text())
    ray = manifest["timing"]["ray"]
    assert (ray["nodes"], ray["cpus"], ray["redone"]) == (2, 2, {})
    local = json.loads((local_run / "manifest.json").read_text())
    assert manifest["session_stats"] == local["session_stats"]  # the tasks' counts reach the driver
    assert manifest["teacher_usage"]["calls"] == local["teacher_usage"]["calls"] > 0


def _translating_workers() -> list[int]:
    """Pids of Ray workers running a path now (Ray titles a worker by its task)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"ray::translate_path"):
                found.append(int(entry.name))
    return found


def test_a_killed_workers_path_is_redone_exactly_once(cluster, store, teacher, local_run, tmp_path):
    out = tmp_path / "run"
    args = _args(store, teacher) + ["--concurrency", "2", "--cache-dir", str(tmp_path / "c"), "--ray", cluster]
    proc = subprocess.Popen(
        [sys.executable, "-m", "magnet_graph.cli", "synthesize", "--out", str(out), *args],
        env={**os.environ, "OPENAI_API_KEY": "test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[str] = []
    threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True).start()
    deadline, killed = time.time() + 240, None
    while time.time() < deadline and proc.poll() is None and killed is None:
        workers = _translating_workers()
        if workers and (out / "trajectories.jsonl").exists():  # mid-run: a path written, others running
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    assert killed is not None, "no Ray worker was seen translating a path"
    assert proc.wait(timeout=300) == 0, errors
    _same_files(local_run, out)
    ids = [r["id"] for r in rows(out / "trajectories.jsonl")] + [r["id"] for r in rows(out / "dropped.jsonl")]
    assert len(ids) == len(set(ids)) == len(rows(out / "paths.jsonl"))
    redone = json.loads((out / "manifest.json").read_text())["timing"]["ray"]["redone"]
    assert list(redone.values()) == [1], redone
