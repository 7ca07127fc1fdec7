"""Reference calls for a turn, grounded by trying them: values that exist, outputs that feed forward.

For each call of a turn the planner ranks candidate values per parameter (``grounding``: the
path's dependency edge first, then earlier outputs, the tool state, the literals the tool's code
knows and the schema, a made-up literal), plans parameters the code knows joint values of
together (a route's two airports), and tries them in the environment until the call succeeds. Trials run between ``checkpoint`` and ``rollback``, so the
live state is untouched: the calls that count are the ones forth-translation makes afterwards.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

from ..edges.prerequisites import is_opener
from ..environments import tool_literals
from ..execution import Executor
from ..execution.literals import Literals
from ..paths import PathTurn
from ..records import ToolCall
from ..signature import FunctionSignature
from ..store import FeedsEdge
from .grounding import Grounding, Output

MAX_TRIES = 16


@dataclass
class PlannedCall:
    """``say``: values the user states; ``refer``: param -> {"field", "same_turn"} taken from a result."""

    name: str
    arguments: dict[str, Any]
    step: int
    nested: bool
    say: dict[str, Any] = field(default_factory=dict)
    refer: dict[str, dict[str, Any]] = field(default_factory=dict)
    output: Any = None
    prerequisite: bool = False  # planned only because the next call failed without it
    fanned: bool = False  # a parallel copy of the call before it, for another existing item
    grounded: set = field(default_factory=set)  # (param, repr(value)) its grounding found existing

    @property
    def call(self) -> ToolCall:
        return ToolCall(self.name, self.arguments)


@dataclass
class Executed:
    """A call that ran in the conversation (history the planner draws values from)."""

    turn: int
    name: str
    arguments: dict[str, Any]
    output: Any


def plan_turn(
    executor: Executor,
    signatures: dict[str, FunctionSignature],
    turn: PathTurn,
    functions: tuple[str, ...],
    history: list[Executed],
    rng: random.Random,
    options: PlanOptions | None = None,
) -> list[PlannedCall] | str:
    """Planned calls for ``functions`` (a turn's, or the turn a split withholds), or why it failed.
    A call that fails until something else runs first (a login, starting the engine) gets that
    call planned before it (``options.prerequisites``); a call may get a parallel call for another
    existing item: another file listed, another user (``options.fan_out``)."""
    options = options or PlanOptions()
    env = executor.env
    env.checkpoint()
    try:
        planned: list[PlannedCall] = []
        for position, name in enumerate(functions):
            calls = _plan_unblocked(
                executor, signatures, turn, position, name, planned, history, rng, options.prerequisites
            )
            if calls is None:
                if sum(c.name == name for c in planned) >= 2:
                    continue  # a third parallel copy that cannot differ from the two before it
                return f"plan_failed:{name}"
            planned += calls
            first = calls[-1]
            fan = len(planned) < options.max_calls_per_turn and not is_opener(signatures[name]) and first.grounded
            if fan and rng.random() < options.fan_out:
                again = _plan_call(executor, signatures[name], turn, position, planned, history, rng)
                if again is not None and _another_item(first, again):  # "read the first and the second file"
                    again.fanned = True
                    planned.append(again)
        return planned
    finally:
        env.rollback()


@dataclass(frozen=True)
class PlanOptions:
    """How the planner may reshape a turn: ``prerequisites`` (function -> what may have to run
    before it, see ``prerequisite_map``), and ``fan_out``, the chance that a call also gets a
    parallel call for another existing item (at most ``max_calls_per_turn`` calls a turn)."""

    prerequisites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fan_out: float = 0.0
    max_calls_per_turn: int = 3  # as the paper's back-translation asks


def _another_item(first: PlannedCall, again: PlannedCall) -> bool:
    """The copy is the same request for another existing thing: it differs from the first call in
    a value found in an earlier output or the state, in the same step."""
    differs = [p for p in again.arguments if repr(again.arguments[p]) != repr(first.arguments.get(p))]
    return again.step == first.step and any((p, repr(again.arguments[p])) in again.grounded for p in differs)


MAX_PREREQUISITE_DEPTH = 2  # a prerequisite of a prerequisite (lock the doors before starting the engine)


def _plan_unblocked(
    executor, signatures, turn, position, name, planned, history, rng, prerequisites, depth=0, avoid=()
):
    """[name's call], or [its prerequisites' calls..., name's call] when it only works after them;
    None when neither works. A search over short chains of prerequisites, each tried with a few
    different successful calls (lock or unlock): a chain after which the call fails otherwise
    ("press the brake" instead of "lock the doors") is grown by another prerequisite; every chain
    tried in vain is rolled back."""
    failure = _Failure()
    call = _plan_call(executor, signatures[name], turn, position, planned, history, rng, failure, avoid)
    if call is not None:
        return [call]
    if depth >= MAX_PREREQUISITE_DEPTH or not prerequisites.get(name):
        return None
    env = executor.env
    frontier: list[tuple[tuple[PlannedCall, ...], str]] = [((), failure.error)]
    for _ in range(MAX_CHAIN):
        grown = []
        for chain, error in frontier:
            for first in prerequisites[name]:
                if first not in signatures or first in {c.name for c in [*planned, *chain]}:
                    continue  # (one that ran in an earlier turn may be needed again: a login after a logout)
                tried: list[str] = []
                for _ in range(ALTERNATIVES):
                    env.checkpoint()
                    before = None
                    if _replay(executor, chain):
                        before = _plan_unblocked(
                            executor, signatures, turn, position, first, [*planned, *chain], history, rng,
                            prerequisites, depth + 1, tuple(tried),
                        )  # fmt: skip
                    if before is None:
                        env.rollback()
                        break
                    tried.append(before[-1].call.key())
                    now = _Failure()
                    steps = [*planned, *chain, *before]
                    done = _plan_call(executor, signatures[name], turn, position, steps, history, rng, now)
                    if done is not None:
                        env.release()
                        for c in (*chain, *before):
                            c.prerequisite = True
                        return [*chain, *before, done]
                    env.rollback()
                    if now.error != error:  # one condition met, another left: a chain to grow
                        grown.append(((*chain, *before), now.error))
        frontier = grown[:FRONTIER]
        if not frontier:
            break
    return None


MAX_CHAIN = 2  # prerequisites in a row before a call (lock the doors, press the brake)
ALTERNATIVES = 4  # successful calls of one prerequisite tried (lock or unlock, press the pedal halfway or fully)
FRONTIER = 4  # partial chains kept per step


def _replay(executor, calls) -> bool:
    """Execute planned calls again, in order; whether all of them succeeded."""
    return all(executor.execute({"name": c.name, "arguments": c.arguments}).ok for c in calls)


@dataclass
class _Failure:
    """The last error a call's tries ended with."""

    error: str = ""


def prerequisite_map(edges: list[FeedsEdge], signatures: dict[str, FunctionSignature]) -> dict[str, tuple[str, ...]]:
    """Function -> what may have to run before it, in the order to try: the graph's prerequisite
    edges and session openers whose output it takes (``authenticate_travel``'s token into
    ``book_flight``), then its toolkit's other session openers (a login execution never needed
    in the states edges were inferred on)."""
    found: dict[str, list[str]] = {name: [] for name in signatures}
    for e in edges:
        before = e.kind == "prerequisite" or e.source in signatures and is_opener(signatures[e.source])
        if before and e.target in found and e.source not in found[e.target]:
            found[e.target].append(e.source)
    openers: dict[str, list[str]] = {}
    for sig in sorted(signatures.values(), key=lambda s: s.name):
        if is_opener(sig):
            openers.setdefault(sig.toolkit, []).append(sig.name)
    for name, sig in signatures.items():
        found[name] += [o for o in openers.get(sig.toolkit, []) if o != name and o not in found[name]]
    return {name: tuple(sources) for name, sources in found.items() if sources}


def _plan_call(executor, sig, turn, position, planned, history, rng, failure=None, avoid=()) -> PlannedCall | None:
    """The first combination of candidate values that succeeds (not one of ``avoid``'s call keys);
    ``failure`` gets the last error when none does."""
    deps = {d.target_param: d for d in turn.depends_on if d.target == sig.name and d.source_field}
    properties = sig.parameters.get("properties", {})
    params = [p for p in properties if p in sig.required or p in deps]
    outputs = [Output(c.name, c.output, True) for c in reversed(planned)]
    outputs += [Output(h.name, h.output, False) for h in reversed(history)]
    state, records = executor.env.grounding(params)
    grounding = Grounding(outputs, state, rng, sig.description)
    literals = tool_literals(sig)
    joint = Literals(literals.values, tuple(records) + literals.combos)
    single = {
        p: grounding.options(p, properties[p], (deps[p].source, deps[p].source_field) if p in deps else None, literals)
        for p in params
    }
    units, options = _units(params, single, joint, rng)
    earlier_calls = [c.call.key() for c in planned] + list(avoid)
    for choice in _choices(units, options):
        arguments, origins = {}, {}
        for unit, i in zip(units, choice, strict=True):
            values, from_where = options[unit][i]
            arguments.update(zip(unit, values, strict=True))
            origins.update(zip(unit, from_where, strict=True))
        if ToolCall(sig.name, arguments).key() in earlier_calls:
            continue  # a parallel call must differ from its siblings
        observation = executor.execute({"name": sig.name, "arguments": arguments})
        if _repeats(sig.name, arguments, observation.output, planned, history):
            continue  # the same call with the same answer says nothing new (and no negative could miss it)
        if not observation.ok:
            if failure is not None:
                failure.error = observation.error or json.dumps(observation.output, sort_keys=True, default=str)[:300]
            continue
        say, refer, step, nested = {}, {}, 0, False
        for p in params:
            origin = origins[p]
            if origin is None:
                say[p] = arguments[p]
            else:
                refer[p] = origin
                if origin["same_turn"]:
                    source = next(k for k, c in enumerate(planned) if c.name == origin["source"])
                    step = max(step, planned[source].step + 1)
                    nested = nested or "insert" in turn.ops and position == len(turn.functions) - 1
        return PlannedCall(
            sig.name, arguments, step, nested, say, refer, observation.output, grounded=grounding.grounded
        )
    return None


MAX_COMBOS = 6  # joint assignments tried per group of parameters


def _units(params, single, literals, rng) -> tuple[list[tuple[str, ...]], dict]:
    """Parameters planned together: a group one state record holds (an account's username and
    password) or the code knows joint values of (a route's two airports, a conversion's two
    units), each other parameter alone. Options of a unit are (values, origins) tuples; a group's
    joint values that agree with an earlier output come first."""
    grouped: set[str] = set()
    units, options = [], {}
    key_sets = dict.fromkeys(tuple(sorted(c)) for c in literals.combos)
    for keys in sorted(key_sets, key=len, reverse=True):  # the widest group first
        if len(keys) < 2 or not set(keys) <= set(params) or set(keys) & grouped:
            continue
        combos = [c for c in literals.combos if tuple(sorted(c)) == keys]
        sourced = {p: {repr(v): o for v, o in single[p] if o is not None} for p in keys}
        agree = [c for c in combos if any(repr(c[p]) in sourced[p] for p in keys)]
        rest = [c for c in combos if c not in agree]
        rng.shuffle(agree)
        rng.shuffle(rest)
        unit_options = []
        for combo in (agree + rest)[:MAX_COMBOS]:
            origins = tuple(sourced[p].get(repr(combo[p])) for p in keys)
            unit_options.append((tuple(combo[p] for p in keys), origins))
        grouped |= set(keys)
        units.append(keys)
        options[keys] = unit_options
    for p in params:
        if p not in grouped:
            units.append((p,))
            options[(p,)] = [((v,), (o,)) for v, o in single[p]]
    return units, options


def _repeats(name: str, arguments: dict, output: Any, planned: list[PlannedCall], history: list[Executed]) -> bool:
    """A call made before in the conversation, with the same arguments, that answered the same."""
    earlier = [(c.name, c.arguments, c.output) for c in planned] + [(h.name, h.arguments, h.output) for h in history]
    return any(n == name and a == arguments and o == output for n, a, o in earlier)


def _choices(units: list, options: dict[Any, list]) -> list[tuple[int, ...]]:
    """First candidates everywhere, then each unit's second candidate in turn, then each one's
    third... (one unit moved at a time, MAX_TRIES in all): every parameter gets a second chance
    before any gets an eighth."""
    base = tuple(0 for _ in units)
    tries = [base]
    for k in range(1, max((len(options[u]) for u in units), default=1)):
        tries += [base[:j] + (k,) + base[j + 1 :] for j, u in enumerate(units) if k < len(options[u])]
    if len(tries) < MAX_TRIES:  # small spaces: every combination
        tries += [c for c in itertools.product(*(range(len(options[u])) for u in units)) if c not in tries]
    return [t for t in tries if all(options[u] for u in units)][:MAX_TRIES]
