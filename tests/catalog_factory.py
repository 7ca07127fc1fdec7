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
