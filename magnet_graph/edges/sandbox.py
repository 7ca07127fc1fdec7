"""Running executable tools for edge inference: fresh instances on varied, realistic start states.

A toolkit's start states are the class's own (constructor / default scenario) and ``states``
generated ones from its backend (BFCL's generators; none for plain ``python:`` classes), drawn
from ``seed``. Calls run in-process on trusted catalog code, each in a worker thread with a time
limit: a call that raises, returns ``{"error": ...}`` or hangs counts as failed.
"""

from __future__ import annotations

import copy
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from ..environments.backends import backend_for
from ..environments.toolkit import ClassToolkit
from ..execution.values import named_matches, placeholder, schema_values, state_values
from ..signature import FunctionSignature

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
    if isinstance(result, dict):
        return "error" in result
    return isinstance(result, list) and len(result) == 1 and isinstance(result[0], dict) and "error" in result[0]


def sample_args(sig: FunctionSignature, values: list[tuple[str, Any]], skip: str = "") -> dict[str, Any]:
    """Required arguments from state values with matching names and types, else enums/defaults/placeholders."""
    args = {}
    for name, schema in sig.parameters.get("properties", {}).items():
        if name not in sig.required or name == skip:
            continue
        t = schema.get("type", "string") if isinstance(schema.get("type", "string"), str) else "string"
        found = named_matches(name, t, values) + schema_values(schema)
        args[name] = copy.deepcopy(found[0]) if found else placeholder(t)
    return args


@dataclass
class Sandbox:
    """Fresh tool instances on each toolkit's start states; counts the calls it makes."""

    states: int = 3
    seed: int = 0
    timeout: float = CALL_TIMEOUT
    calls: int = 0
    _starts: dict[str, list[Any]] = field(default_factory=dict)

    def start_states(self, sig: FunctionSignature) -> list[Any]:
        """The class's own state (None), then generated ones, the same for every tool of a class."""
        backend = backend_for(sig.execution.get("kind"))
        key = backend.state_key(sig.execution)
        if key not in self._starts:
            rng = random.Random(f"{self.seed}:{key}")
            generated = [backend.initial_state(key, rng) for _ in range(self.states)]
            self._starts[key] = [None] + [g for g in generated if g is not None]
        return self._starts[key]

    def fresh(self, sig: FunctionSignature, state: Any) -> Any:
        """``sig``'s class instance loaded with ``state`` (None: its own default), as environments load it."""
        toolkit = ClassToolkit([sig])
        key = toolkit.key(sig)
        toolkit.reset({key: state} if state is not None else None)
        return toolkit.instances[key]

    def run(self, instance: Any, sig: FunctionSignature, args: dict[str, Any]) -> tuple[bool, Any]:
        self.calls += 1
        return call(instance, sig, copy.deepcopy(args), self.timeout)

    def run_sampled(self, instance: Any, sig: FunctionSignature) -> tuple[bool, Any, dict[str, Any]]:
        """Call ``sig`` with arguments drawn from the instance's own state: (ok, result, args)."""
        args = sample_args(sig, state_values(instance))
        ok, result = self.run(instance, sig, args)
        return ok, result, args
