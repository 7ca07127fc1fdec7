"""BFCL's own multi-turn formats for records built on the ``bfcl`` environment.

- ``entry``: BFCL test-entry shape: id, question (per turn a list of user messages; empty for the
  turn where a withheld function comes back, as BFCL does), initial_config, involved_classes,
  function (BFCL's docs, withheld ones removed), missed_function {turn: [names]}.
- ``ground_truth``: ``{"id", "ground_truth": [[call strings] per turn]}``; a split turn has none.
- ``result``: ``[[[call strings] per step] per turn]`` from a conversation's messages.
Call strings use BFCL's method names and keyword arguments only.
"""

from __future__ import annotations

from typing import Any

from ..records import Message, Negative, Record, ToolCall, turn_numbers
from ..signature import FunctionSignature
from .backend import KIND
from .catalog import function_docs


def is_bfcl(record: Record, signatures: dict[str, FunctionSignature]) -> bool:
    """Multi-turn records whose every tool is a BFCL class method."""
    return record.kind == "multi_turn" and all(signatures[t.name].execution.get("kind") == KIND for t in record.tools)


def entry_id(record: Record) -> str:
    kinds = {t.missing.kind for t in record.turns if t.missing}
    category = "miss_func" if "miss_func" in kinds else "miss_param" if "miss_param" in kinds else "base"
    return f"magnet_{category}_{record.id}"


def call_string(call: ToolCall, signatures: dict[str, FunctionSignature]) -> str:
    """The BFCL call string of a call, under the BFCL method's own name."""
    return ToolCall(signatures[call.name].execution.get("method", call.name), call.arguments).text()


def entry(record: Record, signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    classes = sorted({signatures[t.name].execution["class"] for t in record.tools})
    missed = {
        str(k): [signatures[n].execution["method"] for n in t.added] for k, t in enumerate(record.turns) if t.added
    }
    withheld = {m for names in missed.values() for m in names}
    docs = [d for cls in classes for d in function_docs(cls) if d["name"] not in withheld]
    return {
        "id": entry_id(record),
        # the turn that brings a withheld function back has no question in BFCL's data
        "question": [[] if t.added else [{"role": "user", "content": t.user}] for t in record.turns],
        "initial_config": {cls: record.initial_state.get(cls, {}) for cls in classes},
        "involved_classes": classes,
        "function": docs,
        "missed_function": missed,
        "path": [
            f"{signatures[n].execution['class']}.{signatures[n].execution['method']}" for n in record.lineage.functions
        ],
    }


def ground_truth(record: Record, signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    return {
        "id": entry_id(record),
        "ground_truth": [[call_string(c, signatures) for c in t.reference_calls] for t in record.turns],
    }


def result(record: Record, messages: tuple[Message, ...], signatures: dict[str, FunctionSignature]) -> list:
    """Per turn, per assistant step with calls, the call strings."""
    turns: list[list[list[str]]] = [[] for _ in record.turns]
    for turn, m in zip(turn_numbers(messages), messages):
        if m.role == "assistant" and m.tool_calls:
            turns[turn].append([call_string(c, signatures) for c in m.calls])
    return turns


def negative_result(record: Record, negative: Negative, signatures: dict[str, FunctionSignature]) -> list:
    """The negative's steps up to its wrong move; the chosen ones for the turns after it (the user goes on)."""
    wrong = result(record, negative.messages, signatures)
    chosen = result(record, record.messages, signatures)
    return wrong[: negative.turn + 1] + chosen[negative.turn + 1 :]
