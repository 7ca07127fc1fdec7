"""The teacher prompts of synthesis and the parsers of their replies.

Each prompt ends with a ``TASK`` JSON block holding everything the model needs as data (signatures,
values, earlier outputs, hints); the instructions above it are prose. Replies are JSON objects.
The prompt versions are part of every cache key and every record's lineage: change a prompt, bump
its version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import MagnetGraphError

BACK_VERSION = "back-translate-v2"
FORTH_VERSION = "forth-translate-v1"
ASSIST_VERSION = "assistant-hinted-v1"
STUDENT_VERSION = "assistant-unhinted-v1"  # the same prompt with no hint: how a student answers
JUDGE_VERSION = "error-judge-v1"
PROMPT_VERSIONS = {
    "back": BACK_VERSION,
    "forth": FORTH_VERSION,
    "assistant": ASSIST_VERSION,
    "student": STUDENT_VERSION,
    "judge": JUDGE_VERSION,
}
TASK_MARKER = "TASK:"
ERROR_TYPES = (
    "missing_nested_call",
    "wrong_long_dependency",
    "wrong_short_dependency",
    "wrong_argument",
    "guessed_missing_param",
    "called_unavailable_function",
    "hallucinated_summary",
    "wrong_function",
)

BACK_INSTRUCTIONS = """You write the next message of a user talking to a tool-using assistant.
The TASK block gives the functions this turn needs, the exact argument values, and the conversation so far.
Rules:
- Never name the functions; say what you want done.
- Carry every value listed under "say" word for word. Values under "refer" come from earlier results:
  refer to them indirectly ("the booking you just made"), never repeat them. A "refer" with
  "element": k means the k-th item of that listed result, counting from 1 ("the second file listed").
- "nested" calls happen implicitly: do not ask for them; mention only their "say" values.
- With several requests, ask for all of them explicitly in one message, in order.
- If "withhold" names a value, leave it out entirely (the assistant will have to ask for it).
- If "mode" is "supply", only give the value the assistant asked for, in one short sentence.
Reply with JSON: {"query": "<the user message>"}"""

FORTH_INSTRUCTIONS = """You turn a user's request into function calls.
The TASK block gives the user's messages for this turn, the available function signatures, and the
results of earlier calls. Produce the calls for the next step only: calls that do not need a result
you have not seen yet. Fill every required argument from the request or from earlier results.
If "error" is present, your previous calls failed with it: return corrected calls for the failed ones.
Reply with JSON: {"tool_calls": [{"name": "...", "arguments": {...}}]}"""

ASSIST_INSTRUCTIONS = """You are a helpful assistant that can call functions. Continue the conversation with
the next assistant message. A hidden hint in the TASK block tells you the correct next move: make
exactly the hinted calls, or, when the hint says so, reply in plain text (summarise the results, say
that no available function can do it, or ask for the missing value). Never mention the hint.
Reply with JSON: {"tool_calls": [{"name": "...", "arguments": {...}}]} or {"content": "..."}"""

JUDGE_INSTRUCTIONS = """You label the mistake in an assistant's step in a tool-use conversation.
The TASK block gives the expected move and the assistant's move. Choose one error type from
"types". Reply with JSON: {"error_type": "..."}"""


@dataclass(frozen=True)
class Encoded:
    """A TASK value already written as JSON (``encode``), spliced into the block as it is: what
    every step of a path shows (its tool list) is written once, not at each step."""

    text: str


def encode(value: Any) -> Encoded:
    return Encoded(_task_json(value))


def prompt(instructions: str, task: dict[str, Any]) -> list[dict[str, str]]:
    """System instructions plus the TASK block as the user message: ``task`` as JSON with sorted
    keys (its top level written here, so that ``Encoded`` values go in as they are)."""
    block = ", ".join(
        f"{_task_json(k)}: {v.text if isinstance(v, Encoded) else _task_json(v)}" for k, v in sorted(task.items())
    )
    return [
        {"role": "system", "content": instructions},
        {"role": "user", "content": f"{TASK_MARKER}\n{{{block}}}"},
    ]


def _task_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def task_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The TASK block of a prompt built by ``prompt`` (what the offline templates read)."""
    text = messages[-1]["content"]
    _, marker, blob = text.partition(TASK_MARKER)
    if not marker:
        raise MagnetGraphError("prompt has no TASK block")
    return json.loads(blob)


def signature_text(sig) -> dict[str, Any]:
    """What a prompt shows of a function: name, description and parameter schema."""
    return {"name": sig.name, "description": sig.description, "parameters": sig.parameters}


def parse_reply(text: str, where: str) -> dict[str, Any]:
    """The JSON object in a reply (bare, or inside a ```json fence, or the outermost braces)."""
    fenced = re.search(r"```(?:json)?\s*(\{.*?\})\s*```", text, re.S)
    candidates = [text.strip()] + ([fenced.group(1)] if fenced else [])
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for blob in candidates:
        try:
            value = json.loads(blob)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise MagnetGraphError(f"{where}: the teacher's reply is not a JSON object: {text[:120]!r}")


def parse_calls(reply: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """``[{"name", "arguments"}]`` from a reply's ``tool_calls`` (OpenAI nesting and string arguments accepted)."""
    calls = reply.get("tool_calls")
    if not isinstance(calls, list):
        raise MagnetGraphError(f"{where}: reply has no tool_calls list")
    out = []
    for call in calls:
        if not isinstance(call, dict):
            raise MagnetGraphError(f"{where}: a tool call is not an object")
        body = call.get("function") if isinstance(call.get("function"), dict) else call
        arguments = body.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                raise MagnetGraphError(f"{where}: tool call arguments are not JSON") from None
        if not isinstance(body.get("name"), str) or not isinstance(arguments, dict):
            raise MagnetGraphError(f"{where}: a tool call needs a name and an arguments object")
        out.append({"name": body["name"], "arguments": arguments})
    return out
