"""Figures of a set of records that both the run's report.json and ``eval data`` print: one
definition each, so the same key means the same thing in both.

- ``phenomena``: the paper's phenomena, counted two ways: ``records`` showing each, ``turns`` showing each;
- ``lengths``: per multi-turn record, turns and calls (mean and histogram), and steps per record;
  per record, tools offered and estimated tokens (characters / 4, no tokenizer needed) of the tool
  list and of the whole row (tools and messages), mean and max;
- ``executability``: reference calls and how many returned without an error;
- ``diversity``: distinct call sequences and function bigrams, and how evenly functions are used.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from statistics import mean
from typing import Any

from .model import Record, Turn

PHENOMENA = ("nested", "long_dependency", "merge", "miss_func", "miss_param", "irrelevance", "parallel", "prerequisite")


def turn_phenomena(turn: Turn) -> set[str]:
    """The phenomena one turn shows: a nested call (an Insert in the same turn), a long dependency (an
    Insert placed as its own later turn), a merged turn, a miss_func / miss_param / irrelevance turn,
    parallel calls (two or more in one assistant step), and a prerequisite the planner put before a
    call that failed without it (a login the user never asked for)."""
    found = {turn.missing.kind} if turn.missing else set()
    if "insert" in turn.ops and len(turn.calls) >= 2:
        found.add("nested")
    if "insert_long" in turn.ops:
        found.add("long_dependency")
    if "merge" in turn.ops:
        found.add("merge")
    if any(len(step) >= 2 for step in turn.calls):
        found.add("parallel")
    if "prerequisite" in turn.ops:
        found.add("prerequisite")
    return found


def record_phenomena(record: Record) -> set[str]:
    return {p for turn in record.turns for p in turn_phenomena(turn)}


def phenomena(records: list[Record]) -> dict[str, dict[str, int]]:
    """``{"records": {phenomenon: records showing it}, "turns": {phenomenon: turns showing it}}``."""
    by_record = Counter(p for r in records for p in record_phenomena(r))
    by_turn = Counter(p for r in records for t in r.turns for p in turn_phenomena(t))
    return {"records": {p: by_record[p] for p in PHENOMENA}, "turns": {p: by_turn[p] for p in PHENOMENA}}


def _spread(values: list[int]) -> dict[str, Any]:
    return {
        "mean": round(mean(values), 2) if values else 0,
        "histogram": {str(k): n for k, n in sorted(Counter(values).items())},
    }


def lengths(records: list[Record]) -> dict[str, dict[str, Any]]:
    """Turns and calls per multi-turn record, and assistant steps with calls per record: mean and histogram."""
    multi = [r for r in records if r.kind == "multi_turn"]
    return {
        "turns_per_multi_turn": _spread([len(r.turns) for r in multi]),
        "calls_per_multi_turn": _spread([sum(len(s) for s in r.steps) for r in multi]),
        "steps_per_record": _spread([len(r.steps) for r in records]),
        "tools_per_record": _peak([len(r.tools) for r in records]),
        "tool_tokens_per_record": _peak([_tokens([t.to_dict() for t in r.tools]) for r in records]),
        "row_tokens_per_record": _peak(
            [_tokens([t.to_dict() for t in r.tools]) + _tokens([m.to_dict() for m in r.messages]) for r in records]
        ),
    }


def _peak(values: list[int]) -> dict[str, Any]:
    return {"mean": round(mean(values), 1) if values else 0, "max": max(values, default=0)}


def _tokens(value: Any) -> int:
    """Tokens of a JSON value, estimated as characters / 4 (BPE tokenizers give 3.5-4.5 on JSON)."""
    return len(json.dumps(value, ensure_ascii=False)) // 4


def executability(records: list[Record]) -> dict[str, int]:
    """Reference calls, and those whose recorded output is not an error."""
    outputs = [o for r in records for t in r.turns for step in t.outputs for o in step]
    return {
        "reference_calls": len(outputs),
        "executed_ok": sum(1 for o in outputs if not (isinstance(o, dict) and "error" in o)),
    }


def call_sequences(records: list[Record]) -> list[tuple[str, ...]]:
    """Each record's reference calls, by name, in order."""
    return [tuple(c.name for step in r.steps for c in step) for r in records]


def functions_used(records: list[Record]) -> Counter:
    return Counter(name for seq in call_sequences(records) for name in seq)


def diversity(records: list[Record]) -> dict[str, Any]:
    """Distinct call sequences (and their share of records), distinct function bigrams, and the
    normalised entropy (0-1) of how often each function is called."""
    sequences = call_sequences(records)
    distinct = len(set(sequences))
    return {
        "distinct_call_sequences": distinct,
        "distinct_sequence_share": round(distinct / len(records), 4) if records else 0.0,
        "distinct_function_bigrams": len({pair for seq in sequences for pair in zip(seq, seq[1:])}),
        "function_usage_entropy": entropy(functions_used(records)),
    }


def distinct_values(records: list[Record]) -> dict[str, dict[str, Any]]:
    """Per parameter (``function.param``) of the reference calls: how many calls gave it, how many
    distinct values it took, and their ratio (1.0: never the same value twice)."""
    seen: dict[str, list[str]] = {}
    for r in records:
        for step in r.steps:
            for call in step:
                for param, value in call.arguments.items():
                    seen.setdefault(f"{call.name}.{param}", []).append(json.dumps(value, sort_keys=True))
    return {
        key: {"calls": len(values), "distinct": len(set(values)), "ratio": round(len(set(values)) / len(values), 4)}
        for key, values in sorted(seen.items())
    }


def entropy(counts: Counter) -> float:
    """Shannon entropy of the counts, normalised to [0, 1] by its maximum."""
    total = sum(counts.values())
    if len(counts) < 2:
        return 0.0
    h = -sum(c / total * math.log(c / total) for c in counts.values())
    return round(h / math.log(len(counts)), 4)
