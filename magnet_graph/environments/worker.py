"""A toolkit in a child process: a call that hangs past its time limit, floods past the output cap
or crashes the interpreter is stopped by killing the child, and the caller carries on.

Requests go over a pipe; outputs travel as JSON text, so only data leaves the child. After a kill
the toolkit's state is gone: the environment reports the failure and must be reset.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import random
import re
import signal
import stat
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from ..execution.values import qualified_values, record_combos
from ..records import strict
from . import forkserver

_CONTEXT = multiprocessing.get_context("fork")  # where the fork server cannot make a worker


PARENT_POLL = 0.2  # seconds between a worker's checks that the process that started it is alive


def _serve(conn, factory: Callable[[], Any], output_cap: int, state_cap: int, parent: int | None = None) -> None:
    """A worker's loop; ``parent`` is the process whose death ends it (default: the one that forked it)."""
    parent = parent or os.getppid()  # the fork server, whose owner's death ends it in turn
    os.setsid()  # its own process group: kill() takes anything a tool forked with it
    gc.freeze()  # what the fork copied is never scanned here: the scan would copy its pages
    _let_go_of_parent_files(conn)
    held: dict[str, Any] = {}  # the toolkit, once made, for the watchdog
    threading.Thread(target=_die_with_parent, args=(parent, held), daemon=True).start()
    toolkit = held["toolkit"] = factory()
    saved: list[dict[str, Any]] = []  # the toolkit's state at each open checkpoint, innermost last
    while True:
        try:
            nonce, op, args = conn.recv()
        except EOFError:  # the parent is gone: so are the toolkit's own processes (live servers)
            getattr(toolkit, "close", lambda: None)()
            return
        try:
            if op == "reset":
                state, options = args
                _seed_randomness(json.dumps(state, sort_keys=True, default=str))
                value = toolkit.reset(state, **options)
            elif op == "call":
                value = toolkit.invoke(*args)
            elif op == "close":  # the toolkit's own processes and files
                getattr(toolkit, "close", lambda: None)()
                value = None
            elif op == "snapshot":
                value = toolkit.snapshot()
            elif op == "hash":  # the whole state is read here; only its hash crosses the pipe
                text = json.dumps(toolkit.snapshot(), sort_keys=True, default=_json_default)
                value = hashlib.sha256(text.encode()).hexdigest()
            elif op == "grounding":  # what the planner draws values from, bounded, not the whole state
                snapshot = toolkit.snapshot()
                names: dict[frozenset[str], int] = {}  # each name once: thousands of values share a few
                values = [[names.setdefault(tokens, len(names)), v] for tokens, v in qualified_values(snapshot)]
                value = {
                    "names": [sorted(tokens) for tokens in names],
                    "values": values,
                    "combos": record_combos(snapshot, list(args)),
                }
            elif op == "checkpoint":  # the tools' state and where their random draws stand
                own = hasattr(toolkit, "checkpoint")  # a toolkit whose state lives outside (a server's files)
                if own:
                    toolkit.checkpoint()
                saved.append((None if own else _frozen(_state_of(toolkit)), random.getstate(), _IDS.getstate()))
                value = None
            elif op == "rollback":  # back to the innermost checkpoint, which closes
                state, draws, ids = saved.pop()
                if state is None:
                    toolkit.rollback()
                else:
                    toolkit.__dict__.update(_thawed(state))
                random.setstate(draws)
                _IDS.setstate(ids)
                value = None
            elif op == "release":  # close the innermost checkpoint, keeping what happened since
                if saved.pop()[0] is None:
                    toolkit.release()
                value = None
            else:
                raise ValueError(f"unknown request {op!r}")
            text = _standard_json(value)
            cap = output_cap if op == "call" else state_cap  # a tool's answer, or the tool state itself
            reply = (
                ("ok", text)
                if len(text) <= cap
                else ("error", f"output of {len(text)} characters exceeds the cap of {cap}")
            )
        except Exception as exc:  # the tool's failure (or unserialisable output) is an observation
            reply = ("error", f"{type(exc).__name__}: {exc}"[:2000])
        groups = getattr(toolkit, "process_groups", list)()  # processes in sessions of their own
        conn.send((nonce, os.getpid(), *reply, groups))


