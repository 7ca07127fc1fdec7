"""Class backends: how tools that are methods of a class are instantiated and given their state.

``python`` (``python:package.module:ClassName`` catalogs) is built in; integrations add others
(``magnet_graph.bfcl`` runs BFCL's classes). A kind with no backend (``simulated``) has no class.
"""

from __future__ import annotations

import functools
import importlib
import random
from typing import Any

from ..errors import MagnetGraphError
from ..execution.literals import NONE, Literals, mine_literals
from ..integrations import ClassBackend, class_backend, toolkit_backend
from ..signature import FunctionSignature
from ..tokens import GENERIC, name_tokens

SIMULATED = ("simulated", "")  # kinds whose tools have no implementation: outputs are made up


class PythonClassBackend:
    """``{"kind": "python", "target": "package.module:ClassName", "method": ...}``: the class is
    imported; a state is given to a fresh instance by its ``_load_scenario(state)`` if it has one,
    else attribute by attribute. Starting states come from the class's own state factory, a
    callable attribute ``magnet_state(rng) -> dict`` (seeded, varied per trajectory) where it has
    one; else a trajectory starts from the class's own constructor state."""

    def tool_class(self, execution: dict[str, Any]) -> type:
        module, _, cls = execution["target"].partition(":")
        return getattr(importlib.import_module(module), cls)

    def state_key(self, execution: dict[str, Any]) -> str:
        return execution["target"]

    def load_state(self, instance: Any, state: dict[str, Any] | None, **options: Any) -> None:
        if hasattr(instance, "_load_scenario"):
            instance._load_scenario(state or {}, **options)
        else:
            for attr, value in (state or {}).items():
                setattr(instance, attr, value)

    def initial_state(self, key: str, rng: random.Random) -> dict[str, Any] | None:
        factory = getattr(self.tool_class({"target": key}), "magnet_state", None)
        return factory(rng) if callable(factory) else None


PYTHON = PythonClassBackend()


def backend_for(kind: str | None) -> ClassBackend | None:
    """The class backend of an execution kind; None for tools with no implementation (``simulated``)
    and for tools a toolkit backend runs (MCP servers: no class to read or instantiate). A kind
    nobody provides is an error: its tools would otherwise run simulated without a word."""
    if kind == "python":
        return PYTHON
    if kind in SIMULATED or kind is None or toolkit_backend(kind) is not None:
        return None
    found = class_backend(kind)
    if found is None:
        raise MagnetGraphError(
            f"no integration runs tools of execution kind {kind!r}: is its package installed "
            "(for this checkout: pip install -e .)?"
        )
    return found


def tool_literals(sig: FunctionSignature) -> Literals:
    """The literals a tool's own code accepts (``execution.literals``); none for a tool with no
    class, or one whose class cannot be imported here."""
    backend = backend_for(sig.execution.get("kind"))
    if backend is None:
        return NONE
    try:
        cls = backend.tool_class(sig.execution)
    except Exception:  # noqa: BLE001 - a class the worker imports but this process cannot: no literals
        return NONE
    own = mine_literals(cls, sig.execution.get("method", sig.name))
    params = set(sig.parameters.get("properties", {}))
    shared = class_literals(cls)
    values = dict(own.values)
    for p in params - set(values):
        if p in shared.values and _specific(p):
            values[p] = shared.values[p]  # book_flight's airports are the ones get_flight_cost knows
    covered = {frozenset(c) for c in own.combos}
    combos = own.combos + tuple(  # a sibling's joint values, for parameters this method says nothing of itself
        c
        for c in shared.combos
        if set(c) <= params and frozenset(c) not in covered and not set(c) & set(own.values) and all(map(_specific, c))
    )
    prefixes = {**{p: v for p, v in shared.prefixes.items() if p in params}, **own.prefixes}
    return Literals(values, combos, prefixes)


def _specific(param: str) -> bool:
    """A name that means the same in every method (``travel_from``), not an operand (``a``, ``value``)."""
    return bool(set(name_tokens(param)) - GENERIC - {"a", "b", "x", "y", "n", "number", "num"})


@functools.lru_cache(maxsize=256)
def class_literals(cls: type) -> Literals:
    """The literals of every public method of a class, merged by parameter name: a class's methods
    share a vocabulary, so a parameter one method checks tells what a same-named one takes."""
    values: dict[str, list] = {}
    combos: list[dict] = []
    prefixes: dict[str, tuple[str, ...]] = {}
    for name in sorted(n for n in dir(cls) if not n.startswith("_")):
        found = mine_literals(cls, name)
        for p, vs in found.values.items():
            values.setdefault(p, []).extend(v for v in vs if v not in values[p])
        combos += [c for c in found.combos if c not in combos]
        prefixes = {**found.prefixes, **prefixes}
    return Literals({p: tuple(vs) for p, vs in values.items()}, tuple(combos), prefixes)
