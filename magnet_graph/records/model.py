"""The trajectory record: one conversation from translation to export, as frozen dataclasses.

A ``Record`` is what synthesis writes to trajectories.jsonl, one per line, and what every export,
report and page of the explorer is made from:

- ``tools``: the tools offered (``ToolSpec``, OpenAI's ``{"type": "function", "function": ...}``);
- ``messages``: the chosen (positive) conversation in OpenAI chat format, tool-call arguments as objects;
- ``negatives``: rejected alternatives, each sharing the chosen messages up to ``diverge_at``;
- ``turns``: per user turn, the reference calls, their real outputs and the state hash after them;
- ``initial_state`` and ``lineage``: where the conversation came from (path, seeds, teacher, environment).

``SCHEMA_VERSION`` is stored in every record; docs/record.schema.json is generated from these classes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ..signature import FunctionSignature
from .codec import RecordError, Serializable, from_data
from .migrate import SCHEMA_VERSION, upgrade

RecordKind = Literal["multi_turn", "single", "parallel", "multiple", "irrelevance"]
Role = Literal["system", "user", "assistant", "tool"]
Reply = Literal["summary", "unavailable", "ask"]
MissingKind = Literal["miss_func", "miss_param", "irrelevance"]
NegativeSource = Literal["graph", "student"]
DropStage = Literal["translate", "distill", "error", "duplicate", "invalid"]


def tool_text(output: Any) -> str:
    """A tool's output as the content of its ``tool`` message: what a model sees, in SFT data and in RL."""
    return json.dumps(output, ensure_ascii=False, sort_keys=True)


def canonical(value: Any) -> str:
    """One text per JSON value whatever its key order: for comparing calls and outputs."""
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True)
class ToolCall(Serializable):
    """A call of a tool by name with keyword arguments (JSON values)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """Equal for equal calls, whatever the arguments' order."""
        return canonical({"name": self.name, "arguments": self.arguments})

    def text(self) -> str:
        """``name(k=v, ...)``: keyword arguments with Python ``repr`` values (how people read calls)."""
        return f"{self.name}(" + ", ".join(f"{k}={v!r}" for k, v in self.arguments.items()) + ")"


def same_calls(a: tuple[ToolCall, ...] | list[ToolCall], b: tuple[ToolCall, ...] | list[ToolCall]) -> bool:
    """The same calls (names and arguments), in any order."""
    return sorted(c.key() for c in a) == sorted(c.key() for c in b)


@dataclass(frozen=True)
class ChatToolCall(Serializable):
    """A tool call inside an assistant message: OpenAI's ``{"id", "type": "function", "function": {...}}``."""

    id: str
    name: str
    arguments: dict[str, Any]

    @property
    def call(self) -> ToolCall:
        return ToolCall(self.name, self.arguments)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> ChatToolCall:
        function = data.get("function") if isinstance(data, dict) else None
        if not isinstance(function, dict) or data.get("type", "function") != "function":
            raise RecordError(f"{where}: expected {{'id', 'type': 'function', 'function': {{...}}}}")
        arguments = function.get("arguments")
        if isinstance(arguments, str):  # OpenAI's wire format: arguments as a JSON string
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                raise RecordError(f"{where}.function.arguments: not JSON") from None
        return cls(
            from_data(str, data.get("id"), f"{where}.id"),
            from_data(str, function.get("name"), f"{where}.function.name"),
            from_data(dict[str, Any], arguments, f"{where}.function.arguments"),
        )

    @classmethod
    def json_schema(cls, defs: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "description": "A tool call inside an assistant message (OpenAI chat format).",
            "required": ["id", "type", "function"],
            "properties": {
                "id": {"type": "string"},
                "type": {"const": "function"},
                "function": {
                    "type": "object",
                    "required": ["name", "arguments"],
                    "properties": {"name": {"type": "string"}, "arguments": {"type": "object"}},
                },
            },
        }


