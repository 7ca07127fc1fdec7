"""Records to the row shapes stock trainers read, one file per format in a run directory.

- ``sft_row``: TRL conversational SFT: ``{"messages": [...], "tools": "<JSON string>"}``, tool-call
  arguments as objects (what chat templates expect; the OpenAI wire format's JSON strings are not).
- ``dpo_row``: a per-turn preference pair: ``{"prompt": shared prefix, "chosen": [assistant message],
  "rejected": [assistant message], "tools", "error_type", "id"}``; the prompt is the chosen trajectory
  up to the first diverging assistant message, so no tool output after the divergence is trained on.
- ``mdpo_row``: whole trajectories: ``{"chosen", "rejected", "chosen_assistant_mask",
  "rejected_assistant_mask", "chosen_turns", "rejected_turns", "diverge_at", "tools", "error_type",
  "id"}``, masks True on assistant messages (the only ones the multi-turn objective scores).
- ``sharegpt_row``: LLaMA-Factory's sharegpt with tools: ``{"conversations": [{"from": "human" |
  "gpt" | "function_call" | "observation", "value"}], "system", "tools"}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .io import write_jsonl
from .model import Message, Negative, Record, ToolSpec, divergence, turn_numbers

FILES = {"sft": "sft.jsonl", "sharegpt": "sharegpt.jsonl", "dpo": "dpo.jsonl", "mdpo": "mdpo.jsonl"}


def tools_json(tools: Sequence[ToolSpec]) -> str:
    """The tool list as every export writes it (keys sorted): a template renders it in this order,
    so anything that prompts a model trained on these files (GRPO's prompts) uses it too."""
    return json.dumps([t.to_dict() for t in tools], ensure_ascii=False, sort_keys=True)


def _tools(record: Record) -> str:
    return tools_json(record.tools)


def _dicts(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    return [m.to_dict() for m in messages]


def sft_row(record: Record) -> dict[str, Any]:
    return {"messages": _dicts(record.messages), "tools": _tools(record)}


def dpo_row(record: Record, negative: Negative) -> dict[str, Any]:
    at = divergence(record.messages, negative.messages)
    chosen, rejected = _dicts(record.messages), _dicts(negative.messages)
    return {
        "prompt": chosen[:at],
        "chosen": [chosen[at]],
        "rejected": [rejected[at]],
        "tools": _tools(record),
        "error_type": negative.error_type,
        "id": record.id,
    }


def mdpo_row(record: Record, negative: Negative) -> dict[str, Any]:
    return {
        "chosen": _dicts(record.messages),
        "rejected": _dicts(negative.messages),
        "chosen_assistant_mask": [m.role == "assistant" for m in record.messages],
        "rejected_assistant_mask": [m.role == "assistant" for m in negative.messages],
        "chosen_turns": turn_numbers(record.messages),
        "rejected_turns": turn_numbers(negative.messages),
        "diverge_at": divergence(record.messages, negative.messages),
        "tools": _tools(record),
        "error_type": negative.error_type,
        "id": record.id,
    }


def sharegpt_row(record: Record) -> dict[str, Any]:
    conversations, system = [], ""
    for m in record.messages:
        if m.role == "system":
            system = m.content or ""
        elif m.role == "user":
            conversations.append({"from": "human", "value": m.content})
        elif m.role == "tool":
            conversations.append({"from": "observation", "value": m.content})
        elif m.tool_calls:
            calls = [c.call.to_dict() for c in m.tool_calls]
            value = json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
            conversations.append({"from": "function_call", "value": value})
        else:
            conversations.append({"from": "gpt", "value": m.content or ""})
    return {"conversations": _merge_observations(conversations), "system": system, "tools": _tools(record)}


def _merge_observations(conversations: list[dict[str, str]]) -> list[dict[str, str]]:
    """LLaMA-Factory alternates function_call and observation: parallel results become one JSON list."""
    merged: list[dict[str, Any]] = []
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


def export_rows(records: list[Record]) -> dict[str, list[dict[str, Any]]]:
    """Every format's rows: one SFT and ShareGPT row per record, one DPO and mDPO row per negative."""
    pairs = [(r, n) for r in records for n in r.negatives]
    return {
        "sft": [sft_row(r) for r in records],
        "sharegpt": [sharegpt_row(r) for r in records],
        "dpo": [dpo_row(r, n) for r, n in pairs],
        "mdpo": [mdpo_row(r, n) for r, n in pairs],
    }


def is_simulated(record: Record) -> bool:
    """Whether the record's tool outputs were made up (tools with no implementation behind them)."""
    return record.lineage.environment == "simulated"


def write_exports(out: str | Path, records: list[Record], *, allow_simulated: bool = False) -> dict[str, int]:
    """``sft.jsonl``, ``sharegpt.jsonl``, ``dpo.jsonl`` and ``mdpo.jsonl`` in ``out``; rows written per
    format. Records with simulated tool outputs are left out (a model would learn invented answers)
    unless ``allow_simulated``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    records = [r for r in records if allow_simulated or not is_simulated(r)]
    for fmt, rows in export_rows(records).items():
        write_jsonl(out / FILES[fmt], rows)
        counts[fmt] = len(rows)
    return counts
