"""``magnet-graph eval bfcl``: a model on BFCL's multi-turn categories, with BFCL's protocol and checker.

The protocol is BFCL's function-calling inference (``base_handler.inference_multi_turn_FC`` in
bfcl-eval 2026.3.23): the entry's questions turn by turn; tools are the involved classes' function
docs minus ``excluded_function`` and the held-out ``missed_function`` ones, which come back in their
turn with BFCL's "I have updated some more functions…" message; the model takes steps until it
answers without a tool call, at most 20 steps per turn (beyond that the entry is force-terminated);
every call runs against the entry's ``initial_config`` (long_context: the classes' long-context
scenario) and its output goes back as a tool message. Calls run in our worker environment, not
through BFCL's ``eval``; a call naming no tool of the entry, or with an argument name that is not a
Python identifier, is answered "Error during execution: ..." and never becomes a call string, so the
strings BFCL's checker later ``eval``s (in a child process) hold only tool names and ``repr``'d JSON
values. Scores come from ``multi_turn_checker``, exactly the checks BFCL's multi-turn runner makes.
An entry whose inference fails (a refused or truncated reply) counts as wrong, as in BFCL, and a
rerun retries it; a results folder belongs to one model and endpoint.

Data: the ``BFCL_v4_multi_turn_*`` files inside bfcl-eval are BFCL's revised, v4-named set; scores
are not directly comparable with papers that used the v3 files (the Magnet paper among them).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

# BFCL's own text for the turn where withheld functions come back, read from the pinned package
# rather than copied (synthesis says the same; tests/test_bfcl_adapter.py holds them equal)
from bfcl_eval.constants.default_prompts import (
    DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC as ADDED_FUNCTIONS_MESSAGE,
)

from ..environments import open_environment
from ..errors import MagnetGraphError, redact
from ..execution import CallRejected, structured_call
from ..records import JsonlAppender, ToolSpec, read_jsonl, recover_jsonl, write_jsonl
from .catalog import load_bfcl
from .checker import check_directory
from .format import call_string

CATEGORIES = ("base", "miss_func", "miss_param", "long_context")
MAX_STEPS_PER_TURN = 20  # bfcl_eval.constants.default_prompts.MAXIMUM_STEP_LIMIT
DATA_NOTE = (
    "BFCL_v4_multi_turn_* files from bfcl-eval (BFCL's revised v4-named multi-turn set); "
    "not directly comparable with scores on the v3 files"
)


class ChatModel(Protocol):
    """What eval needs of a model: the next assistant message given the conversation and tools."""

    name: str

    def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]: ...


def bfcl_version() -> str:
    return importlib.metadata.version("bfcl-eval")


def load_category(category: str, limit: int | None = None) -> tuple[list[dict], dict[str, list]]:
    """The category's test entries (first ``limit``) and their ground truth by id."""
    if category not in CATEGORIES:
        raise MagnetGraphError(f"--category {category!r}: not one of {', '.join(CATEGORIES)}")
    root = Path(importlib.util.find_spec("bfcl_eval").submodule_search_locations[0]) / "data"
    name = f"BFCL_v4_multi_turn_{category}.json"
    entries = read_jsonl(root / name)[:limit]
    truths = {t["id"]: t["ground_truth"] for t in read_jsonl(root / "possible_answer" / name)}
    return entries, {e["id"]: truths[e["id"]] for e in entries}


@dataclass
class EntryResult:
    id: str
    result: list[list[list[str]]]  # per turn, per step with calls, BFCL call strings
    force_terminated: bool
    steps: int
    messages: list[dict[str, Any]]
    error: str = ""  # inference failed (the entry counts as wrong, as in BFCL); a rerun retries it


def _output_text(ok: bool, output: Any) -> str:
    """A tool message's content as BFCL's executor writes it."""
    if not ok:
        return f"Error during execution: {output}"
    if isinstance(output, str):
        return output
    try:
        return json.dumps(output)
    except (TypeError, ValueError):
        return str(output)


@functools.cache
def _class_signatures(cls: str) -> tuple:
    """A BFCL class's signatures, read and normalised once per process, not once per entry (~60 ms)."""
    return tuple(load_bfcl(f"bfcl:{cls}"))


def _decode(wire: dict[str, Any]) -> dict[str, Any] | None:
    """A call's arguments as BFCL decodes them (a JSON object), or None when they do not decode."""
    arguments = (wire.get("function") or {}).get("arguments", "{}")
    try:
        value = json.loads(arguments) if isinstance(arguments, str) else arguments
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _tool_message(wire: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "role": "tool",
        "tool_call_id": wire.get("id", ""),
        "name": (wire.get("function") or {}).get("name", ""),
        "content": content,
    }


