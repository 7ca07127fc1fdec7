"""Context distillation: the teacher writes the assistant side with the reference calls as hidden hints.

Each assistant step is a teacher reply to the conversation so far plus a hint (the reference calls,
or what kind of text reply is due). Its calls must equal the reference and are re-executed in a
fresh environment: their outputs become the tool messages and must equal the reference outputs,
and each turn must end in the reference state. Hints live only in the prompts, never in messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import MagnetGraphError
from ..execution import Executor
from ..signature import FunctionSignature
from ..teachers import Teacher
from . import prompts
from .planner import json_key, same_calls
from .record import openai_tool
from .translate import TurnRecord


class DistillFailed(MagnetGraphError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Positive:
    messages: list[dict[str, Any]]
    positions: dict[tuple[int, int], int] = field(
        default_factory=dict
    )  # (turn, step) -> message index; step -1 = reply


def assistant_move(
    teacher: Teacher,
    conversation: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    hint: dict[str, Any] | None,
    version: str = prompts.ASSIST_VERSION,
) -> dict[str, Any]:
    """One assistant message from ``teacher``: ``{"tool_calls": [...]}`` or ``{"content": str}``."""
    task = {"conversation": conversation, "tools": tools}
    if hint is not None:
        task["hint"] = hint
    reply = prompts.parse_reply(
        teacher.chat(prompts.prompt(prompts.ASSIST_INSTRUCTIONS, task), prompt_version=version), "assistant"
    )
    if reply.get("tool_calls"):
        return {"tool_calls": prompts.parse_calls(reply, "assistant")}
    if not isinstance(reply.get("content"), str):
        raise MagnetGraphError("assistant: reply has neither tool_calls nor content")
    return {"content": reply["content"]}


def message(move: dict[str, Any], turn: int, step: int) -> dict[str, Any]:
    """The chat message for a move; tool-call ids are deterministic (call_TURN_STEP_I)."""
    if "tool_calls" not in move:
        return {"role": "assistant", "content": move["content"]}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{turn}_{step}_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for i, c in enumerate(move["tool_calls"])
        ],
    }


def tool_messages(assistant: dict[str, Any], outputs: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "role": "tool",
            "tool_call_id": c["id"],
            "name": c["function"]["name"],
            "content": json.dumps(out, ensure_ascii=False, sort_keys=True),
        }
        for c, out in zip(assistant["tool_calls"], outputs)
    ]


def offered_tools(
    tools: list[dict[str, Any]], turns: list[TurnRecord], upto: int, signatures: dict[str, FunctionSignature]
) -> list[dict[str, Any]]:
    """The record's tools plus those added back in turns up to ``upto``."""
    added = [n for t in turns[: upto + 1] for n in t.added]
    return tools + [openai_tool(signatures[n]) for n in added]


def positive(
    teacher: Teacher,
    executor: Executor,
    turns: list[TurnRecord],
    state: dict[str, Any],
    tools: list[dict[str, Any]],
    signatures: dict[str, FunctionSignature],
) -> Positive:
    """The chosen trajectory, or DistillFailed with the reason."""
    env = executor.env
    env.reset(state)
    result = Positive([])
    messages = result.messages
    for k, turn in enumerate(turns):
        messages.append({"role": "user", "content": turn.user})
        visible = offered_tools(tools, turns, k, signatures)
        for s, (step, outputs) in enumerate(zip(turn.calls, turn.outputs)):
            move = assistant_move(teacher, messages, visible, {"tool_calls": step})
            if not same_calls(move.get("tool_calls", []), step):
                raise DistillFailed("teacher_disagrees")
            msg = message(move, k, s)
            replayed = []
            for call, expected in zip(move["tool_calls"], outputs):
                obs = executor.execute(call)
                if not obs.ok or json_key("", obs.output) != json_key("", expected):
                    raise DistillFailed("replay_mismatch")
                replayed.append(obs.output)
            result.positions[(k, s)] = len(messages)
            messages += [msg] + tool_messages(msg, replayed)
        move = assistant_move(teacher, messages, visible, reply_hint(turn, signatures))
        if "content" not in move:
            raise DistillFailed("teacher_called_instead_of_replying")
        result.positions[(k, -1)] = len(messages)
        messages.append(message(move, k, len(turn.calls)))
        if env.state_hash() != turn.state_hash:
            raise DistillFailed("state_mismatch")
    return result


def reply_hint(turn: TurnRecord, signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    """What the closing text of a turn should do: summarise, say it cannot, or ask."""
    hint: dict[str, Any] = {"reply": turn.reply}
    if turn.missing:
        hint["description"] = signatures[turn.missing["function"]].description
        hint["param"] = turn.missing["param"]
    else:
        hint["results"] = [out for step in turn.outputs[-1:] for out in step]
    return hint
