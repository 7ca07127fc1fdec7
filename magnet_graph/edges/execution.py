"""Execution evidence: run A, pass its output into B, and see whether B needed it.

For executable catalogs (tools with a class backend: ``python:module:Class``, and those integrations
add). Each check starts from a
fresh instance in its default state (loaded as ``environments`` load it). Arguments are drawn from values
found in that state whose names match the parameter (then enums, defaults, typed placeholders).

- Data edge A.f -> B.p is **verified** when B succeeds with A's value of f (or an element of it)
  and fails with a junk value of the same type: the value mattered. B succeeding either way is
  inconclusive (it accepts anything); B failing with A's value is evidence against.
- Prerequisite A -> B is **verified** when B fails on a fresh state and succeeds, with the same
  arguments, right after A succeeded.

Calls run in-process on trusted catalog code, each in a worker thread with a time limit (a call
that hangs counts as failed; issue #5's executor adds process isolation).
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..environments.backends import backend_for
from ..environments.toolkit import ClassToolkit
from ..execution.values import named_matches, pieces, placeholder, schema_values, state_values
from ..signature import FunctionSignature
from . import Candidate, EdgeConfig
from .ports import inputs

_JUNK = {
    "string": "zz-no-such-value-9173",
    "integer": 987654321,
    "number": 987654321.5,
    "boolean": False,
    "array": ["zz-no-such-value-9173"],
    "object": {"zz": "no-such-value-9173"},
}
CALL_TIMEOUT = 5.0


def is_executable(sig: FunctionSignature) -> bool:
    """A tool with an implementation to run (a class backend for its execution kind)."""
    return backend_for(sig.execution.get("kind")) is not None


def fresh_instance(sig: FunctionSignature) -> Any:
    """The tool's class in its default state, loaded exactly as environments load it."""
    toolkit = ClassToolkit([sig])
    toolkit.reset(None)
    return toolkit.instances[toolkit.key(sig)]


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
    return ok and not (isinstance(result, dict) and "error" in result), result


def sample_args(sig: FunctionSignature, values: list[tuple[str, Any]]) -> dict[str, Any]:
    """Required arguments from state values with matching names and types, else enums/defaults/placeholders."""
    args = {}
    for port in inputs(sig):
        if port.name not in sig.required:
            continue
        schema = sig.parameters["properties"][port.name]
        found = named_matches(port.name, port.type, values) + schema_values(schema)
        args[port.name] = copy.deepcopy(found[0]) if found else placeholder(port.type)
    return args


@dataclass
class ExecutionVerifier:
    """Adds execution evidence to candidates and finds prerequisites by running the tools."""

    config: EdgeConfig = EdgeConfig()
    call_timeout: float = CALL_TIMEOUT
    runs: int = 0
    verified: int = 0
    refuted: int = 0
    _outputs: dict = field(default_factory=dict)

    def _run_source(self, a: FunctionSignature) -> tuple[bool, Any, Any]:
        instance = fresh_instance(a)
        ok, result = call(instance, a, sample_args(a, state_values(instance)), self.call_timeout)
        self.runs += 1
        return ok, result, instance

    def __call__(self, candidates: list[Candidate], signatures: list[FunctionSignature]) -> None:
        by_name = {s.name: s for s in signatures}
        for c in candidates:
            a, b = by_name[c.out.function], by_name[c.param.function]
            if not (is_executable(a) and is_executable(b)) or c.score < self.config.min_score / 2:
                continue
            evidence = self._check_feed(a, b, c.out.name, c.param.name, c.param.type)
            if evidence is None:
                continue
            c.evidence.append(evidence)
            if evidence["score"] == 1.0:
                self.verified += 1
                c.score = max(c.score, self.config.verified_floor)
            elif evidence["score"] == 0.0:
                self.refuted += 1  # weak: B may have failed on its other, sampled arguments
                c.score *= self.config.refuted_factor

    def _check_feed(self, a, b, out_field, param, param_type) -> dict | None:
        tries = self._target_runs(a, b, out_field, param, param_type)
        if tries is None:
            return None  # A did not run in the default state, or gave nothing B could take: no evidence
        for k in range(tries):
            with_value = self._run_target(a, b, out_field, param, param_type, k)
            if with_value is None or not with_value[0]:
                continue
            with_junk = self._run_target(a, b, out_field, param, param_type, None)
            if with_junk is not None and with_junk[0]:
                return {"kind": "execution", "score": 0.5, "detail": f"{b.name} accepts any {param}"}
            return {
                "kind": "execution",
                "score": 1.0,
                "detail": f"{b.name}({param}={with_value[1]!r}) succeeded after {a.name}; a junk {param} failed",
            }
        return {"kind": "execution", "score": 0.0, "detail": f"{b.name} failed with {a.name}'s {out_field}"}

    def _target_runs(self, a, b, out_field, param, param_type) -> int | None:
        ok, result, _ = self._run_source(a)
        if not ok or not isinstance(result, dict) or out_field not in result:
            return None
        return len(pieces(result[out_field], param_type)) or None

    def _run_target(self, a, b, out_field, param, param_type, piece: int | None) -> tuple[bool, Any] | None:
        """Run A, then B in the state A left, with piece ``piece`` of A's output from this very run
        (None: a junk value). (B succeeded, value passed), or None if A did not run."""
        ok, result, instance = self._run_source(a)
        if not ok or not isinstance(result, dict) or out_field not in result:
            return None
        if piece is None:
            value = copy.deepcopy(_JUNK.get(param_type, "zz"))
        else:
            found = pieces(result[out_field], param_type)
            if piece >= len(found):
                return None
            value = found[piece]
        args = sample_args(b, state_values(instance))
        args[param] = value
        self.runs += 1
        return call(instance, b, args, self.call_timeout)[0], value

    def prerequisites(self, signatures: list[FunctionSignature]) -> dict[tuple[str, str], dict]:
        """(A, B) -> evidence where B fails on a fresh state and succeeds right after A."""
        toolkits: dict[str, list[FunctionSignature]] = defaultdict(list)
        for s in signatures:
            if is_executable(s):
                toolkits[s.toolkit].append(s)
        found = {}
        for members in toolkits.values():
            for b in members:
                instance = fresh_instance(b)
                args = sample_args(b, state_values(instance))
                self.runs += 1
                if call(instance, b, copy.deepcopy(args), self.call_timeout)[0]:
                    continue  # B works without help
                for a in members:
                    if a.name == b.name:
                        continue
                    ok, _, after_a = self._run_source(a)
                    self.runs += 1  # the call of B below
                    if ok and call(after_a, b, copy.deepcopy(args), self.call_timeout)[0]:
                        found[(a.name, b.name)] = {
                            "kind": "execution",
                            "score": 1.0,
                            "detail": f"{b.name} failed on a fresh state, succeeded after {a.name}",
                        }
        return found
