"""Ports: the output fields and input parameters that edges connect."""

from __future__ import annotations

from dataclasses import dataclass

from ..signature import FunctionSignature


@dataclass(frozen=True)
class Port:
    function: str
    name: str
    type: str
    item_type: str  # element type of an array ("" if unknown or not an array)
    description: str
    toolkit: str
    category: str


def _port(sig: FunctionSignature, name: str, schema: dict) -> Port:
    t = schema.get("type", "string")
    t = next((x for x in t if x != "null"), "string") if isinstance(t, list) else t
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    item_type = items.get("type", "") if isinstance(items.get("type", ""), str) else ""
    return Port(sig.name, name, t, item_type, schema.get("description", ""), sig.toolkit, sig.category)


def outputs(sig: FunctionSignature) -> list[Port]:
    """Top-level output fields (none when the catalog describes the output only in words)."""
    return [_port(sig, n, s) for n, s in (sig.output or {}).get("properties", {}).items()]


def inputs(sig: FunctionSignature) -> list[Port]:
    return [_port(sig, n, s) for n, s in sig.parameters.get("properties", {}).items()]
