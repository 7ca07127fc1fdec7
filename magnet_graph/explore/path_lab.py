"""Path lab: one walk, then Merge / Insert / Split applied one at a time, with the Cypher each step ran."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

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


class RecordingStore:
    """Delegates to a store and notes every named query run through it, with its text. The store
    itself is untouched, so sessions sharing one store never see each other's queries."""

    def __init__(self, store: GraphStore):
        self._store = store
        self.queries: list[dict[str, str]] = []

    def _note(self, name: str) -> None:
        if name not in {q["name"] for q in self.queries}:
            self.queries.append({"name": name, "cypher": load_query(name).text})

    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self._note(name)
        return self._store.run(name, **params)

    def run_many(self, steps, *args, **kwargs):
        for name, _ in steps:
            self._note(name)
        return self._store.run_many(steps, *args, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._store, attribute)


def walk(store: GraphStore, seed: int, start: str | None = None, max_steps: int = 7) -> LabStep:
    """One seeded random walk (from ``start``, or from any function)."""
    config = WalkConfig(max_steps=max_steps, max_rounds=10)
    recorder = RecordingStore(store)
    found = random_walks(recorder, 1, seed, config, starts=[start] if start else None)
    if not found:
        raise MagnetGraphError(
            f"no walk of 2+ functions starts at {start!r} (it has no successor)"
            if start
            else "no walk found: the graph has no edges"
        )
    return LabStep("walk", found[0], recorder.queries)


def apply(
    store: GraphStore, path: SignaturePath, operation: str, seed: int, config: OperationConfig = LAB_CONFIG
) -> LabStep:
    """``merge``, ``insert`` or ``split`` on ``path`` (split returns the copy; None if it made none)."""
    rng = random.Random(seed)
    recorder = RecordingStore(store)
    if operation == "merge":
        result: SignaturePath | None = merge(path, rng, config)
    elif operation == "insert":
        result = insert(recorder, [path], rng, config)[0]
    elif operation == "split":
        copies = split(recorder, [path], rng, config)
        result = copies[0] if copies else None
    else:
        raise MagnetGraphError(f"unknown operation {operation!r}; choose merge, insert or split")
    return LabStep(operation, result, recorder.queries)


def turn_rows(path: SignaturePath) -> list[dict[str, Any]]:
    """One display row per turn: its calls, what made it, what it depends on, what it withholds."""
    rows = []
    for turn in path.turns:
        rows.append(
            {
                "turn": turn.index,
                "calls": ", ".join(turn.functions) or "(none: asks the user)",
                "ops": "+".join(turn.ops),
                "depends on": "; ".join(
                    f"{d.target}.{d.target_param} <- turn {d.turn} {d.source}.{d.source_field} ({d.kind})"
                    for d in turn.depends_on
                ),
                "withholds": f"{turn.missing.kind}: {turn.missing.function}"
                + (f".{turn.missing.param}" if turn.missing.param else "")
                if turn.missing
                else "",
            }
        )
    return rows
