"""Exports from canonical records (see ``record``) to the row shapes stock trainers read.

- ``sft_row``: TRL conversational SFT: ``{"messages": [...], "tools": "<JSON string>"}``, tool-call
  arguments as dicts (what chat templates expect; the OpenAI wire format's JSON strings are not).
- ``dpo_row``: per-turn preference pair: ``{"prompt": shared prefix, "chosen": [assistant message],
  "rejected": [assistant message], "tools"}``; the prompt is the chosen trajectory up to the first
  diverging assistant message, so chosen and rejected end where they differ and no tool output
  after the divergence is trained as model output.
- ``mdpo_row``: whole trajectories: ``{"chosen", "rejected", "chosen_assistant_mask",
  "rejected_assistant_mask", "chosen_turns", "rejected_turns", "diverge_at", "tools"}``, masks True
  on assistant messages (the only ones the multi-turn objective scores), turns per message.
- ``sharegpt_row``: LLaMA-Factory's sharegpt with tools: ``{"conversations": [{"from": "human" |
  "gpt" | "function_call" | "observation", "value"}], "system", "tools"}``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .record import divergence, turn_numbers


def _tools(record: dict[str, Any]) -> str:
    return json.dumps(record["tools"], ensure_ascii=False, sort_keys=True)


def dict_arguments(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy whose tool-call arguments are dicts (a JSON-string form is decoded)."""
    out = copy.deepcopy(messages)
    for m in out:
        for call in m.get("tool_calls") or []:
            args = call["function"]["arguments"]
            call["function"]["arguments"] = json.loads(args) if isinstance(args, str) else args
    return out


def sft_row(record: dict[str, Any]) -> dict[str, Any]:
    return {"messages": dict_arguments(record["messages"]), "tools": _tools(record)}


def dpo_row(record: dict[str, Any]) -> dict[str, Any]:
    chosen = dict_arguments(record["messages"])
    rejected = dict_arguments(record["rejected"]["messages"])
    at = divergence(chosen, rejected)
    return {
        "prompt": chosen[:at],
        "chosen": [chosen[at]],
        "rejected": [rejected[at]],
        "tools": _tools(record),
        "error_type": record["rejected"].get("error_type", ""),
    }


def mdpo_row(record: dict[str, Any]) -> dict[str, Any]:
    chosen = dict_arguments(record["messages"])
    rejected = dict_arguments(record["rejected"]["messages"])
    return {
        "chosen": chosen,
        "rejected": rejected,
        "chosen_assistant_mask": [m["role"] == "assistant" for m in chosen],
        "rejected_assistant_mask": [m["role"] == "assistant" for m in rejected],
        "chosen_turns": turn_numbers(chosen),
        "rejected_turns": turn_numbers(rejected),
        "diverge_at": divergence(chosen, rejected),
        "tools": _tools(record),
        "error_type": record["rejected"].get("error_type", ""),
    }


def sharegpt_row(record: dict[str, Any]) -> dict[str, Any]:
    conversations, system = [], ""
    for m in dict_arguments(record["messages"]):
        if m["role"] == "system":
            system = m["content"]
        elif m["role"] == "user":
            conversations.append({"from": "human", "value": m["content"]})
        elif m["role"] == "tool":
            conversations.append({"from": "observation", "value": m["content"]})
        elif m.get("tool_calls"):
            calls = [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in m["tool_calls"]]
            conversations.append(
                {
                    "from": "function_call",
                    "value": json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False),
                }
            )
        else:
            conversations.append({"from": "gpt", "value": m.get("content") or ""})
    return {"conversations": _merge_observations(conversations), "system": system, "tools": _tools(record)}


def _merge_observations(conversations: list[dict[str, str]]) -> list[dict[str, str]]:
    """LLaMA-Factory alternates function_call and observation: parallel results become one JSON list."""
    merged: list[dict[str, str]] = []
    for turn in conversations:
        if turn["from"] == "observation" and merged and merged[-1]["from"] == "observation":
            previous = merged[-1]["value"]
            values = json.loads(previous) if previous.startswith("[") and merged[-1].get("_list") else [previous]
            merged[-1] = {
                "from": "observation",
                "value": json.dumps(values + [turn["value"]], ensure_ascii=False),
                "_list": True,
            }
        else:
            merged.append(dict(turn))
    return [{k: v for k, v in t.items() if k != "_list"} for t in merged]
