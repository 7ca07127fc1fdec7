"""Real Neo4j 5.26 Community server for tests and benchmarks, without Docker.

The contract suite needs a genuine Neo4j (Cypher semantics, constraints, Bolt) rather than a
fake.  This module resolves the Neo4j jars from Maven Central with ``mvn`` (see
``neo4j/pom.xml``), then runs ``neo4j/Launcher.java`` -- an embedded DBMS with Bolt on loopback,
no auth, no TLS, no HTTP -- as a child JVM.  Needs only ``java`` (17+) and ``mvn`` on PATH;
stdlib only, so importing it never requires third-party packages.

    with Neo4jServer(tmp_path / "neo4j") as server:
        driver = neo4j.GraphDatabase.driver(server.uri)

Or from a shell: ``python tests/servers/neo4j_server.py DATA_DIR [PORT]``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent / "neo4j"
POM = HERE / "pom.xml"
LAUNCHER = HERE / "Launcher.java"

# --add-opens: without them Neo4j falls back to slower paths and logs warnings (page cache
# cannot reach DirectByteBuffer internals; transaction logs cannot get native file descriptors
# for preallocation/fadvise).  The Netty property lets it use reflection-based direct buffers.
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
]

START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "magnet-graph"


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"`{tool}` not found on PATH; it is needed to run the Neo4j test server")
    return path


def neo4j_classpath() -> str:
    """Return the Neo4j classpath, resolved once with mvn and cached per pom.xml content."""
    _require("java")
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:16]
    cache = _cache_dir() / f"neo4j-{digest}.cp"
    if cache.exists():
        cp = cache.read_text().strip()
        if cp and all(Path(jar).exists() for jar in cp.split(os.pathsep)):
            return cp
    mvn = _require("mvn")
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".tmp{os.getpid()}")
    proc = subprocess.run(
        [mvn, "-q", "-B", "-f", str(POM), "dependency:build-classpath", f"-Dmdep.outputFile={tmp}"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not tmp.exists():
        out = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        # Maven's first [ERROR] line carries the cause; the last ones are boilerplate.
        errors = [line for line in lines if line.startswith("[ERROR]") and len(line) > 8]
        detail = errors[0] if errors else " | ".join(lines[-5:])
        raise RuntimeError(f"mvn could not resolve the Neo4j classpath (exit {proc.returncode}): {detail}")
    tmp.replace(cache)
    return cache.read_text().strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Neo4jServer:
    """A Neo4j Community JVM serving Bolt on 127.0.0.1; use as a context manager.

    ``heap`` sets -Xms/-Xmx.  Neo4j's own logs land in ``data_dir/logs``, the JVM's stderr in
    ``data_dir/launcher.log``.  Reusing a data_dir reopens the same database.
    """

    def __init__(self, data_dir: Path, port: int | None = None, heap: str = "512m") -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.heap = heap
        self.uri: str | None = None
        self.log_path = self.data_dir / "launcher.log"
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> Neo4jServer:
        """Launch the JVM and wait until the default database accepts Bolt connections."""
        if self._proc is not None:
            raise RuntimeError("Neo4jServer already started")
        cp = neo4j_classpath()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.port is None:
            self.port = _free_port()
        cmd = [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            *JVM_FLAGS,
            "-cp",
            cp,
            str(LAUNCHER),
            str(self.data_dir),
            str(self.port),
        ]
        with open(self.log_path, "ab") as log:
            # stdin stays an open pipe: the JVM exits by itself if this Python process dies.
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True
            )
        ready = threading.Event()
        threading.Thread(target=self._pump_stdout, args=(self._proc, ready), daemon=True).start()
        if not ready.wait(START_TIMEOUT):
            why = f"not ready after {START_TIMEOUT:.0f} s"
        elif self.uri is None:
            why = f"exited with {self._proc.wait()}"
        else:
            return self
        self.stop()
        raise RuntimeError(f"Neo4j {why}; log tail ({self.log_path}):\n{self._log_tail()}")

    def _pump_stdout(self, proc: subprocess.Popen[str], ready: threading.Event) -> None:
        # Drain stdout for the JVM's whole life so it can never block on a full pipe.
        with proc.stdout:
            for line in proc.stdout:
                if self.uri is None and line.startswith("READY "):
                    self.uri = line.split(" ", 1)[1].strip()
                    ready.set()
        ready.set()  # EOF: the JVM exited

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM the JVM (clean Neo4j shutdown), kill it after 30 s. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        with contextlib.suppress(OSError):
            proc.stdin.close()
        self.uri = None

    def __enter__(self) -> Neo4jServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(f"usage: {argv[0]} DATA_DIR [PORT]", file=sys.stderr)
        return 2
    server = Neo4jServer(Path(argv[1]), int(argv[2]) if len(argv) == 3 else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    t0 = time.monotonic()
    with server:
        print(server.uri, flush=True)
        print(f"started in {time.monotonic() - t0:.1f}s; log: {server.log_path}; Ctrl-C to stop", file=sys.stderr)
        try:
            return server._proc.wait()  # only returns if the JVM dies on its own
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
