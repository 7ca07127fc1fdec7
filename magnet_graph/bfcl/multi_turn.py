"""One multi-turn BFCL entry through a model, with BFCL's function-calling protocol.

The protocol is BFCL's ``base_handler.inference_multi_turn_FC`` (bfcl-eval 2026.3.23): the entry's
questions turn by turn; tools are the involved classes' function docs minus ``excluded_function``
and the held-out ``missed_function`` ones, which come back in their turn with BFCL's "I have updated
some more functions…" message; the model takes steps until it answers without a tool call, at most
20 steps per turn (beyond that the entry is force-terminated); every call runs against the entry's
``initial_config`` (long_context: the classes' long-context scenario) and its output goes back as a
tool message. Calls run in our worker environment, not through BFCL's ``eval``; a call naming no
tool of the entry, or with an argument name that is not a Python identifier, is answered "Error
during execution: ..." and is left out of the result, so the call strings BFCL's checker later
builds and ``eval``s (``scoring``, a child process) hold only tool names and ``repr``'d JSON values.

Data: the ``BFCL_v4_multi_turn_*`` files inside bfcl-eval are BFCL's revised, v4-named set; scores
are not directly comparable with papers that used the v3 files (the Magnet paper among them).
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# BFCL's own text for the turn where withheld functions come back, read from the pinned package
# rather than copied (synthesis says the same; tests/test_bfcl_adapter.py holds them equal)
from bfcl_eval.constants.default_prompts import (
    DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC as ADDED_FUNCTIONS_MESSAGE,
)
from bfcl_eval.constants.default_prompts import (
    DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_PROMPTING as ADDED_FUNCTIONS_PROMPT,
)

from ..environments import open_environment
from ..errors import MagnetGraphError
from ..execution import CallRejected, structured_call
from ..records import ToolSpec, read_jsonl
from .catalog import function_docs, load_bfcl

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
    """A multi-turn category's test entries as BFCL's file holds them (first ``limit``; withheld
    functions by name) and their ground truth by id. ``category``: BFCL's name or the short one."""
    category = category.removeprefix("multi_turn_")
    root = Path(importlib.util.find_spec("bfcl_eval").submodule_search_locations[0]) / "data"
    name = f"BFCL_v4_multi_turn_{category}.json"
    if not (root / name).exists():
        raise MagnetGraphError(f"--category {category!r}: no BFCL multi-turn category of that name")
    entries = read_jsonl(root / name)[:limit]
    truths = {t["id"]: t["ground_truth"] for t in read_jsonl(root / "possible_answer" / name)}
    return entries, {e["id"]: truths[e["id"]] for e in entries}


@dataclass
class EntryResult:
    id: str
    result: list[list[list[dict[str, str]]]]  # per turn, per step with calls: [{method: arguments JSON}]
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


