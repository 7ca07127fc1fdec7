"""Ports: the output fields and input parameters that edges connect, each with its role.

An output port has a field path into the tool's result: ``order_id``, ``items[].id`` (the ``id`` of
each record in ``items``), ``[]`` (each element of a result that is a list), ``""`` (the whole
result). ``many`` says the path goes through a list, so the value feeds a parameter ``partial``ly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..roles import Role, classify, listing, mutation_report, path_sorts
from ..signature import FunctionSignature

MAX_DEPTH = 3


@dataclass(frozen=True)
class Port:
    function: str
    path: str  # the field path for outputs; the parameter name for inputs
    name: str  # the last named step of the path ("id" for "items[].id"; the function's name for "")
    type: str
    item_type: str  # element type of an array ("" if unknown or not an array)
    description: str
    toolkit: str
    category: str
    role: Role
    container: str = ""  # the list or record holding a nested field ("items" for "items[].id")
    many: bool = False  # the path passes through a list: one of several values
    echo: bool = False  # an output repeating what the call was given (setters echo their input): no news
    examples: tuple = ()  # values seen at this path when the tool ran

    @property
    def root(self) -> str:
        """The top-level field (what labels and people name): ``items`` for ``items[].id``."""
        return self.path.split("[", 1)[0].split(".", 1)[0]


def json_type(schema: dict) -> str:
    t = schema.get("type", "string")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if not isinstance(t, str):
        return "string"
    if t == "string" and "properties" in schema:
        return "object"
    return t


def _item(schema: dict) -> dict:
    items = schema.get("items")
    return items if isinstance(items, dict) else {}


def _port(sig: FunctionSignature, path: str, name: str, schema: dict, container: str, many: bool) -> Port:
    t = json_type(schema)
    item = _item(schema)
    item_type = json_type(item) if item else ""
    samples = schema.get("examples") or item.get("examples") or []
    role_name = name or " ".join(w for w in sig.name.split("_")[1:]) or sig.name
    role = (
        Role("path", path_sorts(sig.description.split(".")[0]), "entry")
        if path and listing(name, sig.description)
        else None
    )
    if role is None and path and t == "string" and mutation_report(name, sig.name):
        role = Role("status", frozenset(), name)
    role = role or classify(
        role_name,
        schema.get("description", ""),
        (item_type or "string") if t == "array" else t,
        function=sig.name,
        container=container,
        enum=schema.get("enum") or item.get("enum"),
        samples=samples,
    )
    return Port(
        sig.name,
        path,
        name,
        t,
        item_type,
        schema.get("description", ""),
        sig.toolkit,
        sig.category,
        role,
        container,
        many or role.word == "entry",  # one entry of a listing
        examples=tuple(v for v in samples if isinstance(v, (str, int, float)) and not isinstance(v, bool)),
    )


_MESSAGE_WORDS = frozenset({"message", "msg", "detail", "note"})
_NAMING = frozenset({"identifier", "name", "path"})  # echoed, these still name what was acted on


def _status_messages(ports: list[Port]) -> list[Port]:
    """A ``message`` beside a success flag or status is a status message, not text to pass on."""
    statuses = {p.container for p in ports if p.role.kind in ("flag", "status")}
    return [
        dataclasses.replace(p, role=Role("status", p.role.entity))
        if p.name.lower() in _MESSAGE_WORDS and p.container in statuses
        else p
        for p in ports
    ]


def outputs(sig: FunctionSignature, output: dict | None = None) -> list[Port]:
    """Output ports of ``sig``: every field of its output schema (``output`` overrides it, e.g. a
    learned one), nested record fields and list elements included, to MAX_DEPTH levels."""
    schema = output if output is not None else sig.output
    if not schema:
        return []
    ports: list[Port] = []
    _walk(sig, schema, "", "", "", False, 0, ports)
    echoed = {(p.role.kind, p.role.word) for p in inputs(sig)} | {(p.role.kind, p.name) for p in inputs(sig)}
    return [
        dataclasses.replace(p, echo=p.role.kind not in _NAMING and (p.role.kind, p.role.word or p.name) in echoed)
        for p in _status_messages(ports)
        if not p.name.startswith("_")  # private fields are the implementation's, not the API's
    ]


def _walk(sig, schema: dict, path: str, name: str, container: str, many: bool, depth: int, ports: list[Port]) -> None:
    t = json_type(schema)
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else None
    if path or t != "object" or not props:
        ports.append(_port(sig, path, name, schema, container, many))
    if depth >= MAX_DEPTH:
        return
    if props:
        for key, sub in props.items():
            if isinstance(sub, dict):
                _walk(sig, sub, f"{path}.{key}" if path else key, key, name or container, many, depth + 1, ports)
    if schema.get("x-keys"):  # a table keyed by ids or names: its keys are values too
        keys = {"type": "string", "description": schema.get("description", ""), "examples": schema["x-keys"]}
        ports.append(_port(sig, f"{path}{{}}", name, keys, container, True))
    item = _item(schema)
    if t == "array" and item and json_type(item) in ("object", "array"):
        _walk(sig, item, f"{path}[]", "", name or container, True, depth + 1, ports)


def inputs(sig: FunctionSignature) -> list[Port]:
    """Parameters, and the fields of structured ones: ``relations[].from`` of a list of records,
    ``options.mode`` of a record (one level down)."""
    ports = []
    for name, schema in sig.parameters.get("properties", {}).items():
        ports.append(_port(sig, name, name, schema, "", False))
        inner, many = schema, False
        if json_type(schema) == "array" and isinstance(schema.get("items"), dict):
            inner, many = schema["items"], True
        for key, sub in (inner.get("properties") or {}).items() if isinstance(inner, dict) else ():
            if isinstance(sub, dict):
                ports.append(_port(sig, f"{name}{'[]' if many else ''}.{key}", key, sub, name, many))
    return ports


def shared_roles(ports_out: dict[str, list[Port]]) -> dict[str, list[Port]]:
    """Roles from observed values: a field the names say nothing about (``other``) whose values
    were also seen in a field of known role of the same toolkit takes that role (a ``watchlist``
    holding the same ``NVDA`` a ``symbol`` returned is a list of stock symbols)."""
    known: dict[tuple[str, Any], Role] = {}
    for _, ports in sorted(ports_out.items()):
        for p in ports:
            if p.role.kind in ("identifier", "name", "path", "place"):
                for v in p.examples:
                    known.setdefault((p.toolkit, v), p.role)
    return {
        function: [
            dataclasses.replace(p, role=_adopted(p, known)) if p.role.kind == "other" and p.examples else p
            for p in ports
        ]
        for function, ports in ports_out.items()
    }


def _adopted(port: Port, known: dict[tuple[str, Any], Role]) -> Role:
    roles = [known[(port.toolkit, v)] for v in port.examples if (port.toolkit, v) in known]
    if not roles or len(roles) * 2 < len(port.examples):
        return port.role
    best = max(set(roles), key=lambda r: (roles.count(r), str(r)))
    return Role(best.kind, best.entity | port.role.entity, best.word)
