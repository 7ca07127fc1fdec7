"""Negative trajectories: graph-derived hard negatives labelled by construction, and hinted student negatives.

A negative is the chosen conversation up to one assistant message, then a wrong move there, and the
real outputs of that move (run in a fresh environment after replaying the chosen calls before it).

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
from typing import Any

from ..errors import MagnetGraphError
from ..execution import Executor
from ..execution.values import literal
from ..signature import FunctionSignature
from ..teachers import Teacher
from . import prompts
from .distill import Positive, assistant_move, message, offered_tools, tool_messages
from .planner import json_key, same_calls
from .translate import TurnRecord


def graph_negatives(
    positive: Positive,
    turns: list[TurnRecord],
    executor: Executor,
    state: dict[str, Any],
    signatures: dict[str, FunctionSignature],
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Every phenomenon negative the turns allow, else one wrong_argument negative."""
    found = []
    for k, turn in enumerate(turns):
        ops = turn.op.split("+")
        if turn.missing and turn.withheld_call:
            at = positive.positions[(k, -1)]
            call = copy.deepcopy(turn.withheld_call)
            if turn.missing["kind"] == "miss_param":
                sig = signatures[call["name"]]
                schema = sig.parameters["properties"][turn.missing["param"]]
                call["arguments"][turn.missing["param"]] = _other(
                    call["arguments"][turn.missing["param"]], turn.missing["param"], schema, rng
                )
                kind = "guessed_missing_param"
            else:
                kind = "called_unavailable_function"
            found.append(_negative(positive, executor, state, at, {"tool_calls": [call]}, kind, k))
        elif "insert" in ops and len(turn.calls) >= 2:
            at = positive.positions[(k, len(turn.calls) - 1)]
            done = [out for step in turn.outputs[:-1] for out in step]
            summary = {"content": "Done. Results: " + "; ".join(json.dumps(o, sort_keys=True)[:160] for o in done)}
            found.append(_negative(positive, executor, state, at, summary, "missing_nested_call", k))
        elif "insert_long" in ops and turn.calls:
            negative = _changed_call(positive, executor, state, turns, k, signatures, rng, "wrong_long_dependency")
            found.append(negative)
    found = [n for n in found if n is not None]
    if not found:
        for k in rng.sample(range(len(turns)), len(turns)):
            if turns[k].calls and not turns[k].missing:
                negative = _changed_call(positive, executor, state, turns, k, signatures, rng, "wrong_argument")
                if negative is not None:
                    found.append(negative)
                    break
    return found


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


def _changed_call(positive, executor, state, turns, k, signatures, rng, kind) -> dict[str, Any] | None:
    """The turn's first step with one argument changed; None if no change alters the outcome."""
    step = turns[k].calls[0]
    at = positive.positions[(k, 0)]
    chosen_outputs = [json_key("", o) for o in turns[k].outputs[0]]
    for i in rng.sample(range(len(step)), len(step)):
        call = step[i]
        sig = signatures[call["name"]]
        for param in sorted(call["arguments"]):
            schema = sig.parameters["properties"].get(param, {})
            if schema.get("type") == "boolean":
                continue
            wrong = copy.deepcopy(step)
            wrong[i]["arguments"][param] = _other(call["arguments"][param], param, schema, rng)
            negative = _negative(positive, executor, state, at, {"tool_calls": wrong}, kind, k)
            outputs = [json_key("", json.loads(m["content"])) for m in negative["messages"][at + 1 :]]
            if outputs != chosen_outputs:
                return negative
    return None


def _negative(
    positive: Positive,
    executor: Executor,
    state: dict[str, Any],
    at: int,
    move: dict[str, Any],
    error_type: str,
    turn: int,
    source: str = "graph",
) -> dict[str, Any]:
    """Chosen messages before ``at``, the wrong move, and its real outputs."""
    prefix = copy.deepcopy(positive.messages[:at])
    wrong = message(move, turn, 90 + at)  # ids that cannot collide with the chosen ones
    tail = []
    if "tool_calls" in move:
        outputs = _replay_then(executor, state, prefix, move["tool_calls"])
        tail = tool_messages(wrong, outputs)
    return {
        "messages": prefix + [wrong] + tail,
        "error_type": error_type,
        "source": source,
        "diverge_at": at,
        "turn": turn,
    }


def _replay_then(
    executor: Executor, state: dict[str, Any], prefix: list[dict[str, Any]], calls: list[dict[str, Any]]
) -> list[Any]:
    """Reset, replay every call in ``prefix``, then run ``calls``: their outputs (errors as {"error": ...})."""
    executor.env.reset(state)
    for m in prefix:
        for c in m.get("tool_calls") or []:
            executor.execute({"name": c["function"]["name"], "arguments": c["function"]["arguments"]})
    outputs = []
    for call in calls:
        obs = executor.execute(call)
        outputs.append(obs.output if obs.ok else {"error": obs.error})
    return outputs


def student_negative(
    student: Teacher,
    teacher: Teacher,
    positive: Positive,
    turns: list[TurnRecord],
    tools: list[dict[str, Any]],
    signatures: dict[str, FunctionSignature],
    executor: Executor,
    state: dict[str, Any],
) -> dict[str, Any] | None:
    """The student's first wrong step, labelled by the judge and rewritten by the teacher; None if it never errs."""
    for (k, s), at in sorted(positive.positions.items(), key=lambda kv: kv[1]):
        chosen = positive.messages[at]
        visible = offered_tools(tools, turns, k, signatures)
        try:
            got = assistant_move(student, positive.messages[:at], visible, None, prompts.STUDENT_VERSION)
        except MagnetGraphError:
            continue  # an unreadable student step is no usable negative
        expected = _move_of(chosen)
        if _same(expected, got):
            continue
        task = {
            "expected": expected,
            "got": got,
            "step": max(s, 0),
            "reply": turns[k].reply,
            "types": list(prompts.ERROR_TYPES),
        }
        verdict = prompts.parse_reply(
            teacher.chat(prompts.prompt(prompts.JUDGE_INSTRUCTIONS, task), prompt_version=prompts.JUDGE_VERSION),
            "judge",
        )
        error_type = verdict.get("error_type") if verdict.get("error_type") in prompts.ERROR_TYPES else "wrong_argument"
        rewritten = assistant_move(teacher, positive.messages[:at], visible, got)
        if _same(expected, rewritten):
            continue
        return _negative(positive, executor, state, at, rewritten, error_type, k, source="student")
    return None


def _move_of(msg: dict[str, Any]) -> dict[str, Any]:
    if msg.get("tool_calls"):
        return {
            "tool_calls": [
                {"name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in msg["tool_calls"]
            ]
        }
    return {"content": msg.get("content") or ""}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if "tool_calls" in a and "tool_calls" in b:
        return same_calls(a["tool_calls"], b["tool_calls"])
    return "tool_calls" not in a and "tool_calls" not in b  # two text replies: both a reply, not an error