@dataclass(frozen=True)
class Message(Serializable):
    """One chat message in OpenAI's format: ``system`` / ``user`` text, an ``assistant`` reply (text or
    tool calls), or a ``tool`` result answering the call ``tool_call_id`` of tool ``name``."""

    role: Role
    content: str | None = None
    tool_calls: tuple[ChatToolCall, ...] = ()
    tool_call_id: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.role == "tool":
            return {"role": "tool", "tool_call_id": self.tool_call_id, "name": self.name, "content": self.content}
        if self.tool_calls:
            return {"role": self.role, "content": self.content, "tool_calls": [c.to_dict() for c in self.tool_calls]}
        return {"role": self.role, "content": self.content}

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> Message:
        where = where or "message"
        if not isinstance(data, dict):
            raise RecordError(f"{where}: expected an object, got {type(data).__name__}")
        role = from_data(Role, data.get("role"), f"{where}.role")
        allowed = {"role", "content"} | (
            {"tool_call_id", "name"} if role == "tool" else {"tool_calls"} if role == "assistant" else set()
        )
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise RecordError(f"{where}: unknown field {unknown[0]!r} for a {role} message")
        if "content" not in data:
            raise RecordError(f"{where}: missing field 'content'")
        content = from_data(str | None if role == "assistant" else str, data["content"], f"{where}.content")
        if role == "tool":
            return cls(
                "tool",
                content,
                tool_call_id=from_data(str, data.get("tool_call_id"), f"{where}.tool_call_id"),
                name=from_data(str, data.get("name"), f"{where}.name"),
            )
        calls = data.get("tool_calls") or []
        if not isinstance(calls, list):
            raise RecordError(f"{where}.tool_calls: expected a list")
        return cls(
            role, content, tuple(ChatToolCall.from_dict(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(calls))
        )

    @classmethod
    def json_schema(cls, defs: dict[str, Any]) -> dict[str, Any]:
        call = {"$ref": f"#/$defs/{ChatToolCall.__name__}"}
        defs.setdefault(ChatToolCall.__name__, ChatToolCall.json_schema(defs))
        text = {"type": "string"}
        return {
            "description": " ".join((cls.__doc__ or "").split()),
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["role", "content"],
                    "properties": {"role": {"enum": ["system", "user"]}, "content": text},
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["role", "content"],
                    "properties": {
                        "role": {"const": "assistant"},
                        "content": {"type": ["string", "null"]},
                        "tool_calls": {"type": "array", "items": call, "minItems": 1},
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["role", "tool_call_id", "name", "content"],
                    "properties": {"role": {"const": "tool"}, "tool_call_id": text, "name": text, "content": text},
                },
            ],
        }

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """The tool calls of an assistant message, without their ids."""
        return tuple(c.call for c in self.tool_calls)


def user(text: str) -> Message:
    return Message("user", text)


def divergence(chosen: tuple[Message, ...], rejected: tuple[Message, ...]) -> int:
    """Index of the first message where two trajectories differ; it must be an assistant message."""
    for i, (a, b) in enumerate(zip(chosen, rejected)):
        if a != b:
            if a.role != "assistant" or b.role != "assistant":
                raise RecordError(f"chosen and rejected diverge at message {i}, which is not an assistant message")
            return i
    raise RecordError("chosen and rejected trajectories do not diverge")


def turn_numbers(messages: tuple[Message, ...] | list[Message]) -> list[int]:
    """For each message, the user turn it belongs to (-1 before the first user message)."""
    turn, numbers = -1, []
    for m in messages:
        if m.role == "user":
            turn += 1
        numbers.append(turn)
    return numbers


