"""Single-turn shapes for the SFT mix: single, parallel, multiple and irrelevance."""

from __future__ import annotations

import random
from collections import defaultdict

from ..store import GraphStore
from .model import Missing, SignaturePath, Turn

# The paper's SFT set: 20K single-turn (single, parallel, multiple; split not given, so even) and
# 6.2K irrelevance samples.
PAPER_MIX = {"single": 20_000 / 3, "parallel": 20_000 / 3, "multiple": 20_000 / 3, "irrelevance": 6_200}


def single_turn_paths(store: GraphStore, n: int, seed: int, mix: dict[str, float] | None = None) -> list[SignaturePath]:
    """``n`` distinct one-turn paths, shapes drawn in proportion to ``mix``.

    parallel: one function called 2-3 times (different arguments); multiple: 2-3 different functions
    of one toolkit; irrelevance: no call, the function that would fit is withheld (``missing``).
    """
    mix = mix or PAPER_MIX
    rng = random.Random(seed)
    rows = sorted(store.run("function/identities"), key=lambda r: r["name"])
    if not rows:
        return []
    by_toolkit: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_toolkit[r["toolkit"]].append(r["name"])
    shapes, weights = zip(*sorted(mix.items()))
    found: dict[str, SignaturePath] = {}
    for _ in range(n * 20):
        if len(found) >= n:
            break
        shape = rng.choices(shapes, weights)[0]
        row = rows[int(rng.random() * len(rows))]
        name, siblings = row["name"], by_toolkit[row["toolkit"]]
        if shape == "single":
            turn = Turn(0, (name,), "single")
        elif shape == "parallel":
            turn = Turn(0, (name,) * rng.choice((2, 3)), "parallel")
        elif shape == "multiple":
            if len(siblings) < 2:
                continue
            turn = Turn(0, tuple(sorted(rng.sample(siblings, min(len(siblings), rng.choice((2, 3)))))), "multiple")
        else:
            turn = Turn(0, (), "irrelevance", missing=Missing("irrelevance", name))
        path = SignaturePath(seed, (turn,))
        found.setdefault(path.id, path)
    return list(found.values())
