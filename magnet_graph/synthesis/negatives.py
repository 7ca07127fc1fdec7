"""Negative trajectories: graph-derived hard negatives labelled by construction, and hinted student negatives.

A negative is the chosen conversation up to one assistant message, then a wrong move there, and the
real outputs of that move: run after replaying the chosen calls before it from the episode's
starting state (``episode.replay``).

By construction, from what the path's operations put into the turn:
- missing_nested_call: an Insert turn ends with a summary before its nested call;
- wrong_long_dependency: a long-dependency call gets a value from the wrong earlier result;
- guessed_missing_param: a miss_param turn calls with a made-up value instead of asking;
- called_unavailable_function: a miss_func or irrelevance turn calls the withheld function;
- wrong_argument: any other call with one argument changed (kept only if the outcome differs).

From a student (the paper's hinted negatives): the student answers each step without hints; at its
first wrong step a judge labels the error type, and the teacher writes the rejected step with the
student's move as a (misleading) hint.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

from ..environments import Episode
from ..errors import MagnetGraphError
from ..execution.values import literal
from ..records import Negative, ToolCall, ToolSpec, Turn, canonical
from ..signature import FunctionSignature
from ..teachers import Teacher
from . import prompts
from .distill import Move, Positive, assistant_move, message, tool_messages, visible_tools
from .offline_templates import result_sentence


@dataclass
class NegativeMaker:
    """Builds the negatives of one chosen trajectory, each replayed in ``episode``."""

    positive: Positive
    turns: list[Turn]
    episode: Episode
    signatures: dict[str, FunctionSignature]

    def graph_negatives(self, rng: random.Random) -> list[Negative]:
        """Every phenomenon negative the turns allow, else one wrong_argument negative."""
        found: list[Negative | None] = []
        for k, turn in enumerate(self.turns):
            if turn.missing and turn.withheld_call:
                at = self.positive.positions[(k, -1)]
                call = turn.withheld_call
                if turn.missing.kind == "miss_param":
                    param = turn.missing.param
                    schema = self.signatures[call.name].parameters["properties"][param]
                    arguments = {
                        **copy.deepcopy(call.arguments),
                        param: _other(call.arguments[param], param, schema, rng),
                    }
                    call, kind = ToolCall(call.name, arguments), "guessed_missing_param"
                else:
                    kind = "called_unavailable_function"
                found.append(self._negative(at, Move((call,)), kind, k))
            elif "insert" in turn.ops and len(turn.calls) >= 2 and not self._seen_before(k, len(turn.calls) - 1):
                at = self.positive.positions[(k, len(turn.calls) - 1)]
                done = [out for step in turn.outputs[:-1] for out in step]
                summary = result_sentence(done)  # the reply as if the nested call were not needed
                found.append(self._negative(at, Move(content=summary), "missing_nested_call", k))
            elif "insert_long" in turn.ops and turn.calls and not self._seen_before(k, 0):
                found.append(self._changed_call(k, rng, "wrong_long_dependency"))
        negatives = [n for n in found if n is not None]
        if not negatives:
            for k in rng.sample(range(len(self.turns)), len(self.turns)):
                if self.turns[k].calls and not self.turns[k].missing and not self._seen_before(k, 0):
                    negative = self._changed_call(k, rng, "wrong_argument")
                    if negative is not None:
                        negatives.append(negative)
                        break
        return negatives

    def _seen_before(self, k: int, step: int) -> bool:
        """Whether every output of turn k's step is one the conversation already had (rounding an
        integer, a km-to-km conversion): leaving the step out or changing it shows nowhere."""
        earlier = [canonical(o) for t in self.turns[:k] for s in t.outputs for o in s]
        earlier += [canonical(o) for s in self.turns[k].outputs[:step] for o in s]
        return all(canonical(o) in earlier for o in self.turns[k].outputs[step])

    def _changed_call(self, k: int, rng: random.Random, kind: str) -> Negative | None:
        """The turn's first step with one argument changed; None if no change alters the outcome."""
        step = self.turns[k].calls[0]
        at = self.positive.positions[(k, 0)]
        chosen_outputs = [canonical(o) for o in self.turns[k].outputs[0]]
        for i in rng.sample(range(len(step)), len(step)):
            call = step[i]
            properties = self.signatures[call.name].parameters["properties"]
            for param in sorted(call.arguments):
                schema = properties.get(param, {})
                if schema.get("type") == "boolean":
                    continue
                arguments = {**copy.deepcopy(call.arguments), param: _other(call.arguments[param], param, schema, rng)}
                wrong = step[:i] + (ToolCall(call.name, arguments),) + step[i + 1 :]
                negative = self._negative(at, Move(wrong), kind, k)
                outputs = [canonical(json.loads(m.content)) for m in negative.messages[at + 1 :]]
                if outputs != chosen_outputs:
                    return negative
        return None

    def _negative(self, at: int, move: Move, error_type: str, turn: int, source: str = "graph") -> Negative:
        """Chosen messages before ``at``, the wrong move, and its real outputs."""
        prefix = self.positive.messages[:at]
        wrong = message(move, turn, 90 + at)  # ids that cannot collide with the chosen ones
        tail = []
        if move.calls is not None:
            executor = self.episode.replay(c for m in prefix for c in m.calls)
            observed = [executor.execute(call) for call in move.calls]
            tail = tool_messages(wrong, [o.output if o.ok else {"error": o.error} for o in observed])
        return Negative((*prefix, wrong, *tail), error_type, source, at, turn)

    def student_negative(self, student: Teacher, teacher: Teacher, tools: list[ToolSpec]) -> Negative | None:
        """The student's first wrong step, labelled by the judge and rewritten by the teacher; None if it never errs."""
        positive = self.positive
        for (k, s), at in sorted(positive.positions.items(), key=lambda kv: kv[1]):
            visible = visible_tools(tools, self.turns, k, self.signatures)
            try:
                got = assistant_move(student, positive.messages[:at], visible, None, prompts.STUDENT_VERSION)
            except MagnetGraphError:
                continue  # an unreadable student step is no usable negative
            expected = Move.of(positive.messages[at])
            if expected.same_as(got):
                continue
            task = {
                "expected": expected.as_task(),
                "got": got.as_task(),
                "step": max(s, 0),
                "reply": self.turns[k].reply,
                "types": list(prompts.ERROR_TYPES),
            }
            verdict = prompts.parse_reply(
                teacher.chat(prompts.prompt(prompts.JUDGE_INSTRUCTIONS, task), prompt_version=prompts.JUDGE_VERSION),
                "judge",
            )
            error_type = verdict.get("error_type")
            error_type = error_type if error_type in prompts.ERROR_TYPES else "wrong_argument"
            rewritten = assistant_move(teacher, positive.messages[:at], visible, got.as_task())
            if expected.same_as(rewritten):
                continue
            return self._negative(at, rewritten, error_type, k, source="student")
        return None


def _other(value: Any, param: str, schema: dict[str, Any], rng: random.Random) -> Any:
    """A different value of the same type: another enum member, else a made-up one."""
    options = [v for v in schema.get("enum", []) if v != value]
    if options:
        return rng.choice(options)
    for _ in range(5):
        guess = literal(param, schema.get("type", "string"), rng, schema)
        if guess != value:
            return guess
    return {"string": "unknown", "integer": -1, "number": -1.0}.get(schema.get("type"))
