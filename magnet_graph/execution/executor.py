"""The executor: any call (string or structured) -> parsed, validated, run -> an Observation.

A wrong call never raises: rejected syntax, an unknown tool, arguments that break the tool's JSON
schema, a tool error, a timeout or an oversized output all come back as ``ok=False`` with the
reason, which is what a model should see next.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import jsonschema

from ..records import strict
from ..tokens import name_tokens
from .call_parser import CallRejected, ToolCall, parse_call, structured_call


@dataclass(frozen=True)
class Observation:
    name: str
    arguments: dict[str, Any]
    ok: bool
    output: Any
    error: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Executor:
    """Runs calls against one environment (see magnet_graph.environments).

    ``validate=False`` skips the JSON-schema check (parsing is never skipped): for replaying
    recorded calls exactly, such as BFCL's ground truth, which does not always follow its own schema.
    """

    def __init__(self, environment, *, validate: bool = True):
        self.env, self.validate = environment, validate
        self._schemas = {s.name: s.parameters for s in environment.tools()}
        self._validators: dict[str, jsonschema.Draft202012Validator] = {}  # made on a tool's first call
        self._verdicts: dict[tuple[str, str], str] = {}  # replays check the same calls again
        self._order = {name: list(schema.get("properties", {})) for name, schema in self._schemas.items()}

    def execute(self, call: str | dict | ToolCall) -> Observation:
        """Never raises: anything that goes wrong is an observation with ``ok=False``."""
        start = time.perf_counter()
        try:
            return self._execute(call, start)
        except Exception as exc:  # the last guard of "a wrong call is an observation"
            return Observation(
                _name_of(call), {}, False, None, f"{type(exc).__name__}: {str(exc)[:300]}", time.perf_counter() - start
            )

    def _execute(self, call: str | dict | ToolCall, start: float) -> Observation:
        try:
            parsed = self._parse(call)
        except CallRejected as exc:
            return Observation(_name_of(call), {}, False, None, str(exc), time.perf_counter() - start)
        problem = _not_finite(parsed) or (self._invalid(parsed) if self.validate else "")
        if problem:
            return Observation(parsed.name, parsed.arguments, False, None, problem, time.perf_counter() - start)
        ok, value = self.env.call(parsed.name, parsed.arguments)
        error = failure_of(value) if ok else str(value)
        ok = not error
        return Observation(
            parsed.name,
            parsed.arguments,
            ok,
            value if ok or isinstance(value, dict) else None,
            error,
            time.perf_counter() - start,
        )

    def check(self, call: str | dict | ToolCall) -> str:
        """Why the call would be refused ('' if it would run): parse and schema errors."""
        try:
            parsed = self._parse(call)
        except CallRejected as exc:
            return str(exc)
        return _not_finite(parsed) or self._invalid(parsed)

    def _invalid(self, call: ToolCall) -> str:
        """The first schema error of a parsed call's arguments, or ''."""
        key = (call.name, repr(call.arguments))  # repr tells a tuple from a list, True from 1
        if key not in self._verdicts:
            self._verdicts[key] = self._schema_error(call)
        return self._verdicts[key]

    def _schema_error(self, call: ToolCall) -> str:
        validator = self._validators.get(call.name)
        if validator is None:
            validator = self._validators[call.name] = jsonschema.Draft202012Validator(self._schemas[call.name])
        errors = sorted(validator.iter_errors(call.arguments), key=lambda e: list(e.path))
        if not errors:
            return ""
        where = ".".join(str(p) for p in errors[0].path) or "arguments"
        return f"invalid arguments: {where}: {errors[0].message[:300]}"

    def _parse(self, call: str | dict | ToolCall) -> ToolCall:
        if isinstance(call, ToolCall):
            return structured_call({"name": call.name, "arguments": call.arguments}, self._schemas)
        if isinstance(call, str):
            return parse_call(call, self._order)
        return structured_call(call, self._schemas)


def _not_finite(call: ToolCall) -> str:
    """1e999 or NaN among the arguments: no JSON file, trainer or BFCL checker can hold them."""
    where = strict.non_finite_path(call.arguments)
    return f"invalid arguments: {where}: not a finite number" if where else ""


def _name_of(call: Any) -> str:
    if isinstance(call, ToolCall):
        return call.name
    if isinstance(call, dict):
        function = call.get("function")
        name = call.get("name") or (function.get("name") if isinstance(function, dict) else None)
        return name if isinstance(name, str) else ""
    return ""


_SUCCESS_WORDS = frozenset({"status", "success", "ok", "succeeded", "successful"})


def failure_of(output: Any) -> str:
    """Why a tool's answer says it failed, '' if it does not. Tools report failures in their
    answers as well as by raising: an ``{"error": ...}`` record, a success flag
    that is False (``{"authentication_status": False}``, ``{"login_status": False, "message": ...}``),
    or an error message alone (``"Error: ..."``, ``["Error: not authenticated"]``)."""
    if isinstance(output, dict):
        if "error" in output:
            return str(output["error"])
        if any(v is False and set(name_tokens(str(k))) & _SUCCESS_WORDS for k, v in output.items()):
            return json.dumps(output, sort_keys=True, default=str)[:300]
        return ""
    if isinstance(output, list) and len(output) == 1:
        return failure_of(output[0])
    if isinstance(output, str) and output.lstrip().lower().startswith("error"):
        return output
    return ""
