"""A run directory's sft.jsonl / mdpo.jsonl, checked and tokenized into ``datasets.Dataset`` columns.

Rows are tokenized here rather than by trl so both trainers see one rendering (``render.render``) and
tool-call arguments never pass through Arrow's struct inference, which would merge every call's
arguments into one schema and fill the gaps with nulls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from ..records import EXPORT_FILES, iter_jsonl
from .render import render, shared_turns

FILES = {method: EXPORT_FILES[method] for method in ("sft", "mdpo")}
REQUIRED = {"sft": {"messages": list, "tools": str}, "mdpo": {"chosen": list, "rejected": list, "tools": str}}


def read_rows(data_dir: str | Path, method: str) -> list[dict[str, Any]]:
    """The rows ``method`` trains on; a missing file, bad JSON or a wrong field is one error naming file:line:field."""
    path = Path(data_dir) / FILES[method]
    if not path.is_file():
        raise MagnetGraphError(f"{path}: not found (run `magnet-graph synthesize --out {data_dir}` first)")
    rows = []
    for number, row in iter_jsonl(path):
        for field, kind in REQUIRED[method].items():
            if not isinstance(row.get(field), kind):
                raise MagnetGraphError(
                    f"{path}:{number}: field {field!r}: expected {kind.__name__}, got {type(row.get(field)).__name__}"
                )
        for key in [k for k in ("messages", "chosen", "rejected") if k in REQUIRED[method]]:
            if not any(m.get("role") == "assistant" for m in row[key]):
                raise MagnetGraphError(f"{path}:{number}: field {key!r}: no assistant message to train on")
        rows.append(row)
    if not rows:
        raise MagnetGraphError(f"{path}: no rows")
    return rows


def sft_dataset(rows: list[dict[str, Any]], tokenizer, chat_template: str, max_length: int | None):
    """Columns ``input_ids`` and ``assistant_masks``: trl's SFTTrainer takes them as already tokenized."""
    from datasets import Dataset

    rendered = [render(tokenizer, r["messages"], json.loads(r["tools"]), chat_template, max_length) for r in rows]
    examples = [
        {"input_ids": r["input_ids"], "assistant_masks": r["assistant_masks"]}
        for r in rendered
        if any(r["assistant_masks"])
    ]
    if not examples:
        raise MagnetGraphError(
            f"sft: no row has an assistant token within max_length {max_length} (the prompts alone are longer); "
            "raise args.max_length"
        )
    return Dataset.from_list(examples)


def mdpo_dataset(rows: list[dict[str, Any]], tokenizer, chat_template: str, max_length: int | None):
    """Columns ``chosen_ids``, ``rejected_ids``, their ``*_turn_ids`` and ``shared_turns`` (turns identical in both)."""
    from datasets import Dataset

    examples = []
    for r in rows:
        tools = json.loads(r["tools"])
        chosen = render(tokenizer, r["chosen"], tools, chat_template, max_length)
        rejected = render(tokenizer, r["rejected"], tools, chat_template, max_length)
        shared = shared_turns(chosen, rejected)
        if max(chosen["turn_ids"]) < shared and max(rejected["turn_ids"]) < shared:
            continue  # nothing left to compare after truncation
        examples.append(
            {
                "chosen_ids": chosen["input_ids"],
                "chosen_turn_ids": chosen["turn_ids"],
                "rejected_ids": rejected["input_ids"],
                "rejected_turn_ids": rejected["turn_ids"],
                "shared_turns": shared,
            }
        )
    if not examples:
        raise MagnetGraphError("mdpo: every pair is identical within max_length; raise max_length")
    return Dataset.from_list(examples)
