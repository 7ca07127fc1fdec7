"""Ports: the output fields and input parameters that edges connect, each with its role.

An output port has a field path into the tool's result: ``order_id``, ``items[].id`` (the ``id`` of
each record in ``items``), ``[]`` (each element of a result that is a list), ``""`` (the whole
result). ``many`` says the path goes through a list, so the value feeds a parameter ``partial``ly.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..roles import Role, classify, listing, mutation_report, operand_role, path_sorts
from ..signature import FunctionSignature
from ..tokens import name_tokens

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
        return re.split(r"[.[{]", self.path, maxsplit=1)[0]


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
    if role.kind == "path" and (t == "array" or many) and role.word != "entry":
        role = Role("path", role.entity, "entry")  # a list of paths is a listing: its entries are paths
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


def _like_values(ports: list[Port]) -> list[Port]:
    """A record of several numbers of one quantity (four tyres' pressures) is a collection: each
    field is one of several values, as an element of a list is."""
    groups: dict[str, list[Port]] = {}
    for p in ports:
        if "." in p.path:
            groups.setdefault(p.path.rsplit(".", 1)[0], []).append(p)
    like = set()
    for members in groups.values():
        roles = {(p.role.kind, p.role.word) for p in members}
        numeric = all(p.type in ("integer", "number") for p in members)
        if len(members) >= 3 and numeric and len(roles) == 1 and members[0].role.kind in ("measure", "amount", "count"):
            like |= {p.path for p in members}
    return [dataclasses.replace(p, many=True) if p.path in like else p for p in ports]


def outputs(sig: FunctionSignature, output: dict | None = None) -> list[Port]:
    """Output ports of ``sig``: every field of its output schema (``output`` overrides it, e.g. a
    learned one), nested record fields and list elements included, to MAX_DEPTH levels."""
    schema = output if output is not None else sig.output
    if not schema:
        return []
    ports: list[Port] = []
    _walk(sig, schema, "", "", "", False, 0, ports)
    ports = _like_values(ports)
    given = inputs(sig)
    echoed = {_plain_name(p.name) for p in given}
    keys = {_plain_name(p.name) for p in given if p.path == p.name and p.type != "array"}  # scalar inputs
    return [
        dataclasses.replace(
            p,
            role=_transformed(p, given),
            # a setter's answer, or every record of a query carrying the name it was queried by
            # (get_user_tweets(username) -> user_tweets[].username); an echoed id still names a record
            echo=_plain_name(p.name) in echoed
            and p.role.kind not in _NAMING
            or "[" in p.path
            and _plain_name(p.name) in keys
            and p.role.kind != "identifier",
        )
        for p in _status_messages(ports)
        if not p.name.startswith("_")  # private fields are the implementation's, not the API's
    ]


_STATE_WORDS = frozenset({"current", "new", "updated", "final", "set"})


def _plain_name(name: str) -> tuple[str, ...]:
    """``currentSpeed`` and ``speed`` name the same value: a setter hands back what it was given."""
    return tuple(t for t in name_tokens(name) if t not in _STATE_WORDS)


def _transformed(out: Port, given: list[Port]) -> Role:
    """A plain number named after an input (``exchanged_value`` of ``value``) is that input
    transformed: it keeps the input's role (an amount of money stays one)."""
    if out.role.kind != "number":
        return out.role
    words = set(name_tokens(out.name))
    for p in given:
        if p.role.kind in ("amount", "measure", "count") and set(name_tokens(p.name)) < words:
            return p.role
    return out.role


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
        description = schema.get("description", "")
        keyed = _KEYED_BY.search(description)
        keys = {"type": "string", "description": description, "examples": schema["x-keys"]}
        ports.append(_port(sig, f"{path}{{}}", keyed.group(1) if keyed else name, keys, name or container, True))
    item = _item(schema)
    if t == "array" and item and json_type(item) in ("object", "array"):
        _walk(sig, item, f"{path}[]", "", name or container, True, depth + 1, ports)


# "A dictionary keyed by booking_id", "messages grouped by receiver": what a table's keys are
_KEYED_BY = re.compile(r"\b(?:keyed|grouped|indexed|mapped)\s+by\s+(?:the\s+|their\s+)?([A-Za-z_]+)", re.I)


def inputs(sig: FunctionSignature) -> list[Port]:
    """Parameters, and the fields of structured ones: ``relations[].from`` of a list of records,
    ``options.mode`` of a record (one level down)."""
    ports = []
    properties = sig.parameters.get("properties", {})
    for name, schema in properties.items():
        port = _port(sig, name, name, schema, "", False)
        ports.append(dataclasses.replace(port, role=operand_role(port.role, [k for k in properties if k != name])))
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
