"""Reference calls for a turn, grounded by trying them: values that exist, outputs that feed forward.

For each call of a turn the planner ranks candidate values per parameter (``grounding``: the
path's dependency edge first, then earlier outputs, the tool state, the literals the tool's code
knows and the schema, a made-up literal), plans parameters the code knows joint values of
together (a route's two airports), and tries them in the environment until the call succeeds. Trials run between ``checkpoint`` and ``rollback``, so the
live state is untouched: the calls that count are the ones forth-translation makes afterwards.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from ..environments import tool_literals
from ..execution import Executor
from ..execution.values import qualified_values
from ..paths import PathTurn
from ..records import ToolCall
from ..signature import FunctionSignature
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
) -> list[PlannedCall] | str:
    """Planned calls for ``functions`` (a turn's, or the turn a split withholds), or why it failed."""
    env = executor.env
    state = qualified_values(env.snapshot())
    env.checkpoint()
    try:
        planned: list[PlannedCall] = []
        for position, name in enumerate(functions):
            call = _plan_call(executor, signatures[name], turn, position, planned, history, state, rng)
            if call is None:
                return f"plan_failed:{name}"
            planned.append(call)
        return planned
    finally:
        env.rollback()


def _plan_call(executor, sig, turn, position, planned, history, state, rng) -> PlannedCall | None:
    deps = {d.target_param: d for d in turn.depends_on if d.target == sig.name and d.source_field}
    properties = sig.parameters.get("properties", {})
    params = [p for p in properties if p in sig.required or p in deps]
    outputs = [Output(c.name, c.output, True) for c in reversed(planned)]
    outputs += [Output(h.name, h.output, False) for h in reversed(history)]
    grounding = Grounding(outputs, state, rng, sig.description)
    literals = tool_literals(sig)
    single = {
        p: grounding.options(p, properties[p], (deps[p].source, deps[p].source_field) if p in deps else None, literals)
        for p in params
    }
    units, options = _units(params, single, literals, rng)
    earlier_calls = [c.call.key() for c in planned]
    for choice in _choices(units, options):
        arguments, origins = {}, {}
        for unit, i in zip(units, choice, strict=True):
            values, from_where = options[unit][i]
            arguments.update(zip(unit, values, strict=True))
            origins.update(zip(unit, from_where, strict=True))
        if ToolCall(sig.name, arguments).key() in earlier_calls:
            continue  # a parallel call must differ from its siblings
        observation = executor.execute({"name": sig.name, "arguments": arguments})
        if not observation.ok:
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
        return PlannedCall(sig.name, arguments, step, nested, say, refer, observation.output)
    return None


MAX_COMBOS = 6  # joint assignments tried per group of parameters


def _units(params, single, literals, rng) -> tuple[list[tuple[str, ...]], dict]:
    """Parameters planned together: a group the code knows joint values of (a route's two
    airports, a conversion's two units), each other parameter alone. Options of a unit are
    (values, origins) tuples; a group's joint values that agree with an earlier output come first."""
    grouped: set[str] = set()
    units, options = [], {}
    for keys in dict.fromkeys(tuple(sorted(c)) for c in literals.combos):
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


def _choices(units: list, options: dict[Any, list]) -> list[tuple[int, ...]]:
    """First candidates everywhere, then one unit at a time moved along its list (MAX_TRIES in all)."""
    base = tuple(0 for _ in units)
    tries = [base]
    for j, u in enumerate(units):
        tries += [base[:j] + (k,) + base[j + 1 :] for k in range(1, len(options[u]))]
    if len(tries) < MAX_TRIES:  # small spaces: every combination
        tries += [c for c in itertools.product(*(range(len(options[u])) for u in units)) if c not in tries]
    return [t for t in tries if all(options[u] for u in units)][:MAX_TRIES]


def _latest(name: str, turn: int, planned: list[PlannedCall], history: list[Executed]) -> tuple[Any, bool] | None:
    """The latest output of ``name``: from this turn's planned calls, else the conversation so far."""
    for c in reversed(planned):
        if c.name == name:
            return c.output, True
    for h in reversed(history):
        if h.name == name:
            return h.output, False
    return None
