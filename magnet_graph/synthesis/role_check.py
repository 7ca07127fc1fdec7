"""Role check over synthesized conversations: no identifier passed as a name or as another entity's id.

Every string argument of a reference call that equals a value an earlier call returned is a value
the conversation carried over. Its source field's role must be able to feed the parameter's role
(``roles.feeds``): ``add_contact(user_name="USR001")`` after ``get_user_id`` returned
``{"user_id": "USR001"}`` is a mismatch. report.json counts them (``role_mismatches``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..records import Record
from ..roles import classify, feeds
from ..signature import FunctionSignature

MIN_LENGTH = 3  # shorter strings ("on", "A") coincide too easily to say where they came from


@dataclass(frozen=True)
class RoleMismatch:
    record: str
    source: str  # function.field path the value came from
    target: str  # function.parameter it was passed as
    value: str
    roles: str  # "identifier(user) -> name(user)"


def role_mismatches(records: list[Record], signatures: dict[str, FunctionSignature]) -> list[RoleMismatch]:
    """Carried-over values whose source role cannot feed the parameter's role."""
    found = []
    for record in records:
        seen: list[tuple[str, str, str, str]] = []  # (function, path, leaf name, value)
        for turn in record.turns:
            for calls, outputs in zip(turn.calls, turn.outputs, strict=False):
                for call in calls:
                    found += _check(record.id, call.name, call.arguments, seen, signatures)
                for call, output in zip(calls, outputs, strict=False):
                    seen += [(call.name, path, leaf, v) for path, leaf, v in _leaves(output, "", "")]
    return found


def _check(record_id, name, arguments, seen, signatures) -> list[RoleMismatch]:
    sig = signatures.get(name)
    if sig is None:
        return []
    props = sig.parameters.get("properties", {})
    found = []
    for param, value in arguments.items():
        if not isinstance(value, str) or len(value) < MIN_LENGTH or param not in props:
            continue
        schema = props[param]
        target = classify(param, schema.get("description", ""), "string", function=name, enum=schema.get("enum"))
        for source_fn, path, leaf, v in seen:
            if v != value:
                continue
            source = classify(leaf or source_fn, "", "string", function=source_fn, container=_container(path))
            if source.kind == "identifier" and not feeds(source, target):
                found.append(
                    RoleMismatch(record_id, f"{source_fn}.{path}", f"{name}.{param}", value, f"{source} -> {target}")
                )
    return found


def _leaves(value: Any, path: str, leaf: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, str):
        yield path, leaf, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k), str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v, f"{path}[]", leaf)


def _container(path: str) -> str:
    parts = path.replace("[]", "").split(".")
    return parts[-2] if len(parts) >= 2 else ""
