"""Running executable tools for edge inference: fresh instances on varied, realistic start states.

A toolkit's start states are the class's own (constructor / default scenario) and ``states``
generated ones from its backend (BFCL's generators; none for plain ``python:`` classes), drawn
from ``seed``. Calls run in-process on trusted catalog code, each in a worker thread with a time
limit: a call that raises, returns ``{"error": ...}`` or hangs counts as failed.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from ..environments.backends import backend_for
from ..environments.toolkit import ClassToolkit, jsonable
from ..execution.values import described_values, placeholder, qualified_values, ranked_matches, schema_values
from ..roles import classify, plausible
from ..signature import FunctionSignature
from ..tokens import name_tokens

CALL_TIMEOUT = 5.0
_JUNK = {
    "string": "zz-no-such-value-9173",
    "integer": 987654321,
    "number": 987654321.5,
    "boolean": False,
    "array": ["zz-no-such-value-9173"],
    "object": {"zz": "no-such-value-9173"},
}


def junk(json_type: str) -> Any:
    """A value of the type that names nothing that exists."""
    return copy.deepcopy(_JUNK.get(json_type, "zz-no-such-value-9173"))


def is_executable(sig: FunctionSignature) -> bool:
    """A tool with an implementation to run (a class backend for its execution kind)."""
    return backend_for(sig.execution.get("kind")) is not None


def call(
    instance: Any, sig: FunctionSignature, args: dict[str, Any], timeout: float = CALL_TIMEOUT
) -> tuple[bool, Any]:
    """(succeeded, result): an exception, an ``{"error": ...}`` result or a timeout is a failure."""
    outcome: list = []

    def run():
        try:
            outcome.append((True, getattr(instance, sig.execution["method"])(**args)))
        except Exception as exc:  # a tool's own failure is an observation, not our crash
            outcome.append((False, f"{type(exc).__name__}: {exc}"))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return False, f"timed out after {timeout:.0f}s"
    ok, result = outcome[0]
    return ok and not _is_error(result), result


def _is_error(result: Any) -> bool:
    """An ``error`` key, a success flag that is false (``{"login_status": False, ...}``), or the
    answer is an error message alone (``"Error: ..."``, ``["Error: not authenticated"]``).

    Stricter than ``execution.executor.failure_of``, on purpose: the sandbox calls tools with
    made-up arguments, and a lone False flag (``{"authentication_status": False}`` for junk
    credentials) is the tool refusing the junk, not a tool blocked by its state; searching for
    what "unblocks" it finds spurious prerequisites (5 more on BFCL, precision 0.913 -> 0.907)."""
    if isinstance(result, dict):
        flags = [v for k, v in result.items() if isinstance(v, bool) and set(name_tokens(str(k))) & _SUCCESS_WORDS]
        return "error" in result or (len(flags) == 1 and flags[0] is False and len(result) > 1)
    if isinstance(result, list) and len(result) == 1:
        return isinstance(result[0], dict) and "error" in result[0] or _is_error(result[0])
    return isinstance(result, str) and result.lstrip().lower().startswith("error")


_SUCCESS_WORDS = frozenset({"status", "success", "ok", "succeeded"})
_SESSION_WORDS = frozenset({"authenticated", "auth", "logged", "login", "session", "token", "current"})


def logged_out(state: Any) -> dict | None:
    """``state`` with every session-like top-level attribute cleared, or None if it has none."""
    if not isinstance(state, dict):
        return None
    keys = [k for k in state if set(name_tokens(k)) & _SESSION_WORDS and not isinstance(state[k], (dict, list))]
    if not keys:
        return None
    return {**state, **{k: (False if isinstance(state[k], bool) else None) for k in keys}}


def state_of(instance: Any) -> list[tuple[frozenset[str], Any]]:
    """The instance's state as (name tokens, value) pairs, named as the planner names them."""
    return qualified_values({type(instance).__name__: jsonable(vars(instance))})