def run_entry(entry: dict[str, Any], model: ChatModel, long_context: bool) -> EntryResult:
    """One test entry through ``model`` with BFCL's multi-turn function-calling protocol."""
    signatures = [s for cls in entry["involved_classes"] for s in _class_signatures(cls)]
    by_name = {s.name: s for s in signatures}
    held_out = {int(turn): names for turn, names in (entry.get("missed_function") or {}).items()}
    hidden = set(entry.get("excluded_function") or []) | {n for names in held_out.values() for n in names}
    offered = [n for n in by_name if n not in hidden]
    environment = open_environment(signatures)
    messages: list[dict[str, Any]] = []
    result: list[list[list[str]]] = []
    steps, force_terminated = 0, False
    try:
        environment.reset(entry.get("initial_config") or {}, long_context=long_context)
        for turn, question in enumerate(entry["question"]):
            if turn in held_out:
                offered += held_out[turn]
                question = [{"role": "user", "content": ADDED_FUNCTIONS_MESSAGE}]
            messages += question
            tools = [ToolSpec.of(by_name[n]).to_dict() for n in offered]
            turn_result: list[list[str]] = []
            for _ in range(MAX_STEPS_PER_TURN + 1):
                reply = model.respond(messages, tools)
                messages.append(reply)
                steps += 1
                wire_calls = reply.get("tool_calls") or []
                decoded = [_decode(wire) for wire in wire_calls]
                if not wire_calls or None in decoded:
                    # BFCL: no call, or a response that does not decode, ends the turn (the calls are
                    # still answered, so the conversation stays valid for the next request)
                    messages += [
                        _tool_message(w, "Error: the call could not be decoded; nothing ran.") for w in wire_calls
                    ]
                    break
                strings = []
                for wire in wire_calls:
                    try:
                        call = structured_call(wire, by_name)
                    except CallRejected as exc:  # BFCL would try to run it and answer with the error
                        messages.append(_tool_message(wire, f"Error during execution: {exc}"))
                        continue
                    strings.append(call_string(call, by_name))
                    ok, output = environment.call(call.name, call.arguments)
                    messages.append(_tool_message(wire, _output_text(ok, output)))
                if strings:
                    turn_result.append(strings)
            else:
                force_terminated = True
            result.append(turn_result)
            if force_terminated:
                break
    finally:
        environment.close()
    return EntryResult(entry["id"], result, force_terminated, steps, messages)


def evaluate(
    model: ChatModel,
    categories: tuple[str, ...],
    out_dir: str | Path,
    limit: int | None = None,
    concurrency: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Run and score ``categories``; per-entry results stay in ``out_dir/<category>/`` (a rerun skips them)."""
    out = Path(out_dir)
    _claim(out, model)
    scores: dict[str, Any] = {}
    for category in categories:
        entries, truths = load_category(category, limit)
        folder = out / category
        folder.mkdir(parents=True, exist_ok=True)
        write_jsonl(folder / "entries.jsonl", entries)
        write_jsonl(folder / "ground_truth.jsonl", [{"id": i, "ground_truth": t} for i, t in truths.items()])
        results_path = folder / "positive_result.jsonl"  # the checker's name for the results it scores
        done = {r["id"] for r in recover_jsonl(results_path) if not r.get("error")}  # a failed inference is retried
        todo = [e for e in entries if e["id"] not in done]
        sink = JsonlAppender()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            finished = len(done)
            long_context = category == "long_context"
            for item in pool.map(lambda e, lc=long_context: _run_or_record(e, model, lc), todo):
                sink.append(results_path, asdict(item))
                finished += 1
                if progress:
                    progress(category, finished, len(entries))
        # keep only this run's ids, in entry order; the newest row of an id wins
        rows = {r["id"]: r for r in read_jsonl(results_path)}
        write_jsonl(results_path, [rows[e["id"]] for e in entries if e["id"] in rows])
        failed = [rows[e["id"]]["error"] for e in entries if rows.get(e["id"], {}).get("error")]
        if entries and len(failed) == len(entries):
            raise MagnetGraphError(f"eval bfcl {category}: every entry failed at inference; first: {failed[0]}")
        checked = check_directory(folder, official=True)
        if "error" in checked:
            raise MagnetGraphError(f"{folder}: {checked['error']}")
        positive = checked["positive"]
        scores[category] = {
            "accuracy": round(positive["accepted"] / max(1, positive["checked"]), 4),
            "correct": positive["accepted"],
            "total": positive["checked"],
            "errors": positive["reasons"],
            "inference_errors": len(failed),
        }
        (folder / "verdicts.json").write_text(json.dumps(positive["verdicts"], indent=1, sort_keys=True) + "\n")
    accuracies = [s["accuracy"] for s in scores.values()]
    summary = {
        "model": model.name,
        "bfcl_eval": bfcl_version(),
        "data": DATA_NOTE,
        "limit": limit,
        "categories": scores,
        "multi_turn_overall": round(sum(accuracies) / len(accuracies), 4) if accuracies else None,
    }
    (out / "scores.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _run_or_record(entry: dict[str, Any], model: ChatModel, long_context: bool) -> EntryResult:
    """``run_entry``, or, when inference fails (a refused or truncated reply, a dead environment), an
    empty result that the checker fails, as BFCL scores an entry whose inference errored."""
    try:
        return run_entry(entry, model, long_context)
    except Exception as exc:  # noqa: BLE001 - one entry's failure is that entry's score, not the run's
        reason = str(exc) if isinstance(exc, MagnetGraphError) else f"{type(exc).__name__}: {exc}"
        return EntryResult(entry["id"], [], True, 0, [], error=redact(reason))


def _claim(out: Path, model: ChatModel) -> None:
    """Results in ``out`` belong to one model and settings: a rerun with others is refused, not mixed in."""
    out.mkdir(parents=True, exist_ok=True)
    owner = {
        "model": model.name,
        "endpoint": getattr(model, "base_url", None),
        "bfcl_eval": bfcl_version(),
        "max_tokens": getattr(model, "max_tokens", None),
    }
    path = out / "eval.json"
    if path.exists():
        found = json.loads(path.read_text())
        if found != owner:
            raise MagnetGraphError(
                f"{out}: holds results of {found.get('model')} ({found}); choose another --out for {model.name}"
            )
    else:
        path.write_text(json.dumps(owner, sort_keys=True) + "\n")