def _let_go_of_parent_files(conn) -> None:
    """Release every pipe and socket the fork copied from the parent but its own request pipe: the
    terminal or pipe on fds 0-2 (a reader of the CLI's output would wait for this worker too; a
    flood floods nothing), its other workers' pipe ends (so those see EOF when the parent goes), its
    Bolt and HTTP connections, and the exec-status pipe of a subprocess another thread of the parent
    was starting at that moment (held open here, that ``Popen`` waits until this worker ends: the
    openai client's first request runs ``uname -p``, and a run at concurrency 32 hung on it). Each
    is replaced by /dev/null rather than closed, so the fd number stays taken and a copied object
    that closes it later closes nothing of ours. Regular files stay: a tool module may hold one."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    for fd in _open_fds():
        if fd > 2 and fd not in (null, conn.fileno()):
            with contextlib.suppress(OSError):  # the listing's own descriptor, gone by now
                mode = os.fstat(fd).st_mode
                if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                    os.dup2(null, fd)
    os.close(null)


def _open_fds() -> list[int]:
    """This process's open file descriptors (Linux /proc, or /dev/fd elsewhere)."""
    for listing in ("/proc/self/fd", "/dev/fd"):
        with contextlib.suppress(OSError):
            return [int(name) for name in os.listdir(listing)]
    return list(range(3, 256))


