"""Reference calls for a turn, grounded by trying them: values that exist, outputs that feed forward.

For each call of a turn the planner ranks candidate values per parameter (the path's dependency
edge first, then earlier outputs, the tool state, the schema, a made-up literal), and tries them in
the environment until the call succeeds. Trials run between ``checkpoint`` and ``rollback``, so the
live state is untouched: the calls that count are the ones forth-translation makes afterwards.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from ..execution import Executor
from ..execution.values import (
    distinct,
    fits,
    literal,
    named_matches,
    pieces,
    qualified_values,
    ranked_matches,
    schema_values,
    values_at,
)
from ..paths import PathTurn
from ..records import ToolCall
from ..roles import classify, feeds
from ..signature import FunctionSignature

MAX_CANDIDATES = 8
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
    options = {p: _candidates(p, properties[p], deps.get(p), turn, planned, history, state, rng) for p in params}
    earlier_calls = [c.call.key() for c in planned]
    for choice in _choices(params, options):
        arguments = {p: options[p][i][0] for p, i in zip(params, choice)}
        if ToolCall(sig.name, arguments).key() in earlier_calls:
            continue  # a parallel call must differ from its siblings
        observation = executor.execute({"name": sig.name, "arguments": arguments})
        if not observation.ok:
            continue
        say, refer, step, nested = {}, {}, 0, False
        for p, i in zip(params, choice):
            origin = options[p][i][1]
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


def _choices(params: list[str], options: dict[str, list]) -> list[tuple[int, ...]]:
    """First candidates everywhere, then one parameter at a time moved along its list (MAX_TRIES in all)."""
    base = tuple(0 for _ in params)
    tries = [base]
    for j, p in enumerate(params):
        tries += [base[:j] + (k,) + base[j + 1 :] for k in range(1, len(options[p]))]
    if len(tries) < MAX_TRIES:  # small spaces: every combination
        tries += [c for c in itertools.product(*(range(len(options[p])) for p in params)) if c not in tries]
    return tries[:MAX_TRIES]


def _candidates(param, schema, dep, turn, planned, history, state, rng) -> list[tuple[Any, dict | None]]:
    """(value, origin) best first; origin names the result field a value comes from (None: the user says it)."""
    json_type = schema.get("type", "string")
    found: list[tuple[Any, dict | None]] = []
    if dep is not None:
        source = _latest(dep.source, turn.index, planned, history)
        if source is not None:
            origin = {"field": dep.source_field, "same_turn": source[1], "source": dep.source}
            found += [(v, origin) for at in values_at(source[0], dep.source_field) for v in pieces(at, json_type)]
    outputs = [(c.output, True, c.name) for c in reversed(planned)] + [
        (h.output, False, h.name) for h in reversed(history)
    ]
    for output, same_turn, name in outputs:
        if isinstance(output, dict):
            for key in named_fields(param, schema, output, name):
                origin = {"field": key, "same_turn": same_turn, "source": name}
                found += [(v, origin) for v in pieces(output[key], json_type)]
    found += [(v, None) for v in ranked_matches(param, json_type, state)]
    found += [(v, None) for v in schema_values(schema)]
    found.append((literal(param, json_type, rng, schema), None))
    if json_type == "string":  # any short name in the state: a folder called 'invoices' for `folder`
        found += [(v, None) for v in distinct(v for _, v in state if isinstance(v, str) and 0 < len(v) <= 40)][:3]
    seen, ranked = set(), []
    for value, origin in found:
        key = repr(value)
        if key not in seen:
            seen.add(key)
            ranked.append((value, origin))
    return ranked[:MAX_CANDIDATES]


def named_fields(param: str, schema: dict[str, Any], output: dict[str, Any], function: str = "") -> list[str]:
    """Top-level fields of an output whose name matches the parameter, hold a value of its type,
    and whose role may feed the parameter's (a ``user_id`` never fills a ``user_first_name``)."""
    json_type = schema.get("type", "string")
    target = classify(param, schema.get("description", ""), json_type)
    return [
        k
        for k in output
        if named_matches(param, json_type, [(k, v) for v in pieces(output[k], json_type)])
        and feeds(classify(str(k), "", _type_of(output[k]), function=function), target)
    ]


def _type_of(value: Any) -> str:
    for json_type in ("boolean", "integer", "number", "string", "array", "object"):
        if fits(value, json_type):
            return json_type
    return "string"


def _latest(name: str, turn: int, planned: list[PlannedCall], history: list[Executed]) -> tuple[Any, bool] | None:
    """The latest output of ``name``: from this turn's planned calls, else the conversation so far."""
    for c in reversed(planned):
        if c.name == name:
            return c.output, True
    for h in reversed(history):
        if h.name == name:
            return h.output, False
    return None
