"""Execution evidence, both ways: run A, pass its output into B, and see whether B needed it.

For executable catalogs, on each toolkit's start states (see ``sandbox``):

- A data edge A.f -> B.p is **verified** (1.0) when, in some state, B succeeds with A's value of
  f (or an element of it) and fails with a junk value of the same type: the value mattered.
- It is **refuted** (0.0) when B failed with every value A gave, in every state where A ran, while
  B succeeded in one of those states with a value of its own (drawn from the state): B works,
  just not with what A returns. Refuted edges are dropped (``keep_refuted`` keeps them).
- B succeeding with A's value and with junk alike is inconclusive (0.5: it accepts anything);
  no state where both A ran and B could work at all gives no evidence.
- A prerequisite A -> B is verified when, in some state, B fails and then succeeds with the same
  arguments right after A, and A's arguments do not create what B's name (``mkdir x`` then
  ``cd x`` is a value chosen by the user, not a prerequisite). A proposed prerequisite that no
  state ever showed is refuted.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..execution.values import distinct, pieces, ranked_matches, schema_values, values_at
from ..roles import Role, classify, plausible
from ..signature import FunctionSignature
from . import Candidate, EdgeConfig
from .prerequisites import is_opener
from .sandbox import Sandbox, is_executable, junk, sample_args, state_of

__all__ = ["ExecutionVerifier", "is_executable"]

OWN_TRIES = 6


@dataclass
class ExecutionVerifier:
    """Adds execution evidence to candidates and finds prerequisites by running the tools."""

    config: EdgeConfig = EdgeConfig()
    sandbox: Sandbox = field(default_factory=Sandbox)
    values_per_state: int = 4  # of A's values (a listing's first entries) tried in B per start state
    verified: int = 0
    refuted: int = 0
    checked: int = 0

    @property
    def runs(self) -> int:
        return self.sandbox.calls

    def __call__(self, candidates: list[Candidate], signatures: list[FunctionSignature]) -> None:
        by_name = {s.name: s for s in signatures}
        for c in candidates:
            a, b = by_name[c.out.function], by_name[c.param.function]
            if not (c.same_toolkit and is_executable(a) and is_executable(b)):
                continue
            self.checked += 1
            evidence = self._check_feed(a, b, c.out.path, c.param.path, c.param.type, c.out.role)
            if evidence is None:
                continue
            c.extra.append(evidence)
            if evidence["score"] == 1.0:
                self.verified += 1
                c.score = max(c.score, self.config.verified_floor)
            elif evidence["score"] == 0.0:
                self.refuted += 1
                c.refuted = True

    def _check_feed(self, a, b, path: str, param: str, param_type: str, role: Role) -> dict | None:
        box = self.sandbox
        control_worked = tried = False
        for state in box.start_states(a):
            after_a = box.fresh(a, state)
            ok, result, a_args = box.run_sampled(after_a, a)
            values = [p for v in values_at(result, path) for p in pieces(v, param_type)] if ok else []
            # "Stock not found" in a symbol field is A's failure in words, not a symbol to try
            values = [v for v in values if plausible(role, v)]
            if not values:
                continue
            args = sample_args(b, state_of(after_a), skip=param)
            outcomes = []
            for value in values[: self.values_per_state]:
                outcomes.append((self._try(b, after_a, {**args, param: value}), value))
            tried = True
            worked = next((v for ok_b, v in outcomes if ok_b), None)
            if any(ok_b for ok_b, _ in outcomes):
                if param_type in ("integer", "number", "boolean") or _echoed(a, a_args, worked, b, param):
                    # a number junk is only out of range, and an echoed argument is no news: B ran, no more
                    return {"kind": "execution", "score": 0.5, "detail": f"{b.name} ran with {a.name}'s {path}"}
                if self._try(b, after_a, {**args, param: junk(param_type)}):
                    return {"kind": "execution", "score": 0.5, "detail": f"{b.name} accepts any {param}"}
                return {
                    "kind": "execution",
                    "score": 1.0,
                    "detail": f"{b.name}({param}={worked!r}) succeeded after {a.name}; a junk {param} failed",
                }
            if not control_worked:
                tried_values = [v for _, v in outcomes]
                control_worked = any(
                    self._try(b, after_a, {**args, param: own})
                    for own in own_values(b, param, param_type, state_of(after_a))
                    if own not in tried_values
                )
        if tried and control_worked:
            return {
                "kind": "execution",
                "score": 0.0,
                "detail": f"{b.name} failed with every {a.name}.{path} value, worked with its own {param}",
            }
        return None

    def _try(self, b: FunctionSignature, instance: Any, args: dict[str, Any]) -> bool:
        return self.sandbox.run(copy.deepcopy(instance), b, args)[0]

    def prerequisites(self, signatures: list[FunctionSignature]) -> dict[tuple[str, str], dict]:
        """(A, B) -> evidence where, in some start state, B fails and then succeeds after A, or
        after a short chain of calls each of which changed B's failure (lock the doors: "press the
        brake" replaces "lock the doors"; press the brake: the engine starts). A call that fails
        itself may first run the chain that unblocked it (start the engine, then set cruise control)."""
        toolkits: dict[str, list[FunctionSignature]] = defaultdict(list)
        for s in signatures:
            if is_executable(s):
                toolkits[s.toolkit].append(s)
        found: dict[tuple[str, str], dict] = {}
        for members in toolkits.values():
            for state in self.sandbox.varied_states(members[0]):
                base = self.sandbox.fresh(members[0], state)
                base_values = state_of(base)  # read once: every B and the first call of every chain start here
                unblocked: dict[str, tuple] = {}  # B -> the calls that made it work in this state
                for _ in range(2):  # a second pass may run chains found in the first
                    before = len(unblocked)
                    for b in members:
                        if b.name not in unblocked:
                            self._unblock(members, base, base_values, b, unblocked, found)
                    if len(unblocked) == before:
                        break  # nothing new to run: the pass would repeat itself
        return found

    def _unblock(self, members, base, base_values, b, unblocked: dict[str, tuple], found: dict) -> None:
        box = self.sandbox
        args = sample_args(b, base_values)
        ok, failure = box.run(copy.deepcopy(base), b, args)
        if ok:
            return  # B works here without help
        frontier = [(base, base_values, failure, ())]
        for _ in range(MAX_CHAIN):
            progressed, solved = [], False
            for instance, values, failure, chain in frontier:
                for a in members:
                    if a.name == b.name or any(step.name == a.name for step, _, _ in chain):
                        continue
                    moved = self._move(instance, values, a, b, args, failure, unblocked)
                    if moved is None:
                        continue
                    after, result, steps, ok = moved
                    steps = (*chain, *steps)
                    if ok:
                        solved = True
                        unblocked.setdefault(b.name, tuple((step, step_args) for step, step_args, _ in steps))
                        for step, _, effective in steps:
                            if effective:
                                found.setdefault((step.name, b.name), _evidence(steps, b))
                    elif len(progressed) < FRONTIER:
                        progressed.append((after, state_of(after), result, steps))  # B's failure moved on
            if solved:
                return
            frontier = progressed

    def _move(self, instance, values, a, b, b_args, failure, unblocked: dict[str, tuple]):
        """Run A on a copy of ``instance`` (after the calls that unblocked A, if A fails alone) and
        see what B does after each call (``values``: what ``instance``'s state holds). Returns (instance after, B's result, steps, B succeeded),
        each step (tool, arguments, whether it changed B's result), or None when A cannot run or
        made no difference to B."""
        box = self.sandbox
        draws = distinct(sample_args(a, values, pick=pick) for pick in range(A_PICKS))  # lock or unlock...
        plans = [[(a, args)] for args in draws]
        if a.name in unblocked:
            plans.append([*unblocked[a.name], (a, draws[0])])
        for plan in plans:
            after, steps, result, ok = copy.deepcopy(instance), [], failure, False
            for step, step_args in plan:
                ran = box.run(after, step, step_args)[0]
                if not ran or not is_opener(step) and _shares_value(step_args, b_args):
                    break  # (B naming what this call chose is no prerequisite: mkdir x; cd x)
                ok, now = box.run(copy.deepcopy(after), b, b_args)
                steps.append((step, step_args, ok or now != result))  # B works now, or fails otherwise
                result = now
                if ok:
                    break  # the calls after this one are not needed
            if (ok or len(steps) == len(plan)) and any(effective for _, _, effective in steps):
                return after, result, tuple(steps), ok
        return None


MAX_CHAIN = 3  # calls tried in a row to make a failing tool work
FRONTIER = 3  # partial chains kept per step
A_PICKS = 4  # argument draws tried per call (a flag either way, all or one of a list)


def _evidence(steps: tuple, b: FunctionSignature) -> dict:
    names = " then ".join(step[0].name for step in steps)
    return {"kind": "execution", "score": 1.0, "detail": f"{b.name} failed, then succeeded after {names}"}


def own_values(
    b: FunctionSignature, param: str, param_type: str, values: list[tuple[frozenset[str], Any]]
) -> list[Any]:
    """Values of B's own for ``param``, to see whether B works at all: named like the parameter,
    the schema's enum and default, then a few of the state's values of the right type."""
    schema = b.parameters.get("properties", {}).get(param, {})
    found = ranked_matches(param, param_type, values) + schema_values(schema)
    if param_type == "string":
        found += distinct(v for _, v in values if isinstance(v, str) and 0 < len(v) <= 60)[:6]
    return distinct(found)[:OWN_TRIES]


def _echoed(a: FunctionSignature, a_args: dict[str, Any], value: Any, b: FunctionSignature, param: str) -> bool:
    """Whether A only handed back what it was given for a parameter of the same kind as B's."""
    props_a, props_b = a.parameters.get("properties", {}), b.parameters.get("properties", {})
    target = classify(param, props_b.get(param, {}).get("description", ""), function=b.name)
    return any(
        v == value and classify(k, props_a.get(k, {}).get("description", ""), function=a.name).kind == target.kind
        for k, v in a_args.items()
    )


def _shares_value(a_args: dict[str, Any], b_args: dict[str, Any]) -> bool:
    """Whether B's arguments name something A's arguments chose (a file A created, say)."""
    chosen = {repr(v) for v in a_args.values() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    return any(repr(v) in chosen for v in b_args.values())
