"""Typed dataclasses <-> JSON values, driven by their type hints, with one-line errors naming the field.

``Serializable`` gives a dataclass ``to_dict``, ``from_dict`` and ``json_schema``. Fields may be
``str``, ``int``, ``float``, ``bool``, ``Any`` (any JSON value), ``Literal[...]``, ``X | None``,
``tuple[X, ...]``, ``dict[str, X]`` and other ``Serializable`` classes. A class whose JSON shape is
not its fields (an OpenAI chat message) overrides the three methods.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal, Union

from ..errors import MagnetGraphError

_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


class RecordError(MagnetGraphError):
    """A stored record that does not have the shape its schema says (the message names the field)."""


class Serializable:
    """Mixin for frozen dataclasses stored as JSON objects: every field, by name, always present,
    except those a class lists in ``ADDED_LATER`` (fields with defaults added after records were
    first written: an older record reads with the default)."""

    ADDED_LATER: typing.ClassVar[frozenset[str]] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: to_data(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = ""):
        where = where or cls.__name__
        if not isinstance(data, dict):
            raise RecordError(f"{where}: expected an object, got {_kind(data)}")
        hints = _hints(cls)
        unknown = sorted(set(data) - set(hints))
        if unknown:
            raise RecordError(f"{where}: unknown field {unknown[0]!r}")
        values = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                if f.name in cls.ADDED_LATER:
                    continue
                raise RecordError(f"{where}: missing field {f.name!r}")
            values[f.name] = from_data(hints[f.name], data[f.name], f"{where}.{f.name}")
        return cls(**values)

    @classmethod
    def json_schema(cls, defs: dict[str, Any]) -> dict[str, Any]:
        """This class's schema; nested classes are added to ``defs`` and referenced."""
        hints = _hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        required = [n for n in names if n not in cls.ADDED_LATER]
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "required": required}
        if cls.__doc__:
            schema["description"] = " ".join(cls.__doc__.split())
        schema["properties"] = {name: schema_of(hints[name], defs) for name in names}
        return schema


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def to_data(value: Any) -> Any:
    """The JSON value of a record part (tuples become lists)."""
    if isinstance(value, Serializable):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    return value


def from_data(hint: Any, data: Any, where: str) -> Any:
    """``data`` read as type ``hint``; a RecordError naming ``where`` if it does not fit."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return data
    if origin in (Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return from_data(inner, data, where)
    if origin is Literal:
        if data not in args:
            raise RecordError(f"{where}: {data!r} is not one of {', '.join(map(repr, args))}")
        return data
    if origin is tuple:
        if not isinstance(data, list):
            raise RecordError(f"{where}: expected a list, got {_kind(data)}")
        return tuple(from_data(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise RecordError(f"{where}: expected an object, got {_kind(data)}")
        return {k: from_data(args[1], v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(hint, type) and issubclass(hint, Serializable):
        return hint.from_dict(data, where)
    if hint in _SCALARS:
        fits = isinstance(data, hint) and not (hint is not bool and isinstance(data, bool))
        if hint is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if not fits:
            raise RecordError(f"{where}: expected {_SCALARS[hint]}, got {_kind(data)}")
        return data
    raise TypeError(f"{where}: no codec for {hint!r}")


def schema_of(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a type hint (classes go to ``defs`` once and are referenced)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return {}
    if origin in (Union, types.UnionType):
        return {"anyOf": [schema_of(a, defs) for a in args]}
    if hint is type(None):
        return {"type": "null"}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": schema_of(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_of(args[1], defs)}
    if isinstance(hint, type) and issubclass(hint, Serializable):
        if hint.__name__ not in defs:
            defs[hint.__name__] = {}  # placeholder first: a class may refer to itself
            defs[hint.__name__] = hint.json_schema(defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    raise TypeError(f"no schema for {hint!r}")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )
