"""Path lab: one walk, then Merge / Insert / Split applied one at a time, with the Cypher each step ran."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import MagnetGraphError
from ..paths.model import SignaturePath
from ..paths.operations import OperationConfig, insert, merge, split
from ..paths.walks import WalkConfig, random_walks
from ..store.cypher_files import load_query
from ..store.graph_store import GraphStore

# The lab's defaults: the paper's merge probability; Split always makes its copy when asked.
LAB_CONFIG = OperationConfig(merge_p=0.3, insert_p=0.5, split_p=1.0)


@dataclass
class LabStep:
    """What one step did: its name, the resulting path, and the named queries it ran with their text."""

    name: str
    path: SignaturePath | None
    queries: list[dict[str, str]] = field(default_factory=list)


@contextlib.contextmanager
def recorded_queries(store: GraphStore) -> Iterator[list[dict[str, str]]]:
    """Within the block, every named query the store runs is appended as ``{"name", "cypher"}``."""
    seen: list[dict[str, str]] = []
    original = store.run_many

    def run_many(steps, *args, **kwargs):
        for name, _ in steps:
            seen.append({"name": name, "cypher": load_query(name).text})
        return original(steps, *args, **kwargs)

    store.run_many = run_many
    try:
        yield seen
    finally:
        del store.run_many  # back to the class's method


def walk(store: GraphStore, seed: int, start: str | None = None, max_steps: int = 7) -> LabStep:
    """One seeded random walk (from ``start``, or from any function)."""
    config = WalkConfig(max_steps=max_steps, max_rounds=10)
    with recorded_queries(store) as queries:
        found = random_walks(store, 1, seed, config, starts=[start] if start else None)
    if not found:
        raise MagnetGraphError(f"no walk of 2+ functions starts at {start!r} (it has no successor)" if start
                               else "no walk found: the graph has no edges")
    return LabStep("walk", found[0], _unique(queries))


def apply(store: GraphStore, path: SignaturePath, operation: str, seed: int,
          config: OperationConfig = LAB_CONFIG) -> LabStep:
    """``merge``, ``insert`` or ``split`` on ``path`` (split returns the copy; None if it made none)."""
    rng = random.Random(seed)
    with recorded_queries(store) as queries:
        if operation == "merge":
            result: SignaturePath | None = merge(path, rng, config)
        elif operation == "insert":
            result = insert(store, [path], rng, config)[0]
        elif operation == "split":
            copies = split(store, [path], rng, config)
            result = copies[0] if copies else None
        else:
            raise MagnetGraphError(f"unknown operation {operation!r}; choose merge, insert or split")
    return LabStep(operation, result, _unique(queries))


def turn_rows(path: SignaturePath) -> list[dict[str, Any]]:
    """One display row per turn: its calls, what made it, what it depends on, what it withholds."""
    rows = []
    for turn in path.turns:
        rows.append({"turn": turn.index, "calls": ", ".join(turn.functions) or "(none: asks the user)",
                     "op": turn.op,
                     "depends on": "; ".join(f"{d.target}.{d.target_param} <- turn {d.turn} {d.source}.{d.source_field}"
                                             f" ({d.kind})" for d in turn.depends_on),
                     "withholds": f"{turn.missing.kind}: {turn.missing.function}"
                                  + (f".{turn.missing.param}" if turn.missing.param else "") if turn.missing else ""})
    return rows


def _unique(queries: list[dict[str, str]]) -> list[dict[str, str]]:
    names, out = set(), []
    for q in queries:
        if q["name"] not in names:
            names.add(q["name"])
            out.append(q)
    return out
