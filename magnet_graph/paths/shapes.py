"""Single-turn shapes for the SFT mix: single, parallel, multiple and irrelevance."""

from __future__ import annotations

import random
from collections import defaultdict

from ..config import PAPER_SFT_MIX, SINGLE_TURN_SHAPES
from ..records import Missing
from ..signature import FunctionSignature
from ..store import GraphStore
from .model import PathTurn, SignaturePath


def single_turn_paths(
    store: GraphStore, n: int, seed: int, weights: dict[str, float] | None = None
) -> list[SignaturePath]:
    """``n`` distinct one-turn paths, shapes drawn in proportion to ``weights`` (default the paper's).

    parallel: one function called 2-3 times, only a function with a required argument (copies of a
    call without one could never differ); multiple: 2-3 related functions of one toolkit (linked by
    an edge, or sharing a parameter); irrelevance: no call, the function that would fit is withheld
    (``missing``).
    """
    weights = weights or {s: PAPER_SFT_MIX[s] for s in SINGLE_TURN_SHAPES}
    rng = random.Random(seed)
    sigs = sorted(store.functions(), key=lambda s: s.name)
    if not sigs:
        return []
    related = _related(sigs, store.linked_pairs())
    shapes, chances = zip(*sorted(weights.items()))
    found: dict[str, SignaturePath] = {}
    for _ in range(n * 20):
        if len(found) >= n:
            break
        shape = rng.choices(shapes, chances)[0]
        sig = sigs[int(rng.random() * len(sigs))]
        name = sig.name
        if shape == "single":
            turn = PathTurn(0, (name,), ("single",))
        elif shape == "parallel":
            if not sig.required:
                continue
            turn = PathTurn(0, (name,) * rng.choice((2, 3)), ("parallel",))
        elif shape == "multiple":
            others = related[name]
            if not others:
                continue
            chosen = [name, *rng.sample(others, min(len(others), rng.choice((1, 2))))]
            turn = PathTurn(0, tuple(sorted(chosen)), ("multiple",))
        else:
            turn = PathTurn(0, (), ("irrelevance",), missing=Missing("irrelevance", name))
        path = SignaturePath(seed, (turn,))
        found.setdefault(path.id, path)
    return list(found.values())


def _related(sigs: list[FunctionSignature], pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each function's related ones in its toolkit: linked by an edge either way (``pairs``, the
    store's ``linked_pairs``), or taking a parameter of the same name (two tools about the same
    order, file or account)."""
    toolkit = {s.name: s.toolkit for s in sigs}
    params = {s.name: set(s.parameters.get("properties", {})) for s in sigs}
    linked: dict[str, set[str]] = defaultdict(set)
    for source, target in pairs:
        if source in toolkit and target in toolkit and toolkit[source] == toolkit[target]:
            linked[source].add(target)
            linked[target].add(source)
    by_toolkit: dict[str, list[str]] = defaultdict(list)
    for s in sigs:
        by_toolkit[s.toolkit].append(s.name)
    return {
        s.name: sorted(
            o for o in by_toolkit[s.toolkit] if o != s.name and (o in linked[s.name] or params[s.name] & params[o])
        )
        for s in sigs
    }