@dataclass(frozen=True)
class ToolSpec(Serializable):
    """A tool as offered to a model: OpenAI's ``{"type": "function", "function": {name, description, parameters}}``."""

    name: str
    description: str
    parameters: dict[str, Any]

    @classmethod
    def of(cls, sig: FunctionSignature) -> ToolSpec:
        return cls(sig.name, sig.description, sig.parameters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> ToolSpec:
        function = data.get("function") if isinstance(data, dict) else None
        if not isinstance(function, dict) or data.get("type") != "function":
            raise RecordError(f"{where}: expected {{'type': 'function', 'function': {{...}}}}")
        return cls(
            from_data(str, function.get("name"), f"{where}.function.name"),
            from_data(str, function.get("description"), f"{where}.function.description"),
            from_data(dict[str, Any], function.get("parameters"), f"{where}.function.parameters"),
        )

    @classmethod
    def json_schema(cls, defs: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "description": "A tool offered to the model (OpenAI tools format).",
            "required": ["type", "function"],
            "properties": {
                "type": {"const": "function"},
                "function": {
                    "type": "object",
                    "required": ["name", "description", "parameters"],
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "parameters": {"type": "object"},
                    },
                },
            },
        }


@dataclass(frozen=True)
class Missing(Serializable):
    """What a turn withholds: the function (miss_func, irrelevance) or one required value (miss_param)."""

    kind: MissingKind
    function: str
    param: str = ""


@dataclass(frozen=True)
class Turn(Serializable):
    """One user turn as translated and executed: the reference the positive trajectory must match.

    ``calls`` and ``outputs`` hold one list per assistant step; ``ops`` names the path operations that
    made the turn; ``added`` lists withheld functions offered again from this turn (a miss_func
    follow-up); ``withheld_call`` is, for a split or irrelevance turn, the call its request needs."""

    index: int
    ops: tuple[str, ...]
    user: str
    calls: tuple[tuple[ToolCall, ...], ...] = ()
    outputs: tuple[tuple[Any, ...], ...] = ()
    reply: Reply = "summary"
    missing: Missing | None = None
    added: tuple[str, ...] = ()
    withheld_call: ToolCall | None = None
    state_hash: str = ""

    @property
    def reference_calls(self) -> tuple[ToolCall, ...]:
        return tuple(c for step in self.calls for c in step)


@dataclass(frozen=True)
class Negative(Serializable):
    """A rejected trajectory: the chosen messages before ``diverge_at``, a wrong move there (made in
    turn ``turn``), and its real outputs. ``source``: built from the graph, or a student's mistake."""

    messages: tuple[Message, ...]
    error_type: str
    source: NegativeSource
    diverge_at: int
    turn: int


@dataclass(frozen=True)
class Lineage(Serializable):
    """Where a record came from: its signature path and the operations on each of the path's turns,
    the per-path seed, why the path was cut short ('' if it was not), teacher and student, prompt
    versions, the environment kind and the state hash after each turn; ``distractors``, the tools
    offered that the conversation does not use (seeded, from its toolkits, up to the run's
    ``max_tools``), and ``toolkit_tools``, how many its toolkits hold."""

    path_id: str
    parent: str
    seed: int
    cut: str
    ops: tuple[tuple[str, ...], ...]
    functions: tuple[str, ...]
    teacher: str
    student: str | None
    prompt_versions: dict[str, str]
    environment: str
    state_hashes: tuple[str, ...]
    distractors: tuple[str, ...] = ()
    toolkit_tools: int = 0

    ADDED_LATER = frozenset({"distractors", "toolkit_tools"})  # records of 0.1.0 have neither


@dataclass(frozen=True)
class Record(Serializable):
    """One synthesized conversation with its negatives, references and lineage (a trajectories.jsonl line)."""

    id: str
    kind: RecordKind
    tools: tuple[ToolSpec, ...]
    messages: tuple[Message, ...]
    negatives: tuple[Negative, ...]
    turns: tuple[Turn, ...]
    initial_state: dict[str, Any]
    lineage: Lineage
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> Record:
        """A record of any schema version this magnet-graph reads (older ones are upgraded)."""
        return super().from_dict(upgrade(data, where or "record"), where or "record")

    @property
    def steps(self) -> tuple[tuple[ToolCall, ...], ...]:
        """The reference calls, one tuple per assistant step, in conversation order."""
        return tuple(step for turn in self.turns for step in turn.calls)


@dataclass(frozen=True)
class Drop(Serializable):
    """A path that gave no record (a dropped.jsonl line): at which stage and why."""

    id: str
    stage: DropStage
    reason: str
