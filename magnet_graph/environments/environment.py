"""``Environment``: a set of tools and their state, run in a worker process (reset, call, snapshot, state hash).

``open_environment(signatures)`` picks the implementation from the signatures' ``execution``: kinds
with a class backend (``python``, and those integrations add) run their classes, a kind with a
toolkit backend (``mcp``: live servers) runs its own toolkit, anything else is ``simulated``
(outputs made up to the output schema and marked as such).
"""

from __future__ import annotations

import contextlib
import functools
import random
from typing import Any

from ..errors import MagnetGraphError
from ..integrations import toolkit_backend
from ..signature import FunctionSignature
from .backends import backend_for
from .toolkit import ClassToolkit, SimulatedToolkit
from .worker import Worker, WorkerLost, WorkerTimeout

# A request on the whole state: a reset (a fresh worker forked, imports, a big state loaded), or
# reading, copying or hashing it (a 3.4 MB state took over 5 s with 12 paths on 2 cores).
STATE_TIMEOUT = 60.0


class Environment:
    """A set of tools and their state, run in a worker process. ``timeout`` bounds one tool call
    (a hung tool); requests on the whole state (reset, which may start the worker and load a big
    state; snapshot, checkpoint, hash, grounding) get at least STATE_TIMEOUT."""

    def __init__(
        self,
        signatures: list[FunctionSignature],
        kind: str,
        factory,
        *,
        timeout: float = 5.0,
        output_cap: int = 100_000,
        state_cap: int = 64 << 20,
        preload: tuple[str, ...] = (),
    ):
        self.kind, self.timeout = kind, timeout
        self._signatures = {s.name: s for s in signatures}
        self._worker = Worker(factory, output_cap, state_cap, preload)
        self._stopped = ""  # why the toolkit state is gone (a hang or crash killed the worker)

    def tools(self) -> list[FunctionSignature]:
        return list(self._signatures.values())

    def signature(self, name: str) -> FunctionSignature:
        return self._signatures[name]

    def reset(self, state: dict[str, Any] | None = None, **options: Any) -> None:
        """A fresh toolkit in ``state`` (per class for class-backed tools); ``options`` go to the
        class backend's ``load_state`` (BFCL's long-context scenario, for one)."""
        self._stopped = ""
        try:
            ok, error = self._request("reset", [state, options], self._state_timeout)
        except (WorkerTimeout, WorkerLost) as exc:
            raise MagnetGraphError(f"environment reset failed: {exc}") from None
        if not ok:
            raise MagnetGraphError(f"environment reset failed: {error}")

    def call(self, name: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
        """(ok, output or error text). After a hang or crash the state is gone: every call fails
        with that reason until ``reset``."""
        if self._stopped:
            return False, f"environment stopped ({self._stopped}); reset required"
        try:
            return self._request("call", [name, arguments])
        except WorkerTimeout as exc:
            self._stopped = f"{name} timed out: {exc}"
        except WorkerLost as exc:
            self._stopped = f"{name}: {exc}"
        return False, f"{self._stopped}; the environment was stopped"

    def snapshot(self) -> dict[str, Any]:
        return self._must("snapshot")

    def checkpoint(self) -> None:
        """Remember the current state; ``rollback`` returns to it (for trying a call without keeping
        it), ``release`` keeps what happened since. Checkpoints nest."""
        self._must("checkpoint")

    def rollback(self) -> None:
        """Back to the state at the innermost open ``checkpoint``, which closes."""
        self._must("rollback")

    def release(self) -> None:
        """Close the innermost open ``checkpoint``, keeping the state as it is."""
        self._must("release")

    def _must(self, op: str, what: str | None = None) -> Any:
        """The worker's answer to ``op``, or a MagnetGraphError saying why there is none."""
        what = what or op
        if self._stopped:
            raise MagnetGraphError(f"environment stopped ({self._stopped}); reset required")
        try:
            ok, value = self._request(op, None, self._state_timeout)
        except (WorkerTimeout, WorkerLost) as exc:
            raise MagnetGraphError(f"environment {what} failed: {exc}") from None
        if not ok:
            raise MagnetGraphError(f"environment {what} failed: {value}")
        return value

    def state_hash(self) -> str:
        """sha256 of the state's canonical JSON, computed in the worker (a large state never crosses the pipe)."""
        return self._must("hash", "state hash")

    def grounding(self, params: list[str]) -> tuple[list[tuple[frozenset[str], Any]], list[dict[str, Any]]]:
        """What a call's values may be drawn from in the current state, computed in the worker:
        the state's named values (``execution.values.qualified_values``, bounded) and the joint
        values of ``params`` its records hold (``record_combos``). A state too big to read costs
        the planner its state values (it goes on without them), not the path."""
        if self._stopped:
            return [], []
        try:
            ok, value = self._request("grounding", list(params), self._state_timeout)
        except (WorkerTimeout, WorkerLost) as exc:  # the worker was killed: its state is gone, as after a call
            self._stopped = f"grounding: {exc}"
            return [], []
        if not ok:
            return [], []
        names = [frozenset(tokens) for tokens in value["names"]]
        return [(names[i], v) for i, v in value["values"]], value["combos"]

    def close(self) -> None:
        """Stop the worker; a toolkit with processes or files of its own is asked to clean up first."""
        if self._stopped:
            self._worker.kill()
        else:
            self._worker.close(self.timeout)

    @property
    def _state_timeout(self) -> float:
        return max(self.timeout, STATE_TIMEOUT)

    def _request(self, op: str, args: Any, timeout: float | None = None) -> tuple[bool, Any]:
        return self._worker.request(op, args, timeout or self.timeout)


def open_environment(
    signatures: list[FunctionSignature],
    *,
    seed: int = 0,
    timeout: float = 5.0,
    output_cap: int = 100_000,
    state_cap: int = 64 << 20,
    log_path: str | None = None,
) -> Environment:
    """Class-backed if every tool's kind has a class backend, a toolkit backend's own toolkit if
    they are all of its kind, else simulated. The environment's ``kind`` is that execution kind
    (kinds joined by '+' for a mix), or ``simulated``. ``log_path``: where live tools' diagnostics
    (an MCP server's stderr) go."""
    kinds = sorted({s.execution.get("kind") or "" for s in signatures})
    toolkits = {kind: toolkit_backend(kind) for kind in kinds if kind}
    if any(toolkits.values()):
        if len(kinds) > 1:
            raise MagnetGraphError(f"tools of kinds {' and '.join(kinds)} cannot share one conversation")
        backend = toolkits[kinds[0]]
        factory = functools.partial(backend.toolkit, signatures, log_path=log_path)
        timeout = max(timeout, backend.request_timeout)  # it keeps its own per-call limits
        return Environment(signatures, kinds[0], factory, timeout=timeout, output_cap=output_cap, state_cap=state_cap)
    backends = {kind: backend_for(kind) for kind in kinds}
    if kinds and all(backends.values()):
        kind = "+".join(kinds)
        preload = _import_classes(signatures, backends)
        factory = functools.partial(ClassToolkit, signatures, backends)
    else:
        kind, factory, preload = "simulated", functools.partial(SimulatedToolkit, signatures, seed), ()
    return Environment(
        signatures, kind, factory, timeout=timeout, output_cap=output_cap, state_cap=state_cap, preload=preload
    )


def _import_classes(signatures: list[FunctionSignature], backends: dict) -> tuple[str, ...]:
    """Import the tools' classes here, in the thread that starts their worker, and name their
    modules (for the fork server to import once). Where the worker is forked from this process,
    a module another thread is importing at the moment of the fork is copied half-initialised,
    with its import lock held by a thread the child does not have: the worker's own import of it
    then waits forever (seen as 'environment reset failed: no answer within 60s' in 2 of 13 runs
    of 146 paths on a loaded 2-core machine). Importing it here waits for that thread to finish.
    A class that cannot be imported is left for the worker to report on reset."""
    modules = set()
    for sig in signatures:
        with contextlib.suppress(Exception):
            modules.add(backends[sig.execution.get("kind")].tool_class(sig.execution).__module__)
    return tuple(sorted(modules))


def initial_state(signatures: list[FunctionSignature], seed: int) -> dict[str, Any]:
    """A generated starting state for one trajectory, ``{state key: state}``, drawn from ``seed``:
    from each class backend that generates states, in key order; classes without one start from
    their own default; a toolkit backend's tools get what it generates."""
    rng = random.Random(seed)
    keys, state = {}, {}
    for kind in sorted({s.execution.get("kind") or "" for s in signatures}):
        toolkits = toolkit_backend(kind) if kind else None
        if toolkits is not None:
            state.update(toolkits.initial_state([s for s in signatures if s.execution.get("kind") == kind], rng))
    for sig in signatures:
        backend = backend_for(sig.execution.get("kind"))
        if backend is not None:
            keys[backend.state_key(sig.execution)] = backend
    for key in sorted(keys):
        generated = keys[key].initial_state(key, rng)
        if generated is not None:
            state[key] = generated
    return state
