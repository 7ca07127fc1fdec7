"""Context distillation: the teacher writes the assistant side with the reference calls as hidden hints.

Each assistant step is a teacher reply to the conversation so far plus a hint (the reference calls,
or what kind of text reply is due). Its calls must equal the reference and are re-executed from the
episode's starting state: their outputs become the tool messages and must equal the reference
outputs, and each turn must end in the reference state. Hints live only in the prompts, never in messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..environments import Episode
from ..errors import MagnetGraphError
from ..records import ChatToolCall, Message, ToolCall, ToolSpec, Turn, canonical, same_calls, tool_text, user
from ..signature import FunctionSignature
from ..teachers import Teacher
from . import prompts


class DistillFailed(MagnetGraphError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Move:
    """One assistant step: tool calls, or a text reply (``calls`` is None)."""

    calls: tuple[ToolCall, ...] | None = None
    content: str = ""

    @classmethod
    def of(cls, message: Message) -> Move:
        """The move an assistant message makes."""
        return cls(message.calls) if message.tool_calls else cls(content=message.content or "")

    def as_task(self) -> dict[str, Any]:
        """How prompts show a move (as a hint, or to the judge)."""
        if self.calls is not None:
            return {"tool_calls": [c.to_dict() for c in self.calls]}
        return {"content": self.content}

    def same_as(self, other: Move) -> bool:
        """Equal calls in any order; any two text replies count as the same move."""
        if self.calls is not None and other.calls is not None:
            return same_calls(self.calls, other.calls)
        return self.calls is None and other.calls is None


@dataclass
class Positive:
    messages: list[Message]
    positions: dict[tuple[int, int], int] = field(
        default_factory=dict
    )  # (turn, step) -> message index; step -1 = reply


def assistant_move(
    teacher: Teacher,
    conversation: list[Message],
    tools: prompts.Encoded,
    hint: dict[str, Any] | None,
    version: str = prompts.ASSIST_VERSION,
) -> Move:
    """One assistant step from ``teacher`` given the conversation so far, the tools it is offered
    (``visible_tools``) and a hidden hint."""
    task: dict[str, Any] = {"conversation": [m.to_dict() for m in conversation], "tools": tools}
    if hint is not None:
        task["hint"] = hint
    reply = prompts.parse_reply(
        teacher.chat(prompts.prompt(prompts.ASSIST_INSTRUCTIONS, task), prompt_version=version), "assistant"
    )
    if reply.get("tool_calls"):
        return Move(tuple(ToolCall(c["name"], c["arguments"]) for c in prompts.parse_calls(reply, "assistant")))
    if not isinstance(reply.get("content"), str):
        raise MagnetGraphError("assistant: reply has neither tool_calls nor content")
    return Move(content=reply["content"])


def message(move: Move, turn: int, step: int) -> Message:
    """The chat message for a move; tool-call ids are deterministic (call_TURN_STEP_I)."""
    if move.calls is None:
        return Message("assistant", move.content)
    return Message(
        "assistant",
        None,
        tuple(ChatToolCall(f"call_{turn}_{step}_{i}", c.name, c.arguments) for i, c in enumerate(move.calls)),
    )


def tool_messages(assistant: Message, outputs: list[Any]) -> list[Message]:
    return [
        Message("tool", tool_text(out), tool_call_id=c.id, name=c.name) for c, out in zip(assistant.tool_calls, outputs)
    ]


def visible_tools(
    tools: list[ToolSpec], turns: list[Turn], upto: int, signatures: dict[str, FunctionSignature]
) -> prompts.Encoded:
    """The record's tools plus those added back in turns up to ``upto``, as prompts show them:
    written once for every step of the turn."""
    shown = tools + [ToolSpec.of(signatures[n]) for t in turns[: upto + 1] for n in t.added]
    return prompts.encode([t.to_dict() for t in shown])


def positive(
    teacher: Teacher,
    episode: Episode,
    turns: list[Turn],
    tools: list[ToolSpec],
    signatures: dict[str, FunctionSignature],
) -> Positive:
    """The chosen trajectory, or DistillFailed with the reason."""
    executor = episode.reset()
    result = Positive([])
    messages = result.messages
    for k, turn in enumerate(turns):
        messages.append(user(turn.user))
        visible = visible_tools(tools, turns, k, signatures)
        for s, (step, outputs) in enumerate(zip(turn.calls, turn.outputs)):
            move = assistant_move(teacher, messages, visible, {"tool_calls": [c.to_dict() for c in step]})
            if move.calls is None or not same_calls(move.calls, step):
                raise DistillFailed("teacher_disagrees")
            msg = message(move, k, s)
            replayed = []
            for call, expected in zip(move.calls, outputs):
                obs = executor.execute(call)
                if not obs.ok or canonical(obs.output) != canonical(expected):
                    raise DistillFailed("replay_mismatch")
                replayed.append(obs.output)
            result.positions[(k, s)] = len(messages)
            messages += [msg, *tool_messages(msg, replayed)]
        move = assistant_move(teacher, messages, visible, reply_hint(turn, signatures))
        if move.calls is not None:
            raise DistillFailed("teacher_called_instead_of_replying")
        result.positions[(k, -1)] = len(messages)
        messages.append(message(move, k, len(turn.calls)))
        if executor.env.state_hash() != turn.state_hash:
            raise DistillFailed("state_mismatch")
    return result


def reply_hint(turn: Turn, signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    """What the closing text of a turn should do: summarise, say it cannot, or ask."""
    hint: dict[str, Any] = {"reply": turn.reply}
    if turn.missing:
        hint["description"] = signatures[turn.missing.function].description
        hint["param"] = turn.missing.param
    else:
        hint["results"] = [out for step in turn.outputs[-1:] for out in step]
    return hint
