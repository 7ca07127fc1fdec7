"""Synthetic catalogs for tests and benchmarks: deterministic from a seed, any size."""

from __future__ import annotations

import random

from magnet_graph.catalogs.common import make_signature
from magnet_graph.signature import FunctionSignature
from magnet_graph.store import FeedsEdge

_TYPES = ("string", "integer", "number", "boolean")


def synthetic_catalog(n: int, seed: int = 0, toolkits: int = 50) -> list[FunctionSignature]:
    """``n`` functions with 1-4 parameters and 1-3 response fields each."""
    rng = random.Random(seed)
    sigs = []
    for i in range(n):
        params = {
            f"p{j}": {"type": rng.choice(_TYPES), "description": f"parameter {j} of fn_{i}"}
            for j in range(rng.randint(1, 4))
        }
        fields = {
            f"out{j}": {"type": rng.choice(_TYPES), "description": f"field {j}"} for j in range(rng.randint(1, 3))
        }
        toolkit = f"toolkit_{i % toolkits}"
        sigs.append(
            make_signature(
                source="synthetic",
                original_name=f"fn_{i}",
                description=f"Synthetic function number {i}.",
                parameters={"type": "object", "properties": params, "required": sorted(params)[:1]},
                output={"type": "object", "properties": fields},
                toolkit=toolkit,
                category=toolkit,
                execution={"kind": "simulated"},
            )
        )
    return sigs


def synthetic_edges(sigs: list[FunctionSignature], per_function: int = 5, seed: int = 0) -> list[FeedsEdge]:
    """``per_function`` distinct FEEDS edges out of every function, to random other functions."""
    rng = random.Random(seed)
    edges = []
    for sig in sigs:
        out_field = sig.response_fields()[0]["name"]
        targets = [t for t in rng.sample(sigs, per_function + 1) if t is not sig][:per_function]
        for target in targets:
            edges.append(
                FeedsEdge(
                    sig.name,
                    target.name,
                    out_field,
                    target.parameter_fields()[0]["name"],
                    "full",
                    round(rng.random(), 3),
                    ({"kind": "schema", "score": 0.5},),
                )
            )
    return edges


_ENTITIES = [
    "order",
    "ticket",
    "invoice",
    "booking",
    "product",
    "customer",
    "account",
    "device",
    "line",
    "bill",
    "plan",
    "shipment",
    "user",
    "project",
    "task",
]
_DOMAINS = ["shop", "support", "travel", "telecom", "bank", "crm", "fleet", "hr"]


def entity_catalog(n: int, seed: int = 0, per_toolkit: int = 20) -> list[FunctionSignature]:
    """``n`` functions shaped like real CRUD APIs: each toolkit manages a few entities with
    ``create_x`` / ``get_x`` / ``list_xs`` / ``update_x`` / ``delete_x`` over ids, names, amounts,
    counts, dates and free text, so edge inference has real candidates at any size."""
    rng = random.Random(seed)
    sigs: list[FunctionSignature] = []
    verbs = ("create", "get", "list", "update", "delete", "search", "summarize")
    for t in range(-(-n // per_toolkit)):
        toolkit = f"{rng.choice(_DOMAINS)}_{t}"
        entities = rng.sample(_ENTITIES, 4)
        for i in range(per_toolkit):
            if len(sigs) >= n:
                break
            entity, other = entities[i % 4], entities[(i + 1) % 4]
            verb = verbs[(i // 4 + t) % len(verbs)]
            params = {f"{entity}_id": {"type": "string", "description": f"Id of the {entity}."}}
            if verb in ("create", "search"):
                params = {
                    "name": {"type": "string", "description": f"Name of the {entity}."},
                    f"{other}_id": {"type": "string", "description": f"Id of the {other} it belongs to."},
                    "amount": {"type": "number", "description": "Amount in dollars."},
                }
            if verb == "update":
                params["note"] = {"type": "string", "description": "Free text note to add."}
            record = {
                f"{entity}_id": {"type": "string", "description": f"Id of the {entity}."},
                "name": {"type": "string", "description": f"Name of the {entity}."},
                "amount": {"type": "number", "description": "Amount in dollars."},
                "created_at": {"type": "string", "description": "Creation date."},
            }
            output = (
                {
                    "type": "object",
                    "properties": {f"{entity}s": {"type": "array", "items": {"type": "object", "properties": record}}},
                }
                if verb in ("list", "search")
                else {
                    "type": "object",
                    "properties": {**record, "item_count": {"type": "integer", "description": "Items."}},
                }
            )
            sigs.append(
                make_signature(
                    source="synthetic",
                    original_name=f"{verb}_{entity}_{t}_{i}",
                    description=f"{verb.title()} a {entity}.",
                    parameters={"type": "object", "properties": params, "required": sorted(params)[:1]},
                    output=output,
                    toolkit=toolkit,
                    category=toolkit,
                    execution={"kind": "simulated"},
                )
            )
    return sigs
