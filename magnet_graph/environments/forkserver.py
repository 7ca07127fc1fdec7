"""Tool workers forked from a small, idle process (the fork server), not from the process that asks.

A worker forked from the synthesis process itself copies a big, busy address space: the fork holds
the interpreter while it copies the page tables, every page the parent writes afterwards is copied
again while the worker lives, and the worker's exit unmaps it all. At 32 paths on 2 cores that was
about a third of the synthesis process's CPU. The fork server is started once per process: a
fresh interpreter that imports the tool modules a worker needs (``preload``) and forks each worker
from that clean state, so every path still gets a process of its own and a tool module's state
never carries from one path to the next.

The server does not reap a worker until its owner says so (``reap``), after seeing it exit through
a pidfd: until then the worker's pid cannot name another process, so signalling it by pid (its
process group) is safe. Linux only (``os.pidfd_open``); elsewhere workers fork as before.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

_HEADER = struct.Struct("!cQ")  # the request's kind (b"f" fork, b"r" reap) and its length or pid
_PID = struct.Struct("!q")  # the reply to a fork: the worker's pid, or -1 and an error text


class ForkServer:
    """The owner's end: ``fork`` makes a worker that serves a connection (``worker._serve``)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        code = "import sys; sys.path[:0] = sys.argv[2:]; from magnet_graph.environments import forkserver; forkserver.serve(int(sys.argv[1]))"
        self._process = subprocess.Popen(
            [sys.executable, "-c", code, str(theirs.fileno()), *sys.path],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C to the terminal's group stops the run, which stops this
        )
        theirs.close()
        self._socket, self._lock, self.owner = ours, threading.Lock(), os.getpid()

    def fork(self, conn_fd: int, target: str, packed: bytes, preload: tuple[str, ...]) -> Worked:
        """A new process running ``target`` (``module:function``) as ``function(conn, *args)``,
        ``packed`` the pickled args; ``ForkRefused`` where the server cannot import or unpickle them."""
        body = pickle.dumps((list(sys.path), os.getcwd(), dict(os.environ), preload, target, packed))
        with self._lock:
            socket.send_fds(self._socket, [_HEADER.pack(b"f", len(body))], [conn_fd])
            self._socket.sendall(body)
            (pid,) = _PID.unpack(_read(self._socket, _PID.size))
            if pid < 0:
                (length,) = _PID.unpack(_read(self._socket, _PID.size))
                raise ForkRefused(_read(self._socket, length).decode())
        return Worked(self, pid)

    @property
    def pid(self) -> int:
        return self._process.pid

    def cpu_seconds(self) -> float:
        """CPU the server and the workers it reaped have spent (Linux /proc)."""
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return sum(int(t) for t in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime

    def reap(self, pid: int) -> None:
        with self._lock, contextlib.suppress(OSError):
            self._socket.sendall(_HEADER.pack(b"r", pid))


class ForkRefused(Exception):
    """The fork server could not make the worker (its arguments do not unpickle there)."""


class Worked:
    """A worker the fork server made, with the calls ``multiprocessing.Process`` offers for it."""

    def __init__(self, server: ForkServer, pid: int):
        self.pid, self._server = pid, server
        self._fd = os.pidfd_open(pid)  # the worker is unreaped until we say so: this pid is it

    def is_alive(self) -> bool:
        return self._fd is not None and not select.select([self._fd], [], [], 0)[0]

    def kill(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._fd, signal.SIGKILL)

    def join(self, timeout: float) -> None:
        if self._fd is not None and select.select([self._fd], [], [], timeout)[0]:
            os.close(self._fd)
            self._fd = None
            self._server.reap(self.pid)


_SERVER: ForkServer | None = None
_SERVER_LOCK = threading.Lock()
_GAVE_UP = 0  # the pid of a process whose server could not start or died


def fork_worker(conn_fd: int, target: str, args: tuple, preload: tuple[str, ...]) -> Worked | None:
    """A process running ``target`` (``module:function``) as ``function(conn, *args)``, made by
    this process's fork server (started on first use), serving ``conn_fd``;
    None where the server cannot make it: no pidfd (not Linux), arguments that do not pickle (a
    closure, a class made at run time) or do not unpickle there. The caller then forks it itself."""
    global _SERVER, _GAVE_UP
    if not hasattr(os, "pidfd_open") or os.getpid() == _GAVE_UP:
        return None
    try:
        packed = pickle.dumps(args, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    try:
        with _SERVER_LOCK:
            if _SERVER is None or _SERVER.owner != os.getpid():  # a forked child starts its own
                _SERVER = ForkServer()
            server = _SERVER
        return server.fork(conn_fd, target, packed, preload)
    except ForkRefused:
        return None
    except (OSError, EOFError):  # no server, or it died: this process forks its workers itself
        _GAVE_UP = os.getpid()
        return None


def running() -> ForkServer | None:
    """This process's fork server if it has started one (nothing is started here)."""
    return _SERVER if _SERVER is not None and _SERVER.owner == os.getpid() else None


def _read(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def serve(fd: int) -> None:
    """The server's loop: fork a worker per request, reap those its owner saw exit; return when the
    owner is gone (its end of the socket closes)."""
    sock = socket.socket(fileno=fd)
    while True:
        try:
            header, fds, _, _ = socket.recv_fds(sock, _HEADER.size, 1)
        except OSError:
            return
        if len(header) < _HEADER.size:
            return
        kind, value = _HEADER.unpack(header)
        if kind == b"r":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(value, 0)
            continue
        conn_fd = fds[0]
        try:
            cwd, environ, target, args = _request(_read(sock, value))
        except Exception as exc:  # noqa: BLE001 - whatever failed, the owner forks the worker itself
            os.close(conn_fd)
            text = f"{type(exc).__name__}: {exc}".encode()
            sock.sendall(_PID.pack(-1) + _PID.pack(len(text)) + text)
            continue
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                sock.close()
                with contextlib.suppress(OSError):  # a folder gone since: the server's own
                    os.chdir(cwd)
                os.environ.clear()
                os.environ.update(environ)
                target(Connection(conn_fd), *args)
                code = 0
            finally:
                os._exit(code)
        os.close(conn_fd)
        sock.sendall(_PID.pack(pid))


def _request(body: bytes) -> tuple:
    """A fork request, unpickled here in the server: sys.path first, then the modules it names,
    then the worker's arguments (which import what they refer to). Each module is then imported
    once, for every worker to come."""
    path, cwd, environ, preload, target, args = pickle.loads(body)
    sys.path[:] = path
    module, _, function = target.partition(":")
    target = getattr(importlib.import_module(module), function)
    for name in preload:
        with contextlib.suppress(Exception):  # the worker reports what it cannot import, as forked
            importlib.import_module(name)
    return cwd, environ, target, pickle.loads(args)
