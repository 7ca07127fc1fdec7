"""Normalise the JSON schemas found in wild catalogs, or reject them with the field that is wrong.

Safe fixes (each recorded as a note): BFCL/Gemini/Python type names mapped to JSON schema
(``dict``, ``float``, ``tuple``, ``any``, ``STRING``...), local ``$ref`` inlined, draft-4 tuple
``items`` rewritten as ``prefixItems``, ``required`` names without a property dropped, text
NFC-normalised and stripped. Rejected: unknown types, non-JSON values, recursive, non-local or
unreachable ``$ref``, schemas too large or too deep after ``$ref`` expansion, malformed
``properties``/``required``, and anything the JSON Schema meta-schema refuses.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import jsonschema

# BFCL's own mapping (bfcl_eval GORILLA_TO_OPENAPI) plus Gemini's upper-case and Python's names.
TYPE_ALIASES = {
    "string": "string",
    "str": "string",
    "char": "string",
    "any": "string",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "bigint": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "arraylist": "array",
    "queue": "array",
    "stack": "array",
    "object": "object",
    "dict": "object",
    "hashmap": "object",
    "hashtable": "object",
    "null": "null",
}
MAX_REFS = 200  # $ref inlined per schema
MAX_DEPTH = 64  # nested subschemas
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SUBSCHEMAS = (
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
)
_DATA_KEYS = ("enum", "const", "default", "examples")  # values, not schemas: a "$ref" key there is data
_NOT_SCANNED = _SUBSCHEMA_LISTS + _SUBSCHEMA_MAPS + _SUBSCHEMAS + _DATA_KEYS  # any other key: no $ref left
_TEXT_KEYS = ("description", "title")
_REF = re.compile(r"#/(\$defs|definitions)/([^/]+)")
_JSON_TYPES = (dict, list, str, int, float, type(None))


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
    try:
        where = _find(schema, path, lambda v: not isinstance(v, _JSON_TYPES))
        if where is not None:
            raise SchemaProblem(where, "not a JSON value (string, number, boolean, null, list or object)")
        out = _Walk(schema, path, notes).schema(copy.deepcopy(schema), path, (), 0)
        if object_root:
            if out.get("type", "object") != "object":
                raise SchemaProblem(f"{path}.type", f"must be an object schema, got {out.get('type')!r}")
            if "type" not in out:
                notes.append(f"{path}.type: set to object")
            out["type"] = "object"
            out.setdefault("properties", {})
            out.setdefault("required", [])
            out["required"] = _normalize_required(out, path, notes)  # now against the root's properties
        jsonschema.Draft202012Validator.check_schema(out)
    except RecursionError:
        raise SchemaProblem(path, "nested too deeply") from None
    except jsonschema.SchemaError as exc:
        where = ".".join(str(p) for p in exc.path)
        raise SchemaProblem(f"{path}.{where}" if where else path, exc.message) from None
    return out


class _Walk:
    """One schema's normalisation: its definitions, its notes and its ``$ref`` budget."""

    def __init__(self, root: dict, path: str, notes: list[str]):
        self.notes, self.refs, self.defs = notes, 0, {}
        for key in ("$defs", "definitions"):
            self.defs[key] = root.get(key, {})
            if not isinstance(self.defs[key], dict):
                raise SchemaProblem(f"{path}.{key}", "must be a JSON object")

    def schema(self, node: dict, path: str, resolving: tuple, depth: int) -> dict:
        if depth > MAX_DEPTH:
            raise SchemaProblem(path, f"schema nested deeper than {MAX_DEPTH} levels")
        while "$ref" in node:
            node, ref = self.inline(node, path, resolving)
            resolving += (ref,)
        node.pop("$defs", None)  # every local $ref is inlined by now
        node.pop("definitions", None)
        if "type" in node:
            node["type"] = _normalize_type(node["type"], f"{path}.type", self.notes)
        for key in _TEXT_KEYS:
            if key in node:
                try:
                    node[key] = clean_text(node[key])
                except SchemaProblem as exc:
                    raise SchemaProblem(f"{path}.{key}", exc.reason) from None
        if isinstance(node.get("items"), list):  # draft-4 tuple form; additionalItems closes it
            node["prefixItems"] = node.pop("items")
            note = f"{path}.items: tuple form rewritten as prefixItems"
            if "additionalItems" in node:
                node["items"] = node.pop("additionalItems")
                note += ", additionalItems as items"
            self.notes.append(note)

        def sub(value: Any, where: str) -> dict:
            return self.schema(_as_schema(value, where), where, resolving, depth + 1)

        for key in _SUBSCHEMA_MAPS:
            if key in node:
                if not isinstance(node[key], dict):
                    raise SchemaProblem(f"{path}.{key}", "must be a JSON object")
                node[key] = {name: sub(s, f"{path}.{key}.{name}") for name, s in node[key].items()}
        for key in _SUBSCHEMA_LISTS:
            if key in node:
                if not isinstance(node[key], list):
                    raise SchemaProblem(f"{path}.{key}", "must be a list of schemas")
                node[key] = [sub(s, f"{path}.{key}.{i}") for i, s in enumerate(node[key])]
        for key in _SUBSCHEMAS:
            if isinstance(node.get(key), dict):
                node[key] = sub(node[key], f"{path}.{key}")
        for key, value in node.items():
            where = None if key in _NOT_SCANNED else _find(value, f"{path}.{key}", _has_ref)
            if where is not None:
                raise SchemaProblem(f"{where}.$ref", f"$ref under {key!r} is not supported")
        if "required" in node:
            node["required"] = _normalize_required(node, path, self.notes)
        return node

    def inline(self, node: dict, path: str, resolving: tuple) -> tuple[dict, tuple[str, str]]:
        """``node`` with its ``$ref`` replaced by the definition (the node's own keys win)."""
        ref = node["$ref"]
        match = _REF.fullmatch(ref) if isinstance(ref, str) else None
        if match is None:
            raise SchemaProblem(
                f"{path}.$ref",
                f"unsupported $ref {ref!r}: only local #/$defs/NAME and #/definitions/NAME are supported",
            )
        kind, name = match[1], unquote(match[2]).replace("~1", "/").replace("~0", "~")
        if (kind, name) in resolving:
            raise SchemaProblem(f"{path}.$ref", f"recursive $ref {ref!r} cannot be inlined")
        if name not in self.defs[kind]:
            raise SchemaProblem(f"{path}.$ref", f"unresolved $ref {ref!r}")
        self.refs += 1
        if self.refs > MAX_REFS:
            raise SchemaProblem(f"{path}.$ref", f"schema too large after $ref expansion (over {MAX_REFS} inlined)")
        target = _as_schema(self.defs[kind][name], f"{path}.$ref")
        self.notes.append(f"{path}: inlined $ref {ref}")
        return {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}, (kind, name)


def _find(value: Any, path: str, hit: Callable[[Any], bool]) -> str | None:
    """Dotted path of the first value in ``value`` (itself included) for which ``hit`` is true."""
    if hit(value):
        return path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return next((p for k, v in items if (p := _find(v, f"{path}.{k}", hit)) is not None), None)


def _has_ref(value: Any) -> bool:
    return isinstance(value, dict) and "$ref" in value


def _as_schema(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise SchemaProblem(path, f"expected a schema object, got {type(value).__name__}")
    return value


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
    props = node.get("properties")  # without properties (allOf/oneOf branches...) keep every name
    kept = []
    for name in required:
        if props is not None and name not in props:
            notes.append(f"{path}.required: dropped {name!r} (no such property)")
        elif name not in kept:
            kept.append(name)
    return kept
