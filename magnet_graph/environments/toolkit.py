"""In-process environments: the tool implementations and their state (used inside a worker process).

``ClassToolkit`` serves executable catalogs (tools that are methods of classes, run by a class
backend: see ``backends``): one instance per class, reset from a state per class. ``SimulatedToolkit``
serves catalogs without an implementation: outputs are generated to the output schema,
deterministic from (seed, tool, arguments), and every result is marked ``simulated``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from typing import Any

from ..integrations import ClassBackend
from ..signature import FunctionSignature
from .backends import backend_for


class ClassToolkit:
    """Tools backed by class instances; state per class key (the backend's ``state_key``)."""

    state_attributes = ("instances",)  # what a worker's checkpoint saves

    def __init__(self, signatures: list[FunctionSignature], backends: dict[str, ClassBackend] | None = None):
        self.signatures = {s.name: s for s in signatures}
        kinds = {s.execution.get("kind") for s in signatures}
        self.backends = backends or {kind: backend_for(kind) for kind in kinds}
        self.instances: dict[str, Any] = {}

    def key(self, sig: FunctionSignature) -> str:
        return self.backends[sig.execution["kind"]].state_key(sig.execution)

    def reset(self, state: dict[str, Any] | None, **options: Any) -> None:
        """Fresh instances, each given its part of ``state`` by its backend (``options`` pass through)."""
        self.instances = {}
        for sig in self.signatures.values():
            key = self.key(sig)
            if key in self.instances:
                continue
            backend = self.backends[sig.execution["kind"]]
            instance = backend.tool_class(sig.execution)()
            backend.load_state(instance, copy.deepcopy((state or {}).get(key)), **options)
            self.instances[key] = instance

    def invoke(self, name: str, arguments: dict[str, Any]) -> Any:
        sig = self.signatures[name]
        return getattr(self.instances[self.key(sig)], sig.execution["method"])(**arguments)

    def snapshot(self) -> dict[str, Any]:
        return {key: jsonable(vars(instance)) for key, instance in sorted(self.instances.items())}


class SimulatedToolkit:
    """Outputs made up to each tool's output schema; the same call always gives the same output."""

    state_attributes = ("log",)

    def __init__(self, signatures: list[FunctionSignature], seed: int = 0):
        self.signatures = {s.name: s for s in signatures}
        self.seed = seed
        self.log: list[dict[str, Any]] = []

    def reset(self, state: dict[str, Any] | None, **options: Any) -> None:
        self.log = list((state or {}).get("log", []))

    def invoke(self, name: str, arguments: dict[str, Any]) -> Any:
        blob = json.dumps([self.seed, name, arguments], sort_keys=True, default=str)
        rng = random.Random(hashlib.sha256(blob.encode()).hexdigest())
        sig = self.signatures[name]
        output = fake_value(sig.output or {"type": "object", "properties": {"result": {"type": "string"}}}, rng, name)
        self.log.append({"tool": name, "arguments": arguments})
        return {**output, "simulated": True} if isinstance(output, dict) else {"result": output, "simulated": True}

    def snapshot(self) -> dict[str, Any]:
        return {"log": jsonable(self.log)}


def fake_value(schema: dict[str, Any], rng: random.Random, label: str) -> Any:
    """A value matching ``schema`` (type, enum, properties, items), deterministic from ``rng``."""
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type", "string")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "object":
        return {k: fake_value(v, rng, k) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [fake_value(schema.get("items", {"type": "string"}), rng, label) for _ in range(rng.randint(1, 3))]
    if kind == "integer":
        return rng.randint(1, 1000)
    if kind == "number":
        return round(rng.uniform(1, 1000), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    return f"{label}-{rng.randrange(16**6):06x}"


def jsonable(value: Any, _path: frozenset = frozenset()) -> Any:
    """A JSON-able, deterministic copy of tool state: objects become their attributes (private ones
    too: BFCL keeps the current directory in ``_current_dir``), sets sorted lists, random generators
    a constant, and a reference back to an enclosing object (a parent directory) a marker."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, random.Random):
        return "<rng>"
    if id(value) in _path:
        return "<cycle>"
    inner = _path | {id(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v, inner) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, inner) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v, inner) for v in value), key=repr)
    if hasattr(value, "__dict__") and not callable(value):
        return {"__class__": type(value).__name__, **{k: jsonable(v, inner) for k, v in vars(value).items()}}
    return type(value).__name__
