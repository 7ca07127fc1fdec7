"""One single-turn BFCL entry through a model, as BFCL's OpenAI-completions handler asks it.

Function-calling mode (``inference_single_turn_FC``): the entry's function docs, with BFCL's
language hints, become OpenAI tools through BFCL's ``convert_to_tool`` (dots in names become
underscores, as for every OpenAI-style model); the result is the reply's calls as ``[{name:
arguments JSON}]``, or its text when it made none. Prompt mode (``inference_single_turn_prompting``):
BFCL's system prompt lists the functions and the result is the reply's text, which BFCL's checker
parses as a Python list of calls. Nothing runs: these categories are scored on the calls alone.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .multi_turn import ChatModel


@dataclass
class SingleResult:
    id: str
    result: list[dict[str, str]] | str  # BFCL's raw model output for the entry
    error: str = ""  # inference failed (the entry counts as wrong, as in BFCL); a rerun retries it


def openai_tools(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """BFCL's function docs as the tools BFCL sends an OpenAI-compatible model."""
    from bfcl_eval.constants.enums import ModelStyle
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI
    from bfcl_eval.model_handler.utils import convert_to_tool

    return convert_to_tool(functions, GORILLA_TO_OPENAPI, ModelStyle.OPENAI_COMPLETIONS)


def run_single(entry: dict[str, Any], model: ChatModel, fc: bool = True) -> SingleResult:
    """The model's answer to a single-turn entry, in the form BFCL's checker reads."""
    from bfcl_eval.model_handler.utils import system_prompt_pre_processing_chat_model

    messages = copy.deepcopy(entry["question"][0])
    if not fc:
        messages = system_prompt_pre_processing_chat_model(messages, entry["function"], entry["id"])
        return SingleResult(entry["id"], model.respond(messages, []).get("content") or "")
    reply = model.respond(messages, openai_tools(entry["function"]))
    calls = reply.get("tool_calls") or []
    if not calls:
        return SingleResult(entry["id"], reply.get("content") or "")
    return SingleResult(entry["id"], [{c["function"]["name"]: c["function"]["arguments"]} for c in calls])
