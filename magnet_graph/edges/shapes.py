"""Output shapes: what a tool returns, declared by the catalog or learned by running it.

For executable tools every tool is called on each start state with arguments drawn from that
state; the JSON shape of every successful result (fields, element types, nested records) is merged
into a schema whose fields carry ``x-evidence`` (``declared`` or ``observed``), ``x-observations``
and a few ``examples``. Declared fields keep their descriptions; observed ones are added beside
them. For tools that cannot run, a ``Returns`` sentence in the description names the fields, or
else the LLM judge, where one is given, is asked (``x-evidence: judged``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..signature import FunctionSignature
from ..tokens import name_tokens
from .sandbox import Sandbox, is_executable

MAX_EXAMPLES = 5
CALLS_PER_STATE = 3
_RETURNS = re.compile(r"\breturns?\s+(?:an?|the)?\s*(?:list|array)?\s*(?:of\s+)?(?:the\s+)?([a-z][a-z_ ]{2,40})", re.I)


@dataclass
class OutputShapes:
    """Learned output schemas by function, and the work it took."""

    schemas: dict[str, dict] = field(default_factory=dict)
    calls: int = 0
    observed: int = 0  # functions with at least one successful, observed result

    def output(self, sig: FunctionSignature) -> dict | None:
        return self.schemas.get(sig.name, sig.output)


def learn_shapes(
    signatures: list[FunctionSignature],
    sandbox: Sandbox | None = None,
    describe: Callable[[FunctionSignature], dict | None] | None = None,
) -> OutputShapes:
    """Each tool's output schema: declared, merged with what running it returned, or, for a tool that
    can neither declare nor run, read from its description ("Returns ...") or else asked of
    ``describe`` (the LLM judge's ``output_shape``)."""
    shapes = OutputShapes()
    for sig in signatures:
        seen: list[Any] = []
        if sandbox is not None and is_executable(sig):
            before = sandbox.calls
            for state in sandbox.start_states(sig):
                for pick in range(CALLS_PER_STATE):  # other ids, other records: other shapes
                    ok, result, _ = sandbox.run_sampled(sandbox.fresh(sig, state), sig, pick)
                    if ok and result is not None:
                        seen.append(result)
            shapes.calls += sandbox.calls - before
        if seen:
            shapes.observed += 1
            observed = shape_of(seen)
            shapes.schemas[sig.name] = merge(sig.output, observed) if sig.output else observed
        elif not sig.output:
            described = shape_from_text(sig) or (describe(sig) if describe else None)
            if described:
                shapes.schemas[sig.name] = described
    return shapes


def shape_of(values: list[Any]) -> dict:
    """The JSON schema that fits every one of ``values``, with counts and examples."""
    present = [v for v in values if v is not None]
    schema: dict[str, Any] = {"x-evidence": "observed", "x-observations": len(values)}
    if not present:
        return {**schema, "type": "null"}
    kinds = {_kind(v) for v in present}
    kind = kinds.pop() if len(kinds) == 1 else ("number" if kinds == {"integer", "number"} else "string")
    schema["type"] = kind
    if kind == "object":
        keys: dict[str, list[Any]] = {}
        for v in present:
            for k, sub in v.items():
                keys.setdefault(str(k), []).append(sub)
        if _looks_keyed(keys):
            schema["x-keys"] = sorted(keys)[:MAX_EXAMPLES]  # a table keyed by ids or names, not a record
        else:
            schema["properties"] = {k: shape_of(vs) for k, vs in keys.items()}
    elif kind == "array":
        items = [x for v in present for x in v]
        if items:
            schema["items"] = shape_of(items)
    else:
        examples = []
        for v in present:
            if v not in examples:
                examples.append(v)
        schema["examples"] = examples[:MAX_EXAMPLES]
    return schema


def merge(declared: dict, observed: dict) -> dict:
    """The declared schema with what was observed added: nested fields, item shapes, examples."""
    out = dict(declared)
    out.setdefault("x-evidence", "declared")
    out["x-observations"] = observed.get("x-observations", 0)
    if observed.get("x-keys"):  # running it showed a table keyed by ids: the declared fields are its values'
        out.pop("properties", None)
        out["x-keys"], out["type"] = observed["x-keys"], "object"
        return out
    if "examples" in observed:
        out["examples"] = observed["examples"]
    d_props, o_props = declared.get("properties"), observed.get("properties")
    if isinstance(o_props, dict):
        props = dict(d_props) if isinstance(d_props, dict) else {}
        for k, sub in o_props.items():
            props[k] = merge(props[k], sub) if isinstance(props.get(k), dict) else sub
        out["properties"] = props
        if not declared.get("type") or declared.get("type") in ("dict", "any"):
            out["type"] = "object"
    if isinstance(observed.get("items"), dict):
        d_items = declared.get("items")
        out["items"] = merge(d_items, observed["items"]) if isinstance(d_items, dict) else observed["items"]
    return out


def shape_from_text(sig: FunctionSignature) -> dict | None:
    """``"Returns the order status and tracking number."`` -> a record with those fields."""
    text = " ".join(x for x in (sig.output_description, sig.description) if x)
    m = _RETURNS.search(text)
    if not m:
        return None
    words = re.split(r"\s+and\s+|,\s*", m.group(1).strip())
    props = {}
    for phrase in words:
        tokens = [t for t in name_tokens(phrase) if t not in ("a", "an", "the", "its", "their")][:3]
        if tokens:
            props["_".join(tokens)] = {
                "type": "string",
                "description": f"from the description: {phrase.strip()}",
                "x-evidence": "described",
            }
    return {"type": "object", "properties": props, "x-evidence": "described"} if props else None


def fields(schema: dict | None, prefix: str = "") -> list[tuple[str, dict]]:
    """(path, schema) for every field of a schema, nested fields and list elements included."""
    if not isinstance(schema, dict):
        return []
    found = []
    for k, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{k}" if prefix else k
        found.append((path, sub))
        found += fields(sub, path)
    items = schema.get("items")
    if isinstance(items, dict) and (items.get("properties") or items.get("items")):
        found.append((f"{prefix}[]", items))
        found += fields(items, f"{prefix}[]")
    return found


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, (list, tuple)):
        return "array"
    return "string"


def _looks_keyed(keys: dict[str, list[Any]]) -> bool:
    """A dict keyed by data (ids, names) rather than field names: keys with digits or spaces, or many."""
    return len(keys) > 50 or all(re.search(r"\d|\s|[A-Z]{2}|\.", k) for k in keys)
