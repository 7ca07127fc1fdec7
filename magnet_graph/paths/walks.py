"""Seeded random walks, carried out by Cypher in the graph: all walkers advance one hop per query.

Cypher's ``rand()`` takes no seed, so Python draws one number per active walker per hop from
``random.Random(seed)``, in walker order, and passes them as parameters; ``cypher/walk/step.cypher``
turns each number into a successor in a fixed (name) order. Same seed, same graph -> same paths,
on any store. A walk stops at S functions or at a dead end (no unvisited successor).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..store import GraphStore
from .model import Dependency, PathTurn, SignaturePath


@dataclass(frozen=True)
class WalkConfig:
    max_steps: int = 7  # S: functions (turns) per path, as in the paper
    walks_per_start: int = 1  # per round; rounds repeat until n paths or no new path
    min_length: int = 2  # shorter walks (dead-end starts) are not multi-turn paths
    weighted: bool = False  # pick successors in proportion to edge score
    min_score: float = 0.0  # ignore edges scoring below this
    max_rounds: int = 50
    patience: int = 3  # stop after this many rounds in a row that found no new path
    batch_size: int = 5000  # walkers per hop query


def walk_sequences(store: GraphStore, starts: list[str], seed: int, config: WalkConfig) -> list[list[str]]:
    """One walk per start (in order): the function sequences, from one hop query per step."""
    rng = random.Random(seed)
    paths = [[s] for s in starts]
    active = list(range(len(paths)))
    for _ in range(config.max_steps - 1):
        if not active:
            break
        walkers = [{"id": i, "last": paths[i][-1], "visited": paths[i], "r": rng.random()} for i in active]
        chosen = {}
        for k in range(0, len(walkers), config.batch_size):
            rows = store.run(
                "walk/step",
                walkers=walkers[k : k + config.batch_size],
                weighted=config.weighted,
                min_score=config.min_score,
            )
            chosen.update((r["id"], r["next"]) for r in rows if r["next"] is not None)
        for i in active:
            if i in chosen:
                paths[i].append(chosen[i])
        active = [i for i in active if i in chosen]
    return paths


def random_walks(
    store: GraphStore, n: int, seed: int, config: WalkConfig = WalkConfig(), starts: list[str] | None = None
) -> list[SignaturePath]:
    """Up to ``n`` distinct paths from walks starting at every function (or ``starts``), seeded."""
    starts = starts if starts is not None else [r["name"] for r in store.run("walk/starts", min_score=config.min_score)]
    rng = random.Random(seed)
    seen: set[tuple[str, ...]] = set()
    sequences: list[list[str]] = []
    barren = 0
    for _ in range(config.max_rounds):
        if len(sequences) >= n or not starts:
            break
        new = 0
        batch = [s for s in starts for _ in range(config.walks_per_start)]
        for seq in walk_sequences(store, batch, rng.randrange(2**32), config):
            key = tuple(seq)
            if len(seq) >= config.min_length and key not in seen:
                seen.add(key)
                sequences.append(seq)
                new += 1
        barren = 0 if new else barren + 1
        if barren >= config.patience:
            break
    sequences = sequences[:n]
    links = _links(store, sequences)
    return [_plain_path(seq, seed, links) for seq in sequences]


def _links(store: GraphStore, sequences: list[list[str]]) -> dict[tuple[str, str], dict]:
    pairs = sorted({(a, b) for seq in sequences for a, b in zip(seq, seq[1:])})
    rows = store.run("walk/links", pairs=[{"source": a, "target": b} for a, b in pairs]) if pairs else []
    return {(r["source"], r["target"]): r for r in rows}


def _plain_path(seq: list[str], seed: int, links: dict) -> SignaturePath:
    turns = []
    for i, name in enumerate(seq):
        deps = ()
        if i:
            link = links[(seq[i - 1], name)]
            deps = (Dependency(i - 1, link["source"], link["source_field"], name, link["target_param"], link["kind"]),)
        turns.append(PathTurn(i, (name,), ("walk",), deps))
    return SignaturePath(seed, tuple(turns))
