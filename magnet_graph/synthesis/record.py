"""The canonical trajectory record every export is made from.

A record is a conversation in OpenAI chat format with tool-call ``arguments`` kept as dicts, the
tools offered (OpenAI tool schemas), lineage, and optionally a rejected alternative:

    {"id": str, "kind": "multi_turn" | "single" | "parallel" | "multiple" | "irrelevance",
     "tools": [{"type": "function", "function": {...}}],
     "messages": [{"role": "system" | "user" | "assistant" | "tool", ...}],
     "negatives": [{"messages": [...], "error_type": str, "source", "diverge_at", "turn"}],
     "rejected": one of the negatives, set per pair when exporting DPO / mDPO rows,
     "lineage": {"path_id", "ops", "teacher", "prompt_version", "environment", "state_hashes", ...}}

A rejected trajectory shares the chosen one's messages up to the first assistant message where
they differ. Assistant messages: ``{"role": "assistant", "content": str | None, "tool_calls":
[{"id", "type": "function", "function": {"name", "arguments": dict}}]}``; tool messages:
``{"role": "tool", "tool_call_id", "name", "content": str}``.
"""

from __future__ import annotations

from typing import Any

from ..errors import MagnetGraphError
from ..signature import FunctionSignature


def openai_tool(sig: FunctionSignature) -> dict[str, Any]:
    """The OpenAI ``tools`` entry for a signature."""
    return {
        "type": "function",
        "function": {"name": sig.name, "description": sig.description, "parameters": sig.parameters},
    }


def divergence(chosen: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> int:
    """Index of the first message where two trajectories differ; it must be an assistant message."""
    for i, (a, b) in enumerate(zip(chosen, rejected)):
        if a != b:
            if a.get("role") != "assistant" or b.get("role") != "assistant":
                raise MagnetGraphError(f"chosen and rejected diverge at message {i}, which is not an assistant message")
            return i
    raise MagnetGraphError("chosen and rejected trajectories do not diverge")


def turn_numbers(messages: list[dict[str, Any]]) -> list[int]:
    """For each message, the user turn it belongs to (-1 before the first user message)."""
    turn, numbers = -1, []
    for m in messages:
        if m["role"] == "user":
            turn += 1
        numbers.append(turn)
    return numbers


PHENOMENA = ("nested", "long_dependency", "merge", "miss_func", "miss_param", "irrelevance", "parallel")


def turn_phenomena(turn: dict[str, Any]) -> set[str]:
    """The paper's phenomena one record turn shows (nested and long-dependency calls, merged turns,
    miss_func / miss_param splits, irrelevance, parallel calls in one step)."""
    ops = set(turn["op"].split("+"))
    missing = (turn.get("missing") or {}).get("kind")
    found = {missing} if missing in ("miss_func", "miss_param", "irrelevance") else set()
    if "insert" in ops and len(turn["calls"]) >= 2:
        found.add("nested")
    if "insert_long" in ops:
        found.add("long_dependency")
    if "merge" in ops:
        found.add("merge")
    if any(len(step) >= 2 for step in turn["calls"]):
        found.add("parallel")
    return found