def sample_args(
    sig: FunctionSignature, values: list[tuple[frozenset[str], Any]], skip: str = "", pick: int = 0
) -> dict[str, Any]:
    """Required arguments from state values named like the parameter (the planner's ranking), else
    enums/defaults, any short name in the state for a string, or a placeholder. ``pick`` takes
    the pick-th candidate of each (wrapping), for another plausible call."""
    args = {}
    for name, schema in sig.parameters.get("properties", {}).items():
        if name not in sig.required or name == skip:
            continue
        t = schema.get("type", "string") if isinstance(schema.get("type", "string"), str) else "string"
        if t == "boolean":  # lock or unlock: each pick the other way
            first = bool(schema.get("default", True))
            args[name] = first if pick % 2 == 0 else not first
            continue
        listed = _listed(schema)
        if t == "array" and listed:  # every listed member, then just one
            args[name] = listed if pick // 2 % 2 == 0 else listed[:1]
            continue
        role = classify(name, schema.get("description", ""), t, function=sig.name)
        found = ranked_matches(" ".join([name, *sorted(role.entity)]), t, values)
        found = sorted(found, key=lambda v: not plausible(role, v)) + schema_values(schema)
        allowed = list(schema.get("enum") or []) or (
            described_values(schema.get("description", "")) if t == "string" else []
        )
        if allowed:  # the valid values are listed: the state's other values are not among them
            found = [v for v in found if v in allowed] + [v for v in allowed if v not in found]
        if not found and t == "string":  # a folder called 'documents' for `folder`
            found = [v for _, v in values if isinstance(v, str) and 0 < len(v) <= 40][:1]
        args[name] = copy.deepcopy(found[pick % len(found)]) if found else placeholder(t)
    return args


def _listed(schema: dict) -> list:
    """The values an array parameter's items may take: their enum, or the ones its description lists."""
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    return list(items.get("enum") or []) or described_values(schema.get("description", ""))


@dataclass
class Sandbox:
    """Fresh tool instances on each toolkit's start states; counts the calls it makes."""

    states: int = 3
    seed: int = 0
    state_cap: int = 1_000_000  # characters of a generated start state worth running every tool on
    timeout: float = CALL_TIMEOUT
    calls: int = 0
    _starts: dict[str, list[Any]] = field(default_factory=dict)

    def start_states(self, sig: FunctionSignature) -> list[Any]:
        """The class's own state (None), then generated ones, the same for every tool of a class.
        A generated state bigger than ``state_cap`` characters is left out: edges need realistic
        values, not volume, and every trial call copies its state."""
        backend = backend_for(sig.execution.get("kind"))
        key = backend.state_key(sig.execution)
        if key not in self._starts:
            rng = random.Random(f"{self.seed}:{key}")
            generated = [backend.initial_state(key, rng) for _ in range(self.states)]
            small = [g for g in generated if g is not None and len(json.dumps(g, default=str)) <= self.state_cap]
            self._starts[key] = [None] + small
        return self._starts[key]

    def varied_states(self, sig: FunctionSignature) -> list[Any]:
        """The start states, each also with its session closed (``authenticated`` false,
        ``current_user`` and tokens unset): where prerequisites such as a login show."""
        varied = []
        for state in self.start_states(sig):
            varied.append(state)
            closed = logged_out(state)
            if closed is not None:
                varied.append(closed)
        return varied

    def fresh(self, sig: FunctionSignature, state: Any) -> Any:
        """``sig``'s class instance loaded with ``state`` (None: its own default), as environments load it."""
        toolkit = ClassToolkit([sig])
        key = toolkit.key(sig)
        toolkit.reset({key: state} if state is not None else None)
        return toolkit.instances[key]

    def run(self, instance: Any, sig: FunctionSignature, args: dict[str, Any]) -> tuple[bool, Any]:
        self.calls += 1
        return call(instance, sig, copy.deepcopy(args), self.timeout)

    def run_sampled(self, instance: Any, sig: FunctionSignature, pick: int = 0) -> tuple[bool, Any, dict[str, Any]]:
        """Call ``sig`` with arguments drawn from the instance's own state: (ok, result, args)."""
        args = sample_args(sig, state_of(instance), pick=pick)
        ok, result = self.run(instance, sig, args)
        return ok, result, args
