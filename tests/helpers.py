"""Helpers several test modules share: the CLI as a subprocess, JSONL rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def cli(*args, env=None, check=True, timeout=600, cwd=None) -> subprocess.CompletedProcess:
    """Run ``magnet-graph ARGS`` as users do; with ``check``, a non-zero exit fails with its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "magnet_graph.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{args}: rc {done.returncode}: {done.stderr}")
    return done


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line]


def synthesize_run(folder: Path, n: int, seed: int) -> Path:
    """A real `magnet-graph synthesize` run (BFCL, embedded store in ``folder``, offline teacher); its directory."""
    store = f"embedded://{folder / 'store'}"
    cli(
        "synthesize",
        "--catalog",
        "bfcl",
        "-n",
        str(n),
        "--seed",
        str(seed),
        "--out",
        str(folder / "run"),
        "--store",
        store,
    )
    cli("store", "stop", "--store", store, check=False)
    return folder / "run"