def _die_with_parent(parent: int, held: dict[str, Any]) -> None:
    """The watchdog: when the process that started this worker is gone (killed with SIGKILL, so
    nothing closed the pipe in time), close the toolkit's live servers and end this process group
    within a second or so. A parent-death signal (prctl) is not used: Linux sends it when the
    forking *thread* ends, and synthesis forks from pool threads that end before their workers."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    toolkit = held.get("toolkit")
    groups: list[int] = []
    with contextlib.suppress(Exception):
        groups = list(getattr(toolkit, "process_groups", list)())
    closing = threading.Thread(target=getattr(toolkit, "close", lambda: None), daemon=True)
    closing.start()
    closing.join(2)  # a server that cleans up its files quickly does; one that hangs is killed
    for group in [*groups, os.getpgid(0)]:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    os._exit(1)


_LIVE: weakref.WeakSet[Worker] = weakref.WeakSet()  # this process's workers, for stop_workers
_STOPPING = threading.Event()


def stop_workers(stop: bool = True) -> None:
    """Kill every worker of this process and start no new one until ``stop_workers(False)`` (the
    program is being interrupted): paths running in other threads fail at once instead of
    finishing work nobody will write."""
    if not stop:
        _STOPPING.clear()
        return
    _STOPPING.set()
    for worker in list(_LIVE):
        with contextlib.suppress(Exception):
            worker.kill()


def _state_of(toolkit: Any) -> dict[str, Any]:
    """The attributes that hold a toolkit's state: those it names in ``state_attributes`` (not its
    signatures, copied on every checkpoint for nothing), or all of them."""
    names = getattr(toolkit, "state_attributes", None)
    return {name: getattr(toolkit, name) for name in names} if names is not None else dict(vars(toolkit))


def _frozen(state: dict[str, Any]) -> Any:
    """A copy of tool state to go back to: pickled (a few times faster than a deep copy of a
    several-MB database), or a deep copy of what cannot be pickled."""
    try:
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a lock, a generator, a lambda in the state: copy it instead
        return copy.deepcopy(state)


def _thawed(frozen: Any) -> dict[str, Any]:
    return pickle.loads(frozen) if isinstance(frozen, bytes) else frozen


_IDS = random.Random(0)  # what uuid.uuid4 draws from in the worker


def _seed_randomness(key: str) -> None:
    """Tools that draw from ``random`` or ``uuid.uuid4`` (a new bill's id) draw the same values again
    from the same starting state, so a replayed conversation reaches the same state (a checkpoint
    saves where the draws stand, a rollback puts them back). The worker is the tools' own process:
    the patch touches nothing else."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    random.seed(digest)
    _IDS.seed(digest[::-1])
    uuid.uuid4 = lambda: uuid.UUID(int=_IDS.getrandbits(128), version=4)


def _standard_json(value: Any) -> str:
    """What crosses the pipe: standard JSON, a tool's NaN or Infinity written as the string it is."""
    try:
        return json.dumps(value, default=_json_default, sort_keys=True, allow_nan=False)
    except ValueError:  # rare: re-read, then replace the non-finite numbers
        plain = json.loads(json.dumps(value, default=_json_default, sort_keys=True))
        return json.dumps(strict.finite(plain)[0], sort_keys=True, allow_nan=False)


def _json_default(value: Any) -> Any:
    """Numbers of other kinds (mpmath's mpf, Decimal) stay numbers, with the digits their repr shows
    (``mpf('1.3027')`` -> 1.3027, as BFCL prints it, not the binary value); anything else is text."""
    if hasattr(value, "__float__"):
        shown = re.fullmatch(r"\w+\('([-+0-9.eE]+)'\)", repr(value))
        return float(shown.group(1)) if shown else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


class WorkerTimeout(Exception):
    pass


class WorkerLost(Exception):
    """The worker died or answered out of turn; its toolkit state is gone."""


class Worker:
    """A child process running ``factory()``; ``request`` returns (ok, value) or raises WorkerTimeout."""

    def __init__(
        self, factory: Callable[[], Any], output_cap: int, state_cap: int = 64 << 20, preload: tuple[str, ...] = ()
    ):
        """``preload``: modules the toolkit imports (its tool classes), imported once by the fork server."""
        self._factory, self._output_cap, self._state_cap, self._preload = factory, output_cap, state_cap, preload
        self._proc = self._conn = None
        self._nonce = 0
        self._groups: list[int] = []  # the toolkit's processes that left the worker's group
        _LIVE.add(self)

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def request(self, op: str, args: Any, timeout: float) -> tuple[bool, Any]:
        """(ok, value). Raises WorkerTimeout or WorkerLost after killing the worker; starts one
        that is not running (a worker that died unseen is found out by its pipe, not a waitpid
        on every request)."""
        if self._proc is None:
            self._start()
        proc, conn = self._proc, self._conn  # a kill from another thread (stop_workers) closes conn
        self._nonce += 1
        try:
            conn.send((self._nonce, op, args))
            if not conn.poll(timeout):
                self.kill()
                raise WorkerTimeout(f"no answer within {timeout:g}s")
            nonce, pid, status, payload, self._groups = conn.recv()
        except (EOFError, OSError, ValueError):  # the child died: a hard crash inside the tool
            self.kill()
            raise WorkerLost("the tool crashed its process") from None
        if nonce != self._nonce or pid != proc.pid:  # e.g. a tool forked a second server
            self.kill()
            raise WorkerLost("the worker answered out of turn (did a tool fork?)")
        return (True, json.loads(payload)) if status == "ok" else (False, payload)

    def _start(self) -> None:
        if _STOPPING.is_set():
            raise WorkerLost("the program is stopping")
        self._conn, child = _CONTEXT.Pipe()
        args = (self._factory, self._output_cap, self._state_cap)
        self._proc = forkserver.fork_worker(child.fileno(), f"{__name__}:_serve", args, self._preload)
        if self._proc is None:  # forked from here, with all this process holds
            self._proc = _CONTEXT.Process(target=_serve, args=(child, *args, os.getpid()), daemon=True)
            self._proc.start()
        child.close()

    def close(self, timeout: float) -> None:
        """Ask the toolkit to clean up (its processes and files), then stop the worker."""
        if self.alive:
            with contextlib.suppress(WorkerTimeout, WorkerLost):
                self.request("close", None, timeout)
        self.kill()

    def kill(self) -> None:
        # taken first: a second kill (stop_workers at exit, or __del__) finds nothing left to do
        proc, conn, groups = self._proc, self._conn, self._groups
        self._proc = self._conn = None
        self._groups = []
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker and anything it forked
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.join(5)
            conn.close()
        for group in groups:  # a live server the toolkit started in a session of its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)

    def __del__(self):
        self.kill()
