"""Normalise the JSON schemas found in wild catalogs, or reject them with the field that is wrong.

Safe fixes (each recorded as a note): BFCL/Gemini/Python type names mapped to JSON schema
(``dict``, ``float``, ``tuple``, ``any``, ``STRING``...), local ``$ref`` inlined, ``required`` names
without a property dropped, text NFC-normalised and stripped. Rejected: unknown types, recursive
or non-local ``$ref``, malformed ``properties``/``required``, and anything the JSON Schema
meta-schema refuses.
"""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

import jsonschema

# BFCL's own mapping (bfcl_eval GORILLA_TO_OPENAPI) plus Gemini's upper-case and Python's names.
TYPE_ALIASES = {
    "string": "string", "str": "string", "char": "string", "any": "string",
    "integer": "integer", "int": "integer", "long": "integer", "short": "integer", "byte": "integer",
    "bigint": "integer",
    "number": "number", "float": "number", "double": "number",
    "boolean": "boolean", "bool": "boolean",
    "array": "array", "list": "array", "tuple": "array", "arraylist": "array", "queue": "array",
    "stack": "array",
    "object": "object", "dict": "object", "hashmap": "object", "hashtable": "object",
    "null": "null",
}
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")
_TEXT_KEYS = ("description", "title")


class SchemaProblem(ValueError):
    """A schema that cannot be normalised safely; ``field`` is a dotted path inside it."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field, reason


def clean_text(text: Any) -> str:
    """NFC-normalised, stripped text ('' for None)."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise SchemaProblem("", f"expected text, got {type(text).__name__}")
    return unicodedata.normalize("NFC", text).strip()


def normalize_schema(schema: Any, path: str, notes: list[str], *, object_root: bool = False) -> dict:
    """Return a normalised copy of ``schema``; append a note for every change made.

    ``path`` names the schema in errors and notes (e.g. ``parameters``). With ``object_root`` the
    result is always an object schema with ``properties`` and ``required``.
    """
    if schema is None and object_root:
        schema = {"type": "object", "properties": {}}
    if not isinstance(schema, dict):
        raise SchemaProblem(path, f"expected a JSON object, got {type(schema).__name__}")
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    out = _normalize(copy.deepcopy(schema), path, notes, defs, ())
    out.pop("$defs", None)
    out.pop("definitions", None)
    if object_root:
        if out.get("type", "object") != "object":
            raise SchemaProblem(f"{path}.type", f"must be an object schema, got {out.get('type')!r}")
        if "type" not in out:
            notes.append(f"{path}.type: set to object")
        out["type"] = "object"
        out.setdefault("properties", {})
        out.setdefault("required", [])
    try:
        jsonschema.Draft202012Validator.check_schema(out)
    except jsonschema.SchemaError as exc:
        where = ".".join(str(p) for p in exc.path)
        raise SchemaProblem(f"{path}.{where}" if where else path, exc.message) from None
    return out


def _normalize(node: dict, path: str, notes: list[str], defs: dict, resolving: tuple[str, ...]) -> dict:
    while "$ref" in node:
        node = _inline_ref(node, path, notes, defs, resolving)
        resolving = resolving + (node.pop("__ref__"),)
    if "type" in node:
        node["type"] = _normalize_type(node["type"], f"{path}.type", notes)
    for key in _TEXT_KEYS:
        if key in node:
            try:
                node[key] = clean_text(node[key])
            except SchemaProblem as exc:
                raise SchemaProblem(f"{path}.{key}", exc.reason) from None
    for key in _SUBSCHEMA_MAPS:
        if key in node:
            if not isinstance(node[key], dict):
                raise SchemaProblem(f"{path}.{key}", "must be a JSON object")
            node[key] = {
                name: _normalize(_as_schema(sub, f"{path}.{key}.{name}"), f"{path}.{key}.{name}", notes, defs, resolving)
                for name, sub in node[key].items()
            }
    for key in _SUBSCHEMA_LISTS:
        if key in node:
            if not isinstance(node[key], list):
                raise SchemaProblem(f"{path}.{key}", "must be a list of schemas")
            node[key] = [
                _normalize(_as_schema(sub, f"{path}.{key}.{i}"), f"{path}.{key}.{i}", notes, defs, resolving)
                for i, sub in enumerate(node[key])
            ]
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            node[key] = _normalize(node[key], f"{path}.{key}", notes, defs, resolving)
        elif key == "items" and isinstance(node.get(key), list):  # draft-4 tuple form
            node["prefixItems"] = [
                _normalize(_as_schema(sub, f"{path}.items.{i}"), f"{path}.items.{i}", notes, defs, resolving)
                for i, sub in enumerate(node.pop("items"))
            ]
            notes.append(f"{path}.items: tuple form rewritten as prefixItems")
    if "required" in node:
        node["required"] = _normalize_required(node, path, notes)
    return node


def _as_schema(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise SchemaProblem(path, f"expected a schema object, got {type(value).__name__}")
    return value


def _inline_ref(node: dict, path: str, notes: list[str], defs: dict, resolving: tuple[str, ...]) -> dict:
    ref = node["$ref"]
    if not isinstance(ref, str) or not ref.startswith(("#/$defs/", "#/definitions/")):
        raise SchemaProblem(f"{path}.$ref", f"only local #/$defs/ references are supported, got {ref!r}")
    name = ref.rsplit("/", 1)[1]
    if name in resolving:
        raise SchemaProblem(f"{path}.$ref", f"recursive $ref {ref!r} cannot be inlined")
    if name not in defs:
        raise SchemaProblem(f"{path}.$ref", f"unresolved $ref {ref!r}")
    target = _as_schema(defs[name], f"{path}.$ref")
    merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
    merged["__ref__"] = name
    notes.append(f"{path}: inlined $ref {ref}")
    return merged


def _normalize_type(value: Any, path: str, notes: list[str]) -> str | list[str]:
    if isinstance(value, list):
        return [_normalize_type(v, path, notes) for v in value]
    if not isinstance(value, str):
        raise SchemaProblem(path, f"type must be a string, got {type(value).__name__}")
    mapped = TYPE_ALIASES.get(value.strip().lower())
    if mapped is None:
        raise SchemaProblem(path, f"unknown type {value!r}")
    if mapped != value:
        notes.append(f"{path}: {value!r} -> {mapped!r}")
    return mapped


def _normalize_required(node: dict, path: str, notes: list[str]) -> list[str]:
    required = node["required"]
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise SchemaProblem(f"{path}.required", "must be a list of property names")
    props = node.get("properties", {})
    kept = []
    for name in required:
        if name not in props:
            notes.append(f"{path}.required: dropped {name!r} (no such property)")
        elif name not in kept:
            kept.append(name)
    return kept
