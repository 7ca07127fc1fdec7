"""FunctionSignature: the one normalised shape every catalog is imported into."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FunctionSignature:
    """A tool as magnet-graph knows it, whatever catalog it came from.

    ``parameters`` and ``output`` are JSON schemas (``output`` is ``None`` when the catalog only
    describes the output in words, in ``output_description``). ``execution`` says how to run the
    tool: ``{"kind": "bfcl", "class": ..., "method": ...}``, ``{"kind": "python", ...}`` or
    ``{"kind": "simulated"}``. ``notes`` lists every normalisation applied on import.
    """

    name: str
    original_name: str
    description: str
    parameters: dict[str, Any]
    required: tuple[str, ...]
    output: dict[str, Any] | None
    output_description: str
    toolkit: str
    category: str
    source: str
    execution: dict[str, Any]
    toolkit_description: str = ""
    notes: tuple[str, ...] = field(default=())

    def parameter_fields(self) -> list[dict[str, Any]]:
        """Top-level parameters as flat rows: name, type, description, required."""
        props = self.parameters.get("properties", {})
        return [
            {
                "name": pname,
                "type": _type_label(schema),
                "description": schema.get("description", ""),
                "required": pname in self.required,
            }
            for pname, schema in props.items()
        ]

    def response_fields(self) -> list[dict[str, Any]]:
        """Top-level output fields as flat rows: name, type, description."""
        props = (self.output or {}).get("properties", {})
        return [
            {"name": fname, "type": _type_label(schema), "description": schema.get("description", "")}
            for fname, schema in props.items()
        ]

    def to_record(self) -> dict[str, Any]:
        """Flat, primitive-only properties for a graph node (schemas travel as JSON strings)."""
        return {
            "name": self.name,
            "original_name": self.original_name,
            "description": self.description,
            "toolkit_description": self.toolkit_description,
            "parameters": _canonical_json(self.parameters),
            "required": list(self.required),
            "output": _canonical_json(self.output) if self.output is not None else "",
            "output_description": self.output_description,
            "toolkit": self.toolkit,
            "category": self.category,
            "source": self.source,
            "execution": _canonical_json(self.execution),
            "notes": list(self.notes),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FunctionSignature:
        """Inverse of :meth:`to_record`; extra node properties (``graph``, ``hash``) are ignored."""
        return cls(
            name=record["name"],
            original_name=record["original_name"],
            description=record["description"],
            toolkit_description=record.get("toolkit_description", ""),
            parameters=json.loads(record["parameters"]),
            required=tuple(record.get("required") or ()),
            output=json.loads(record["output"]) if record.get("output") else None,
            output_description=record.get("output_description", ""),
            toolkit=record["toolkit"],
            category=record["category"],
            source=record["source"],
            execution=json.loads(record["execution"]),
            notes=tuple(record.get("notes") or ()),
        )

    def with_name(self, name: str) -> FunctionSignature:
        return dataclasses.replace(self, name=name)

    def content_hash(self) -> str:
        """SHA-256 of the canonical record: equal hashes mean byte-equal content."""
        return hashlib.sha256(_canonical_json(self.to_record()).encode("utf-8")).hexdigest()


def catalog_hash(signatures: list[FunctionSignature]) -> str:
    """Order-independent hash of a set of signatures."""
    digest = hashlib.sha256()
    for h in sorted(sig.content_hash() for sig in signatures):
        digest.update(h.encode("ascii"))
    return digest.hexdigest()


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _type_label(schema: dict[str, Any]) -> str:
    t = schema.get("type", "")
    return "|".join(t) if isinstance(t, list) else str(t)
