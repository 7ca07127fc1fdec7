"""Seeded random walks, carried out by Cypher in the graph: all walkers advance one hop per query.

Cypher's ``rand()`` takes no seed, so Python draws one number per active walker per hop from
``random.Random(seed)``, in walker order, and passes them as parameters; ``cypher/walk/step.cypher``
turns each number into a successor in a fixed (name) order. Same seed, same graph -> same paths,
on any store. A walk stops at S functions or at a dead end (no unvisited successor); with
``backtrack`` it first steps on from an earlier function (a branch: a later turn uses an older result).
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
    batch_size: int = 1000  # walkers per hop query (bench/walks.py: 2.2x faster than 5,000 at 10k walks)
    backtrack: int = 0  # at a dead end, step on from up to this many earlier functions (latest first)


def walk_sequences(store: GraphStore, starts: list[str], seed: int, config: WalkConfig) -> list[list[str]]:
    """One walk per start (in order): the function sequences, from one hop query per step."""
    return [names for names, _ in walk_trees(store, starts, seed, config)]


def walk_trees(
    store: GraphStore, starts: list[str], seed: int, config: WalkConfig
) -> list[tuple[list[str], list[int]]]:
    """One walk per start (in order): its functions and, for each, the position of the one whose
    output it follows (-1 for the start). A plain walk follows the previous function; with
    ``backtrack``, a walker at a dead end steps on from an earlier function instead (the latest
    that still has an unvisited successor): the conversation goes back to an earlier result."""
    rng = random.Random(seed)
    paths = [[s] for s in starts]
    parents = [[-1] for _ in starts]
    active = list(range(len(paths)))
    for _ in range(config.max_steps - 1):
        if not active:
            break
        draws = {i: rng.random() for i in active}
        chosen: dict[int, tuple[str, int]] = {}
        waiting = list(active)
        for back in range(1 + config.backtrack):
            at = {i: len(paths[i]) - 1 - back for i in waiting if len(paths[i]) - 1 - back >= 0}
            walkers = [{"id": i, "last": paths[i][at[i]], "visited": paths[i], "r": draws[i]} for i in at]
            for k in range(0, len(walkers), config.batch_size):
                rows = store.run(
                    "walk/step",
                    walkers=walkers[k : k + config.batch_size],
                    weighted=config.weighted,
                    min_score=config.min_score,
                )
                chosen.update((r["id"], (r["next"], at[r["id"]])) for r in rows if r["next"] is not None)
            waiting = [i for i in waiting if i not in chosen]
            if not waiting:
                break
        for i in active:
            if i in chosen:
                paths[i].append(chosen[i][0])
                parents[i].append(chosen[i][1])
        active = [i for i in active if i in chosen]
    return list(zip(paths, parents, strict=True))


def random_walks(
    store: GraphStore, n: int, seed: int, config: WalkConfig = WalkConfig(), starts: list[str] | None = None
) -> list[SignaturePath]:
    """Up to ``n`` distinct paths, seeded. Each round walks from as many start functions as the
    paths still wanted (a quarter more, for repeats), taken in a seeded order that uses every
    start function (every function with an outgoing edge, or ``starts``) once before any again:
    the work follows ``n``, not the graph's size, and coverage comes first."""
    starts = starts if starts is not None else [r["name"] for r in store.run("walk/starts", min_score=config.min_score)]
    rng = random.Random(seed)
    order = list(starts)
    rng.shuffle(order)
    cursor = 0
    seen: set[tuple] = set()
    walks: list[tuple[list[str], list[int]]] = []
    barren = 0
    for _ in range(config.max_rounds):
        if len(walks) >= n or not order:
            break
        need = n - len(walks)
        want = min(len(order), need + need // 4 + 8)
        chosen = [order[(cursor + k) % len(order)] for k in range(want)]
        cursor = (cursor + want) % len(order)
        new = 0
        batch = [s for s in chosen for _ in range(config.walks_per_start)]
        for names, parents in walk_trees(store, batch, rng.randrange(2**32), config):
            key = (tuple(names), tuple(parents))
            if len(names) >= config.min_length and key not in seen:
                seen.add(key)
                walks.append((names, parents))
                new += 1
        barren = 0 if new else barren + 1
        if barren >= config.patience:
            break
    walks = walks[:n]
    links = _links(store, walks)
    return [_plain_path(names, parents, seed, links) for names, parents in walks]


def _links(store: GraphStore, walks: list[tuple[list[str], list[int]]]) -> dict[tuple[str, str], dict]:
    pairs = sorted({(names[p], names[i]) for names, parents in walks for i, p in enumerate(parents) if p >= 0})
    rows = store.run("walk/links", pairs=[{"source": a, "target": b} for a, b in pairs]) if pairs else []
    return {(r["source"], r["target"]): r for r in rows}


def _plain_path(names: list[str], parents: list[int], seed: int, links: dict) -> SignaturePath:
    turns = []
    for i, name in enumerate(names):
        deps = ()
        if parents[i] >= 0:
            link = links[(names[parents[i]], name)]
            source = (parents[i], link["source"], link["source_field"], name, link["target_param"], link["kind"])
            deps = (Dependency(*source),)
        turns.append(PathTurn(i, (name,), ("walk",), deps))
    return SignaturePath(seed, tuple(turns))
