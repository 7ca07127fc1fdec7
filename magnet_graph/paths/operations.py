"""Node operations on signature paths, in the paper's order: Merge, Insert, Split.

Random draws come from ``random.Random(seed)`` in a fixed order. Choices that depend on the graph
are Cypher queries over all paths at once, with the draws as parameters: Insert picks a successor
of a turn's last function (``path/insert_candidates``), Split picks a required value to withhold
(``path/split_params``). Re-sequencing turns (grouping, placement, index shifts) is done by
``_resequence``, which remaps every dependency, so references stay correct after any shift.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..config import OPERATIONS
from ..errors import MagnetGraphError
from ..records import Missing
from ..store import GraphStore
from .model import Dependency, PathTurn, SignaturePath


@dataclass(frozen=True)
class OperationConfig:
    """Knobs; the paper fixes merge_p = 0.3 and at most 3 calls per turn, the rest are our defaults."""

    merge_p: float = 0.3  # each adjacent pair of turns merged with this probability
    insert_p: float = 0.5  # each turn's last function gets a nested call with this probability
    long_dependency_p: float = 0.5  # share of inserts placed as their own later turn
    long_min_distance: int = 2  # a long dependency reaches back at least this many turns
    split_p: float = 0.5  # probability that a path also gets a split copy
    miss_param_p: float = 0.5  # split kind: miss_param (else miss_func)
    max_calls_per_turn: int = 3


def apply_operations(
    store: GraphStore,
    paths: list[SignaturePath],
    seed: int,
    ops: Iterable[str] = OPERATIONS,
    config: OperationConfig = OperationConfig(),
) -> list[SignaturePath]:
    """Merge and Insert reshape each path; Split adds copies. Returns reshaped paths then split copies."""
    ops = set(ops)
    unknown = ops - set(OPERATIONS)
    if unknown:
        raise MagnetGraphError(f"unknown operations {sorted(unknown)}; choose from {', '.join(OPERATIONS)}")
    rng = random.Random(seed)
    if "merge" in ops:
        paths = [merge(p, rng, config) for p in paths]
    if "insert" in ops:
        paths = insert(store, paths, rng, config)
    copies = split(store, paths, rng, config) if "split" in ops else []
    return paths + copies


def merge(path: SignaturePath, rng: random.Random, config: OperationConfig) -> SignaturePath:
    """Merge each adjacent pair of turns with probability merge_p (at most max_calls_per_turn calls)."""
    if not path.turns:
        return path
    groups: list[list[PathTurn]] = [[path.turns[0]]]
    for turn in path.turns[1:]:
        size = sum(len(t.functions) for t in groups[-1])
        if rng.random() < config.merge_p and size + len(turn.functions) <= config.max_calls_per_turn:
            groups[-1].append(turn)
        else:
            groups.append([turn])
    if all(len(g) == 1 for g in groups):
        return path
    merged, where = [], {}
    for g in groups:
        for t in g:
            where[t.index] = len(merged)
        first = g[0].with_op("merge") if len(g) > 1 else g[0]
        merged.append(
            replace(
                first,
                functions=tuple(f for t in g for f in t.functions),
                depends_on=tuple(d for t in g for d in t.depends_on),
            )
        )
    return replace(path, turns=_resequence(merged, where))


def insert(
    store: GraphStore, paths: list[SignaturePath], rng: random.Random, config: OperationConfig
) -> list[SignaturePath]:
    """Give chosen turns a nested call from the graph neighbours of their last function."""
    jobs, plans = [], []
    for pi, path in enumerate(paths):
        for turn in path.turns:
            if turn.functions and rng.random() < config.insert_p:  # split/irrelevance turns have no call
                key = f"{pi}:{turn.index}"
                # a nested call may be a function the path used before (another lookup), not one of this turn's
                jobs.append(
                    {"key": key, "function": turn.functions[-1], "exclude": list(turn.functions), "r": rng.random()}
                )
                plans.append((pi, turn.index, key, rng.random() < config.long_dependency_p, rng.random()))
    picks = {r["key"]: r["pick"] for r in store.run("path/insert_candidates", jobs=jobs)} if jobs else {}
    result = list(paths)
    for pi, turn_index, key, long, r in sorted(plans, key=lambda p: (p[0], -p[1])):  # later turns first
        pick = picks.get(key)
        if pick is not None and pick["name"] not in result[pi].turns[turn_index].functions:
            result[pi] = _insert_call(result[pi], turn_index, pick, long, r, config)
    return result


def _insert_call(
    path: SignaturePath, i: int, pick: dict, long: bool, r: float, config: OperationConfig
) -> SignaturePath:
    turns = list(path.turns)
    source = turns[i].functions[-1]
    latest = len(turns) - 1  # the new turn goes right after a turn in [i + min - 1, latest]
    first = i + config.long_min_distance - 1
    if long and first <= latest:
        after = first + int(r * (latest - first + 1))
        dep = Dependency(i, source, pick["source_field"], pick["name"], pick["target_param"], pick["kind"])
        new = PathTurn(-1, (pick["name"],), ("insert_long",), (dep,))
        where = {t.index: t.index if t.index <= after else t.index + 1 for t in turns}
        ordered = turns[: after + 1] + [new] + turns[after + 1 :]
        return replace(path, turns=_resequence(ordered, where))
    if len(turns[i].functions) >= config.max_calls_per_turn:
        return path
    dep = Dependency(i, source, pick["source_field"], pick["name"], pick["target_param"], pick["kind"])
    turns[i] = replace(
        turns[i].with_op("insert"),
        functions=turns[i].functions + (pick["name"],),
        depends_on=turns[i].depends_on + (dep,),
    )
    return replace(path, turns=tuple(turns))


def split(
    store: GraphStore, paths: list[SignaturePath], rng: random.Random, config: OperationConfig
) -> list[SignaturePath]:
    """Copies with an empty miss_func / miss_param turn before a randomly chosen turn: exactly
    ``split_p`` of the paths that have two turns get one (a seeded sample, so a small run has its
    share too); ``miss_param_p`` of those withhold a value, drawn among the paths where some later
    turn takes a value only the user can state, the rest withhold a function."""
    jobs = []
    eligible = [pi for pi, path in enumerate(paths) if len(path.turns) >= 2]
    for pi in eligible:  # which value each later turn could withhold
        path = paths[pi]
        for target in range(1, len(path.turns)):
            function = path.turns[target].functions[0]
            produced = [d.target_param for d in path.turns[target].depends_on if d.target == function]
            earlier = [f for t in path.turns[:target] for f in t.functions]
            jobs.append(
                {
                    "key": f"{pi}:{target}",
                    "function": function,
                    "produced": produced,
                    "earlier": earlier,
                    "r": rng.random(),
                }
            )
    params = {r["key"]: r["param"] for r in store.run("path/split_params", jobs=jobs)} if jobs else {}
    withholdable = {pi: [t for t in range(1, len(paths[pi].turns)) if params.get(f"{pi}:{t}")] for pi in eligible}
    count = round(config.split_p * len(eligible))
    can_ask = [pi for pi in eligible if withholdable[pi]]
    asking = set(rng.sample(can_ask, min(round(config.miss_param_p * count), len(can_ask))))
    missing_function = rng.sample([pi for pi in eligible if pi not in asking], count - len(asking))
    chosen_plans = []
    for pi in sorted(asking | set(missing_function)):
        kind = "miss_param" if pi in asking else "miss_func"
        pool = withholdable[pi] if kind == "miss_param" else list(range(1, len(paths[pi].turns)))
        target = pool[int(rng.random() * len(pool))]  # the turn whose need is withheld first
        function = paths[pi].turns[target].functions[0]
        chosen_plans.append((pi, target, kind, function, params.get(f"{pi}:{target}") or ""))
    copies = []
    for pi, target, kind, function, param in chosen_plans:
        param = param if kind == "miss_param" else ""
        path = paths[pi]
        empty = PathTurn(-1, (), ("split",), (), Missing(kind, function, param))
        turns = list(path.turns)
        where = {t.index: t.index if t.index < target else t.index + 1 for t in turns}
        ordered = turns[:target] + [empty] + turns[target:]
        copies.append(SignaturePath(path.seed, _resequence(ordered, where), parent=path.id))
    return copies


def _resequence(turns: list[PathTurn], where: dict[int, int]) -> tuple[PathTurn, ...]:
    """Number turns 0..n-1 in list order; ``where`` maps each old index to its new one, for dependencies."""
    return tuple(
        replace(t, index=n, depends_on=tuple(replace(d, turn=where[d.turn]) for d in t.depends_on))
        for n, t in enumerate(turns)
    )
