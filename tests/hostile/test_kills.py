"""Killing ``synthesize`` (SIGKILL, or SIGTERM as timeout, docker stop and Slurm send it) during the
trajectory phase leaves nothing running and nothing holding the caller's pipes, and ``--resume``
ends with the same files as a run never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import cli, rows

pytestmark = pytest.mark.slow

DATA_FILES = ("trajectories.jsonl", "dropped.jsonl", "sft.jsonl", "dpo.jsonl", "mdpo.jsonl", "sharegpt.jsonl")


def _children() -> dict[int, int]:
    """pid -> parent pid of every process (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is pending


def _drain(stream, done: threading.Event) -> None:
    while stream.read(65536):
        pass
    done.set()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_no_process_and_no_open_pipe_and_resumes_exactly(
    small_store, slow_teacher, tmp_path, signum
):
    args = ["-n", "6", "--seed", "3", "--store", small_store, "--concurrency", "2"]
    args += ["--teacher", "openai:scripted", "--base-url", slow_teacher.base_url]
    env = {**os.environ, "OPENAI_API_KEY": "test"}
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    cli("synthesize", "--out", str(whole), *args, "--cache-dir", str(tmp_path / "c1"), env=env)
    args += ["--cache-dir", str(tmp_path / "c2")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "magnet_graph.cli", "synthesize", "--out", str(cut), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    closed = [threading.Event(), threading.Event()]
    for stream, done in zip((proc.stdout, proc.stderr), closed, strict=True):
        threading.Thread(target=_drain, args=(stream, done), daemon=True).start()
    deadline, seen = time.time() + 180, set()
    while time.time() < deadline:  # the trajectory phase, with tool workers running
        seen = _descendants(proc.pid)
        if len(seen) >= 1 and (cut / "trajectories.jsonl").exists() and rows(cut / "trajectories.jsonl"):
            break
        time.sleep(0.02)
    assert seen, "no tool worker was seen"
    seen |= _descendants(proc.pid)
    os.kill(proc.pid, signum)
    time.sleep(5)
    left = sorted(p for p in seen | {proc.pid} if _alive(p))
    assert not left, f"{len(left)} processes of the run alive 5 s after {signum.name}: {left}"
    assert all(done.is_set() for done in closed), "a process still holds the CLI's stdout or stderr"
    assert proc.wait(1) in ((-signum) if signum == signal.SIGKILL else 1,)
    assert not (cut / "manifest.json").exists()
    cli("synthesize", "--out", str(cut), "--resume", *args, env=env)
    for name in DATA_FILES:
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
