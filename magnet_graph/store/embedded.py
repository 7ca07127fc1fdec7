"""Client side of the embedded store: find the store's running server, or start one.

One server process per store folder serves every magnet-graph process that opens it; a spawn lock
makes racing processes share one server, and the server's own lock on ``server.pid`` tells a live
server from a stale ``server.json`` left by a crash. See ``embedded_server`` for the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..errors import StoreError, without_secrets

DEFAULT_ROOT = Path(".magnet-graph")


def server_state(root: Path) -> dict | str:
    """``"stopped"``, ``"starting"``, or the running server's connection info."""
    pid_path = root / "server.pid"
    if not pid_path.exists():
        return "stopped"
    with open(pid_path) as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # the server holds it: alive
        else:
            return "stopped"
    try:
        info = json.loads((root / "server.json").read_text())
        owner = int(pid_path.read_text().strip() or 0)
    except (FileNotFoundError, json.JSONDecodeError, ValueError):
        return "starting"
    return info if info.get("pid") == owner else "starting"


def ensure_server(root: Path, timeout: float = 120.0) -> dict:
    """Return connection info for the server of ``root``, starting it if none runs."""
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    with _spawn_lock(root):
        proc = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = server_state(root)
            if isinstance(state, dict):
                touch(root)
                return state
            if state == "stopped":  # none yet, or one that was shutting down as we arrived
                if proc is not None and proc.poll() is not None:
                    raise StoreError(
                        f"embedded store {root} failed to start (exit {proc.returncode}): {_last_line(root)}"
                    )
                if proc is None:
                    proc = _spawn(root)
            time.sleep(0.2)
        raise StoreError(f"embedded store {root} did not start within {timeout:.0f}s: {_last_line(root)}")


def _spawn(root: Path) -> subprocess.Popen:
    with open(root / "server.log", "ab") as log:
        # cwd=root: ArcadeDB writes its log/ folder into the working directory
        return subprocess.Popen(
            [sys.executable, "-m", "magnet_graph.store.embedded_server", str(root)],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=without_secrets(dict(os.environ)),  # the graph server outlives the command; it needs no API key
        )


def stop_server(root: Path, timeout: float = 60.0) -> bool:
    """Stop the server of ``root`` cleanly; False if none was running."""
    root = root.resolve()
    if server_state(root) == "stopped":
        return False
    pid = int((root / "server.pid").read_text().strip())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while server_state(root) != "stopped":
        if time.monotonic() > deadline:
            raise StoreError(f"embedded store {root}: server pid {pid} did not stop within {timeout:.0f}s")
        time.sleep(0.2)
    return True


def touch(root: Path) -> None:
    """Tell the server a client is active (it stops itself after an idle timeout)."""
    with contextlib.suppress(OSError):
        os.utime(root / "heartbeat")


@contextlib.contextmanager
def _spawn_lock(root: Path):
    with open(root / "spawn.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _last_line(root: Path) -> str:
    try:
        lines = [line for line in (root / "server.log").read_text(errors="replace").splitlines() if line.strip()]
    except FileNotFoundError:
        return "no log"
    return f"{lines[-1].strip()[:300]} (log: {root / 'server.log'})" if lines else "empty log"