def run_entry(entry: dict[str, Any], model: ChatModel, long_context: bool, fc: bool = True) -> EntryResult:
    """One test entry through ``model`` with BFCL's multi-turn protocol: function calling (``fc``), or
    BFCL's prompt (``inference_multi_turn_prompting``: the functions in a system prompt, calls as a
    Python list in the reply's text, their outputs back in one user message)."""
    signatures = [s for cls in entry["involved_classes"] for s in _class_signatures(cls)]
    by_name = {s.name: s for s in signatures}
    docs = {d["name"]: d for cls in entry["involved_classes"] for d in function_docs(cls)}
    held_out = {int(turn): names for turn, names in (entry.get("missed_function") or {}).items()}
    hidden = set(entry.get("excluded_function") or []) | {n for names in held_out.values() for n in names}
    offered = [n for n in by_name if n not in hidden]
    environment = open_environment(signatures)
    messages: list[dict[str, Any]] = []
    result: list[list[list[dict[str, str]]]] = []
    steps, force_terminated = 0, False
    try:
        environment.reset(entry.get("initial_config") or {}, long_context=long_context)
        for turn, question in enumerate(entry["question"]):
            if turn in held_out:
                offered += held_out[turn]
                added = [docs[n] for n in held_out[turn]]
                text = ADDED_FUNCTIONS_MESSAGE if fc else ADDED_FUNCTIONS_PROMPT.format(functions=added)
                question = [{"role": "user", "content": text}]
            elif turn == 0 and not fc:
                question = _with_system_prompt(question, [docs[n] for n in offered], entry["id"])
            messages += question
            tools = [ToolSpec.of(by_name[n]).to_dict() for n in offered] if fc else []
            turn_result: list[list[dict[str, str]]] = []
            for _ in range(MAX_STEPS_PER_TURN + 1):
                reply = model.respond(messages, tools)
                steps += 1
                if fc:
                    messages.append(reply)
                    wire_calls = reply.get("tool_calls") or []
                    if not wire_calls or None in [_decode(wire) for wire in wire_calls]:
                        # BFCL: no call, or a response that does not decode, ends the turn (the calls
                        # are still answered, so the conversation stays valid for the next request)
                        messages += [
                            _tool_message(w, "Error: the call could not be decoded; nothing ran.") for w in wire_calls
                        ]
                        break
                else:
                    text = reply.get("content") or ""
                    messages.append({"role": "assistant", "content": text})
                    wire_calls = _prompted_calls(text)
                    if not wire_calls:  # BFCL: text that is no list of calls ends the turn
                        break
                step = []  # BFCL's function-calling output for the step, of checked calls only
                answers = []
                for wire in wire_calls:
                    try:
                        call = structured_call(wire, by_name)
                    except CallRejected as exc:  # BFCL would try to run it and answer with the error
                        answers.append((wire, f"Error during execution: {exc}"))
                        continue
                    method = by_name[call.name].execution.get("method", call.name)
                    step.append({method: json.dumps(call.arguments)})
                    ok, output = environment.call(call.name, call.arguments)
                    answers.append((wire, _output_text(ok, output)))
                if fc:
                    messages += [_tool_message(wire, content) for wire, content in answers]
                else:
                    messages.append({"role": "user", "content": _prompted_results(answers)})
                if step:
                    turn_result.append(step)
            else:
                force_terminated = True
            result.append(turn_result)
            if force_terminated:
                break
    finally:
        environment.close()
    return EntryResult(entry["id"], result, force_terminated, steps, messages)


def _with_system_prompt(question: list[dict[str, Any]], functions: list[dict], entry_id: str) -> list[dict]:
    """The first turn's messages behind BFCL's system prompt that lists ``functions``."""
    from bfcl_eval.model_handler.utils import system_prompt_pre_processing_chat_model

    return system_prompt_pre_processing_chat_model(copy.deepcopy(question), functions, entry_id)


def _prompted_calls(text: str) -> list[dict[str, Any]]:
    """The calls of a prompt-mode reply, parsed by BFCL's AST decoder (Python's ``ast``, nothing is
    run), as wire-format calls; none where the text is no list of calls."""
    from bfcl_eval.constants.enums import ReturnFormat
    from bfcl_eval.model_handler.utils import default_decode_ast_prompting
    from bfcl_eval.utils import is_function_calling_format_output

    try:
        decoded = default_decode_ast_prompting(text, ReturnFormat.PYTHON)
    except Exception:  # noqa: BLE001 - BFCL: a reply that does not parse ends the turn
        return []
    if not is_function_calling_format_output(decoded):
        return []
    calls = []
    for i, item in enumerate(decoded):
        ((name, arguments),) = item.items()
        try:
            text_arguments = json.dumps(arguments)
        except (TypeError, ValueError):  # a set or another non-JSON literal: rejected like a bad key
            text_arguments = "null"
        calls.append({"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": text_arguments}})
    return calls


def _prompted_results(answers: list[tuple[dict[str, Any], str]]) -> str:
    """BFCL's prompt-mode answer to a step: the outputs, one tool entry per call, in one user message."""
    return repr(
        [
            {"role": "tool", "name": f"{w['function']['name']}({w['function']['arguments']})", "content": content}
            for w, content in answers
        ]
    )
