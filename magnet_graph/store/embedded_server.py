"""The embedded store's server process: ArcadeDB with its Bolt plugin on a loopback port.

Started by :func:`magnet_graph.store.embedded.ensure_server` as ``python -m
magnet_graph.store.embedded_server ROOT``; not meant to be run by hand. It holds an exclusive lock
on ``ROOT/server.pid`` for its whole life (so liveness never depends on pid reuse), publishes
``ROOT/server.json`` once Bolt answers, and shuts ArcadeDB down cleanly on SIGTERM/SIGINT or after
``MAGNET_GRAPH_IDLE_TIMEOUT`` seconds (default 1800) without a client touching ``ROOT/heartbeat``.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
from pathlib import Path

DATABASE = "magnet"
USER = "root"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _password(root: Path) -> str:
    """The root password, made once: ArcadeDB keeps the one it was first created with."""
    path = root / "credentials"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(18)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


HEAP_SETTING = "MAGNET_GRAPH_EMBEDDED_HEAP"


def heap_size() -> str:
    """The JVM heap: ``MAGNET_GRAPH_EMBEDDED_HEAP`` if set, else a quarter of the machine's memory
    between 1 and 16 GiB. ArcadeDB gives half of it to query buffers (ORDER BY, GROUP BY, collect),
    so a 24 GiB machine gets 6 GiB and 3 GiB of query budget: a 5,000-function pool's walks and
    edge listing fit; a 1 GiB heap's 512 MB did not."""
    chosen = os.environ.get(HEAP_SETTING, "").strip()
    if chosen:
        return chosen
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return "1g"
    return f"{min(max(total // 4 // 2**30, 1), 16)}g"


def serve(root: Path) -> int:
    stop = threading.Event()  # handlers first: a stop asked for during start-up is honoured
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    idle_timeout = float(os.environ.get("MAGNET_GRAPH_IDLE_TIMEOUT", "1800"))
    root.mkdir(parents=True, exist_ok=True)
    pid_file = open(root / "server.pid", "a+")  # noqa: SIM115 - held (and locked) for the server's lifetime
    for _ in range(30):  # a client may hold a shared lock for an instant while checking liveness
        try:
            fcntl.flock(pid_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            time.sleep(0.1)
    else:
        print("another magnet-graph server already owns this store", file=sys.stderr)
        return 3
    (root / "server.json").unlink(missing_ok=True)  # stale if a crashed server left it
    pid_file.seek(0)
    pid_file.truncate()
    pid_file.write(str(os.getpid()))
    pid_file.flush()

    from arcadedb_embedded.jvm import start_jvm

    start_jvm(heap_size=heap_size())
    import arcadedb_embedded

    password = _password(root)
    http_port, bolt_port = _free_port(), _free_port()
    # ArcadeDB always runs its HTTP API (and an MCP endpoint) too: loopback only, same root password.
    server = arcadedb_embedded.create_server(
        root_path=str(root / "arcadedb"),
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": http_port,
            "bolt_port": bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        },
    )
    server.start()
    try:
        if not (root / "arcadedb" / "databases" / DATABASE).is_dir():
            server.create_database(DATABASE)
        if stop.is_set():
            return 0
        _publish(
            root,
            {
                "pid": os.getpid(),
                "uri": f"bolt://127.0.0.1:{bolt_port}",
                "user": USER,
                "password": password,
                "database": DATABASE,
                "started_at": time.time(),
            },
        )
        print(f"READY bolt://127.0.0.1:{bolt_port}", flush=True)
        while not stop.wait(5.0):
            reason = _reason_to_stop(root, idle_timeout)
            if reason:
                print(reason, flush=True)
                break
    finally:
        (root / "server.json").unlink(missing_ok=True)
        server.stop()
        print("STOPPED", flush=True)
    return 0


def _publish(root: Path, info: dict) -> None:
    tmp = root / "server.json.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(info, fh)
    os.replace(tmp, root / "server.json")
    (root / "heartbeat").touch()


def _reason_to_stop(root: Path, idle_timeout: float) -> str | None:
    """Idle too long, or the store folder or its heartbeat is gone (nobody can reach us then)."""
    try:
        idle = time.time() - (root / "heartbeat").stat().st_mtime
    except FileNotFoundError:
        return "heartbeat file gone, stopping"
    return f"idle for {idle:.0f}s, stopping" if idle > idle_timeout else None


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]).resolve()))
