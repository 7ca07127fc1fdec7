"""Single-turn shapes for the SFT mix: single, parallel, multiple and irrelevance."""

from __future__ import annotations

import random
from collections import defaultdict

from ..config import PAPER_SFT_MIX, SINGLE_TURN_SHAPES
from ..records import Missing
from ..store import GraphStore
from .model import PathTurn, SignaturePath


def single_turn_paths(
    store: GraphStore, n: int, seed: int, weights: dict[str, float] | None = None
) -> list[SignaturePath]:
    """``n`` distinct one-turn paths, shapes drawn in proportion to ``weights`` (default the paper's).

    parallel: one function called 2-3 times (different arguments); multiple: 2-3 different functions
    of one toolkit; irrelevance: no call, the function that would fit is withheld (``missing``).
    """
    weights = weights or {s: PAPER_SFT_MIX[s] for s in SINGLE_TURN_SHAPES}
    rng = random.Random(seed)
    rows = sorted(store.run("function/identities"), key=lambda r: r["name"])
    if not rows:
        return []
    by_toolkit: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_toolkit[r["toolkit"]].append(r["name"])
    shapes, chances = zip(*sorted(weights.items()))
    found: dict[str, SignaturePath] = {}
    for _ in range(n * 20):
        if len(found) >= n:
            break
        shape = rng.choices(shapes, chances)[0]
        row = rows[int(rng.random() * len(rows))]
        name, siblings = row["name"], by_toolkit[row["toolkit"]]
        if shape == "single":
            turn = PathTurn(0, (name,), ("single",))
        elif shape == "parallel":
            turn = PathTurn(0, (name,) * rng.choice((2, 3)), ("parallel",))
        elif shape == "multiple":
            if len(siblings) < 2:
                continue
            chosen = rng.sample(siblings, min(len(siblings), rng.choice((2, 3))))
            turn = PathTurn(0, tuple(sorted(chosen)), ("multiple",))
        else:
            turn = PathTurn(0, (), ("irrelevance",), missing=Missing("irrelevance", name))
        path = SignaturePath(seed, (turn,))
        found.setdefault(path.id, path)
    return list(found.values())
