"""BFCL's own multi-turn formats for records built on the ``bfcl`` environment.

- ``entry``: BFCL test-entry shape: id, question (per turn a list of user messages; empty for the
  turn where a withheld function comes back, as BFCL does), initial_config, involved_classes,
  function (BFCL's docs, withheld ones removed), missed_function {turn: [names]}.
- ``ground_truth``: ``{"id", "ground_truth": [[call strings] per turn]}``; a split turn has none.
- ``result``: ``{"id", "result": [[[call strings] per step] per turn]}`` from a conversation's messages.
Call strings use BFCL's method names and keyword arguments only.
"""

from __future__ import annotations

from typing import Any

from ..catalogs.bfcl import function_docs
from ..signature import FunctionSignature
from .record import turn_numbers


def is_bfcl(record: dict[str, Any], signatures: dict[str, FunctionSignature]) -> bool:
    """Multi-turn records whose every tool is a BFCL class method."""
    names = [t["function"]["name"] for t in record["tools"]]
    return record["kind"] == "multi_turn" and all(signatures[n].execution.get("kind") == "bfcl" for n in names)


def entry_id(record: dict[str, Any]) -> str:
    kinds = {t["missing"]["kind"] for t in record["turns"] if t.get("missing")}
    category = "miss_func" if "miss_func" in kinds else "miss_param" if "miss_param" in kinds else "base"
    return f"magnet_{category}_{record['id']}"


def call_text(name: str, arguments: dict[str, Any]) -> str:
    """``name(k=v, ...)`` with keyword arguments and ``repr``'d values: BFCL's call-string form."""
    return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in arguments.items()) + ")"


def call_string(name: str, arguments: dict[str, Any], signatures: dict[str, FunctionSignature]) -> str:
    """The BFCL call string of a call, under the BFCL method's own name."""
    return call_text(signatures[name].execution.get("method", name), arguments)


def entry(record: dict[str, Any], signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    classes = sorted({signatures[t["function"]["name"]].execution["class"] for t in record["tools"]})
    missed = {
        str(k): [signatures[n].execution["method"] for n in t["added"]]
        for k, t in enumerate(record["turns"])
        if t["added"]
    }
    withheld = {m for names in missed.values() for m in names}
    docs = [d for cls in classes for d in function_docs(cls) if d["name"] not in withheld]
    return {
        "id": entry_id(record),
        "question": [[{"role": "user", "content": t["user"]}] if t["bfcl_question"] else [] for t in record["turns"]],
        "initial_config": {cls: record["initial_state"].get(cls, {}) for cls in classes},
        "involved_classes": classes,
        "function": docs,
        "missed_function": missed,
        "path": [
            f"{signatures[n].execution['class']}.{signatures[n].execution['method']}"
            for n in record["lineage"]["functions"]
        ],
    }


def ground_truth(record: dict[str, Any], signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    return {
        "id": entry_id(record),
        "ground_truth": [
            [call_string(c["name"], c["arguments"], signatures) for step in t["calls"] for c in step]
            for t in record["turns"]
        ],
    }


def result(
    record: dict[str, Any], messages: list[dict[str, Any]], signatures: dict[str, FunctionSignature]
) -> list[list[list[str]]]:
    """Per turn, per assistant step with calls, the call strings."""
    turns: list[list[list[str]]] = [[] for _ in record["turns"]]
    for turn, m in zip(turn_numbers(messages), messages):
        if m["role"] == "assistant" and m.get("tool_calls"):
            turns[turn].append(
                [call_string(c["function"]["name"], c["function"]["arguments"], signatures) for c in m["tool_calls"]]
            )
    return turns


def negative_result(
    record: dict[str, Any], negative: dict[str, Any], signatures: dict[str, FunctionSignature]
) -> list[list[list[str]]]:
    """The negative's steps up to its wrong move; the chosen ones for the turns after it (the user goes on)."""
    wrong = result(record, negative["messages"], signatures)
    chosen = result(record, record["messages"], signatures)
    return wrong[: negative["turn"] + 1] + chosen[negative["turn"] + 1 :]
