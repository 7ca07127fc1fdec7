"""Python classes as catalogs: ``python:package.module:ClassName``; public methods become tools.

Parameters come from type hints, descriptions from Google-style docstrings (``Args:`` and
``Returns:`` sections, as BFCL's own classes use). The module is imported from the installed
packages or the current directory. Importing it runs its code: point this only at classes you
trust, as with any plugin.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import types
import typing
from typing import Any

from ..errors import CatalogError
from ..schema_normalize import TYPE_ALIASES
from ..signature import FunctionSignature
from .common import dedupe, make_signature

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Return|Raises|Yields|Examples?|Notes?):\s*$")
_ENTRY = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


HOOKS = frozenset(
    {"magnet_state"}
)  # what magnet-graph calls on the class itself, not tools (see environments.backends)


def load_python_class(source: str) -> list[FunctionSignature]:
    """Import ``python:module:Class`` and turn its public methods into signatures."""
    target = source.removeprefix("python:")
    module_name, _, class_name = target.partition(":")
    if not module_name or not class_name:
        raise CatalogError(source, None, None, "expected python:package.module:ClassName")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does: the user's own modules, from where they run
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except MemoryError:  # not a broken module: the machine is out of memory, and the CLI says so
        raise
    except Exception as exc:  # the module's own code runs here: any error means "cannot import"
        raise CatalogError(source, None, None, f"cannot import: {type(exc).__name__}: {exc}") from None
    if not inspect.isclass(cls):
        raise CatalogError(source, None, None, f"{class_name} is not a class")
    sigs = []
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_") or name in HOOKS:
            continue
        sigs.append(_method_signature(cls, name, method, source, target))
    if not sigs:
        raise CatalogError(source, None, None, "the class has no public methods")
    return dedupe(sigs, source)


def _method_signature(cls: type, name: str, method: Any, source: str, target: str) -> FunctionSignature:
    doc = parse_docstring(inspect.getdoc(method) or "")
    try:
        hints = typing.get_type_hints(method)
    except Exception as exc:  # unresolvable forward references and the like
        raise CatalogError(source, name, "annotations", f"cannot resolve type hints: {exc}") from None
    properties, required = {}, []
    for pname, param in inspect.signature(method).parameters.items():
        if pname == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        schema, optional = type_schema(hints.get(pname, Any))
        if pname in doc.args:
            schema["description"] = doc.args[pname]
        if param.default is not inspect.Parameter.empty:
            if _json_literal(param.default):
                schema["default"] = param.default
        elif not optional:
            required.append(pname)
        properties[pname] = schema
    output = None
    if doc.returns:
        output = {"type": "object", "properties": {k: {**t, "description": d} for k, (t, d) in doc.returns.items()}}
    elif "return" in hints and hints["return"] is not type(None):
        output = type_schema(hints["return"])[0]
    return make_signature(
        source=source,
        original_name=name,
        description=doc.summary,
        parameters={"type": "object", "properties": properties, "required": required},
        output=output,
        output_description=doc.returns_text,
        toolkit=cls.__name__,
        category=cls.__module__.rsplit(".", 1)[-1],
        execution={"kind": "python", "target": target, "method": name},
    )


def type_schema(hint: Any) -> tuple[dict, bool]:
    """JSON schema for a type hint, and whether ``None`` is allowed (Optional)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        schema = type_schema(rest[0])[0] if len(rest) == 1 else {"anyOf": [type_schema(a)[0] for a in rest]}
        return schema, len(rest) < len(args)
    if origin is typing.Literal:
        return {"enum": list(args)}, False
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}, False
    if hint in (list, tuple, set) or origin in (list, tuple, set, frozenset):
        schema: dict = {"type": "array"}
        if args and args[-1] is not Ellipsis and origin is not tuple:
            schema["items"] = type_schema(args[0])[0]
        return schema, False
    if hint is dict or origin is dict:
        return {"type": "object"}, False
    return {"type": "string"}, False  # Any or an unknown class: BFCL's own mapping of "any"


class Docstring(typing.NamedTuple):
    summary: str
    args: dict[str, str]
    returns: dict[str, tuple[str, str]]
    returns_text: str


def parse_docstring(doc: str) -> Docstring:
    """Split a Google-style docstring into summary, argument and return-field descriptions."""
    summary_lines: list[str] = []
    sections: dict[str, list[str]] = {}
    current = None
    for line in doc.splitlines():
        m = _SECTION.match(line)
        if m:
            current = {"Arguments": "Args", "Parameters": "Args", "Return": "Returns"}.get(m.group(1), m.group(1))
            sections.setdefault(current, [])
        elif current is None:
            summary_lines.append(line)
        else:
            sections[current].append(line)
    args = {k: d for k, (_, d) in _entries(sections.get("Args", [])).items()}
    returns = _entries(sections.get("Returns", []))
    returns_text = " ".join(line.strip() for line in sections.get("Returns", []) if line.strip())
    returns = {k: (_json_type(t), d) for k, (t, d) in returns.items()}
    return Docstring(" ".join(line.strip() for line in summary_lines if line.strip()), args, returns, returns_text)


def _entries(lines: list[str]) -> dict[str, tuple[str, str]]:
    """``name (type): text`` entries at the section's first indentation; deeper lines continue them."""
    entries: dict[str, tuple[str, str]] = {}
    indent, last = None, None
    for line in lines:
        m = _ENTRY.match(line)
        if m and (indent is None or len(m.group(1)) == indent):
            indent = len(m.group(1))
            last = m.group(2)
            entries[last] = ((m.group(3) or "").strip(), m.group(4).strip())
        elif last and line.strip():
            t, d = entries[last]
            entries[last] = (t, f"{d} {line.strip()}".strip())
    return entries


def _json_type(doc_type: str) -> dict:
    """``list[str]`` -> ``{"type": "array", "items": {"type": "string"}}``; unknown names pass through."""
    base, _, inner = doc_type.strip().partition("[")
    base = base.split(",")[0].strip().lower()
    schema = {"type": TYPE_ALIASES.get(base, base or "string")}
    inner = inner.rstrip("]").split(",")[0].strip()
    if schema["type"] == "array" and inner:
        schema["items"] = _json_type(inner)
    return schema


def _json_literal(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))
