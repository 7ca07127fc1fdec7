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


_POOL_NOUNS = [
    "order",
    "customer",
    "invoice",
    "booking",
    "product",
    "account",
    "device",
    "ticket",
    "shipment",
    "user",
    "project",
    "task",
    "flight",
    "hotel",
    "room",
    "reservation",
    "payment",
    "refund",
    "card",
    "loan",
    "policy",
    "claim",
    "patient",
    "appointment",
    "doctor",
    "prescription",
    "course",
    "student",
    "lesson",
    "grade",
    "vehicle",
    "trip",
    "driver",
    "route",
    "parcel",
    "warehouse",
    "supplier",
    "contract",
    "employee",
    "payroll",
    "candidate",
    "interview",
    "campaign",
    "lead",
    "deal",
    "subscription",
    "plan",
    "meter",
    "reading",
    "sensor",
    "alert",
    "incident",
    "repository",
    "commit",
    "build",
    "release",
    "playlist",
    "track",
    "album",
    "artist",
    "recipe",
    "ingredient",
    "menu",
    "table",
    "event",
    "venue",
    "seat",
    "listing",
    "property",
    "lease",
    "tenant",
    "survey",
    "response",
    "document",
    "folder",
    "note",
    "comment",
    "review",
    "message",
    "channel",
    "team",
    "meeting",
    "calendar",
    "asset",
    "portfolio",
    "trade",
    "quote",
    "watchlist",
    "budget",
    "expense",
    "receipt",
    "donation",
    "volunteer",
    "shelter",
    "pet",
]
_POOL_CATEGORIES = 49  # the Magnet paper's pool: 5,011 functions in 49 categories
_VERBS = ("create", "get", "list", "update", "delete", "search", "cancel", "summarize", "count", "export")
_MEASURES = (
    ("distance_km", "number", "Distance in kilometers."),
    ("weight_kg", "number", "Weight in kilograms."),
    ("duration_minutes", "integer", "Duration in minutes."),
    ("temperature_celsius", "number", "Temperature in degrees Celsius."),
)


def pool_catalog(
    n: int, seed: int = 0, categories: int = _POOL_CATEGORIES, toolkit_size: int | None = None
) -> list[FunctionSignature]:
    """``n`` functions shaped like a public API pool (RapidAPI/ToolBench, the Magnet paper's 5,011
    in 49 categories): toolkits of 3-200 tools (log-normal, median ~12), each managing a few of a
    category's entities through typed CRUD-style calls. Entity fields (``customer_id``, ``amount``,
    ``created_at``) recur across toolkits and categories; outputs are typed records, nested lists
    of records included; every parameter and field carries a description. ``toolkit_size`` fixes
    every toolkit's size instead (one big OpenAPI file is one toolkit of thousands)."""
    rng = random.Random(seed)
    category_entities = [rng.sample(_POOL_NOUNS, 12) for _ in range(categories)]
    sigs: list[FunctionSignature] = []
    t = 0
    while len(sigs) < n:
        c = t % categories
        size = toolkit_size or max(3, min(200, round(rng.lognormvariate(2.5, 0.8))))
        entities = rng.sample(category_entities[c], rng.randint(2, 6))
        toolkit = f"cat{c}_{entities[0]}_service_{t}"
        for i in range(size):
            if len(sigs) >= n:
                break
            entity = entities[i % len(entities)]
            verb = _VERBS[(i // len(entities) + t) % len(_VERBS)]
            sigs.append(_pool_function(rng, toolkit, f"category_{c}", entity, entities, verb, f"{t}_{i}"))
        t += 1
    return sigs


def _pool_function(rng, toolkit, category, entity, entities, verb, suffix) -> FunctionSignature:
    other = rng.choice([e for e in entities if e != entity])
    ident = {"type": "string", "description": f"Unique identifier of the {entity}."}
    record: dict = {
        f"{entity}_id": ident,
        "name": {"type": "string", "description": f"Display name of the {entity}."},
        f"{other}_id": {"type": "string", "description": f"Identifier of the {other} this {entity} belongs to."},
        "created_at": {"type": "string", "format": "date-time", "description": "Creation date and time."},
        "status": {"type": "string", "enum": ["active", "closed", "pending"], "description": "Current state."},
    }
    if rng.random() < 0.6:
        record["amount"] = {"type": "number", "description": f"Total amount of the {entity} in US dollars."}
    if rng.random() < 0.3:
        field, kind, text = rng.choice(_MEASURES)
        record[field] = {"type": kind, "description": text}
    if rng.random() < 0.3:
        record["description"] = {"type": "string", "description": f"Long free-text description of the {entity}."}
    params: dict = {f"{entity}_id": ident}
    if verb in ("create", "search"):
        params = {
            "name": {"type": "string", "description": f"Name of the new {entity}."},
            f"{other}_id": {"type": "string", "description": f"Identifier of the {other} it belongs to."},
        }
        if "amount" in record:
            params["amount"] = {"type": "number", "description": "Amount in US dollars."}
    elif verb == "list":
        params = {
            f"{other}_id": {"type": "string", "description": f"Identifier of the {other} to list {entity}s of."},
            "limit": {"type": "integer", "description": "Maximum number of results."},
        }
    elif verb == "update":
        params["status"] = {"type": "string", "enum": ["active", "closed", "pending"], "description": "New state."}
    if verb in ("list", "search", "export"):
        output = {
            "type": "object",
            "properties": {
                f"{entity}s": {"type": "array", "items": {"type": "object", "properties": record}},
                "total_count": {"type": "integer", "description": f"Number of {entity}s found."},
            },
        }
    elif verb in ("count", "summarize"):
        output = {
            "type": "object",
            "properties": {
                "total_count": {"type": "integer", "description": f"Number of {entity}s."},
                "summary": {"type": "string", "description": f"Text summary of the {entity}s."},
            },
        }
    else:
        output = {"type": "object", "properties": record}
    return make_signature(
        source="synthetic",
        original_name=f"{verb}_{entity}_{suffix}",
        description=f"{verb.title()} a {entity} in {toolkit.replace('_', ' ')}.",
        parameters={"type": "object", "properties": params, "required": sorted(params)[:1]},
        output=output,
        toolkit=toolkit,
        category=category,
        execution={"kind": "simulated"},
    )
