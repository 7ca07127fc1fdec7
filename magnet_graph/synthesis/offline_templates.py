"""The offline teacher's answers to the synthesis prompts: deterministic templates, no model.

A real round trip, not a copy: the back template writes each call as a clause of the user query
(its intent, then ``param <JSON value>`` or ``param the FIELD from earlier``), and the forth template
recovers the calls from the query text and the earlier results alone. A value the query fails to
carry makes the forth call wrong, and synthesis counts the failure. Queries read like templates
because they are; records say ``teacher: offline-template``. ``offline_teacher()`` is a teacher
answering with them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..execution.values import pieces, values_at
from ..teachers import OfflineTeacher
from .prompts import ASSIST_VERSION, BACK_VERSION, FORTH_VERSION, JUDGE_VERSION, task_of

THEN = " Then "
NESTED_INTENT = "take care of the follow-up it needs"
_DECODER = json.JSONDecoder()


def intent(description: str) -> str:
    """The first sentence of a description as a request ('Search the files' -> 'search the files')."""
    sentence = re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0].rstrip(".!? ").replace(THEN, " then ")
    return (sentence[:1].lower() + sentence[1:]) if sentence else "do the next step"


def back(messages: list[dict[str, Any]]) -> str:
    task = task_of(messages)
    if task["mode"] == "supply":
        param, value = task["supply"]["param"], task["supply"]["value"]
        return json.dumps({"query": f"Sorry, I left that out: {param} is {json.dumps(value)}."})
    withheld = task.get("withhold") or {}
    clauses = []
    for call in task["calls"]:
        parts = [
            f"{p} {json.dumps(v, ensure_ascii=False)}"
            for p, v in call["say"].items()
            if not (withheld.get("function") == call["function"] and withheld.get("param") == p)
        ]
        parts += [
            f"{p} the {_ordinal(ref.get('element'))}{ref['field']} {'it returns' if ref['same_turn'] else 'from earlier'}"
            for p, ref in call["refer"].items()
        ]
        what = NESTED_INTENT if call["nested"] else intent(call["description"])
        clauses.append(what + (" with " + ", ".join(parts) if parts else ""))
    query = "Please " + THEN.join(clauses) + "."
    return json.dumps({"query": query}, ensure_ascii=False)


def forth(messages: list[dict[str, Any]]) -> str:
    task = task_of(messages)
    text = " ".join(task["messages"])
    first, _, supplied = text.partition(" Sorry, I left that out: ")
    clauses = first.removeprefix("Please ").rstrip(".").split(THEN)
    by_intent = {intent(f["description"]): f for f in task["functions"]}
    heads = sorted(list(by_intent) + [NESTED_INTENT], key=len, reverse=True)
    parsed = [(next((h for h in heads if c.startswith(h)), None), c) for c in clauses]
    unclaimed = [f for i, f in by_intent.items() if i not in {h for h, _ in parsed}]
    done = [json.dumps(c, sort_keys=True) for c in task["done"]]
    failed = {json.dumps(c, sort_keys=True) for c in task.get("failed", [])}
    calls = []
    for head, clause in parsed:
        if head is None:
            continue
        function = unclaimed[0] if head == NESTED_INTENT and unclaimed else by_intent.get(head)
        if function is None:
            continue
        clause = clause[len(head) :]
        call = _read_clause(clause, function, task["earlier"], task["turn_outputs"], supplied, failed)
        if call is None:
            continue  # needs a result of this turn not seen yet: a later step
        key = json.dumps(call, sort_keys=True)
        if key in done:
            done.remove(key)
            continue
        calls.append(call)
    return json.dumps({"tool_calls": calls}, ensure_ascii=False)


def _read_clause(clause, function, earlier, turn_outputs, supplied, failed) -> dict[str, Any] | None:
    arguments: dict[str, Any] = {}
    properties = function["parameters"].get("properties", {})
    for param, schema in properties.items():
        match = re.search(rf"(?:with |, ){re.escape(param)} ", clause)
        source = clause
        if match is None:
            match = re.search(rf"(?:^|: ){re.escape(param)} is ", supplied)
            source = supplied
        if match is None:
            continue
        rest = source[match.end() :]
        ref = re.match(r"the (?:(\w+) item of the )?([\w.\[\]{}]+) (it returns|from earlier)", rest)
        if ref is None:
            try:
                arguments[param] = _DECODER.raw_decode(rest)[0]
            except ValueError:
                continue
            continue
        element, field = _ORDINALS.get(ref.group(1) or ""), ref.group(2)
        outputs = turn_outputs if ref.group(3) == "it returns" else earlier
        results = [c["output"] for c in reversed(outputs) if isinstance(c["output"], dict)]
        found = next((f for f in (values_at(out, field) for out in results) if f), [])  # "items[].id", "table{}"
        options = [piece for value in found for piece in pieces(value, schema.get("type", "string"))]
        if element is not None:  # "the second item of the listing": that one
            listed = found[0] if len(found) == 1 and isinstance(found[0], list) else found
            options = [listed[element - 1]] if element <= len(listed) else []
        if not options:
            return None
        for option in options:  # a repair tries the next value the result offers
            arguments[param] = option
            if json.dumps({"name": function["name"], "arguments": arguments}, sort_keys=True) not in failed:
                break
    return {"name": function["name"], "arguments": arguments}


_ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
_ORDINALS = {w: k + 1 for k, w in enumerate(_ORDINAL_WORDS)}


def _ordinal(element: int | None) -> str:
    """``"second item of the "`` for element 2; ``""`` when the value is not one item of a list."""
    if not element or element > len(_ORDINAL_WORDS):
        return ""
    return f"{_ORDINAL_WORDS[element - 1]} item of the "


def assistant(messages: list[dict[str, Any]]) -> str:
    hint = task_of(messages)["hint"]
    if "tool_calls" in hint:
        return json.dumps({"tool_calls": hint["tool_calls"]}, ensure_ascii=False)
    if "content" in hint:  # a given move (a student's, rewritten as a negative)
        return json.dumps({"content": hint["content"]}, ensure_ascii=False)
    if hint["reply"] == "unavailable":
        return json.dumps({"content": f"Sorry, none of the functions I have can {intent(hint['description'])}."})
    if hint["reply"] == "ask":
        return json.dumps({"content": f"To do that I need the {hint['param']}. Could you tell me what it is?"})
    return json.dumps({"content": result_sentence(hint.get("results", []))}, ensure_ascii=False)


def result_sentence(results: list[Any]) -> str:
    """A short reply stating what the calls returned: "The order id is o-1 and the delivery
    status is shipped." (at most three facts a result, lists by size and first items)."""
    facts = [fact for r in results for fact in _facts(r)[:3]]
    if not facts:
        return "All done."
    text = ", ".join(facts[:-1]) + (" and " if len(facts) > 1 else "") + facts[-1]
    return text[:1].upper() + text[1:] + "."


def _facts(result: Any) -> list[str]:
    if isinstance(result, dict):
        found = []
        for key, value in result.items():
            name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|_", " ", str(key)).lower().strip() or str(key)
            if isinstance(value, bool):
                found.append(f"the {name} is {'yes' if value else 'no'}")
            elif isinstance(value, (str, int, float)):
                found.append(f"the {name} is {_short(value)}")
            elif isinstance(value, list):
                shown = ", ".join(_short(v) for v in value[:3] if isinstance(v, (str, int, float)))
                found.append(
                    f"there are {len(value)} {name}"
                    + (f" ({shown}{', ...' if len(value) > 3 else ''})" if shown else "")
                )
            elif isinstance(value, dict):
                found.append(f"the {name} has {len(value)} entries")
        return found
    if isinstance(result, list):
        return [f"there are {len(result)} results"]
    return [f"the result is {_short(result)}"] if result is not None else []


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def judge(messages: list[dict[str, Any]]) -> str:
    """A rule, not a judgement: text where calls were expected is a missed call, else a wrong argument."""
    task = task_of(messages)
    expected, got = task["expected"], task["got"]
    if "tool_calls" in expected and "tool_calls" not in got:
        kind = "missing_nested_call" if task.get("step", 0) > 0 else "wrong_function"
    elif "tool_calls" not in expected and "tool_calls" in got:
        kind = "called_unavailable_function" if task.get("reply") == "unavailable" else "guessed_missing_param"
    elif {c["name"] for c in expected.get("tool_calls", [])} != {c["name"] for c in got.get("tool_calls", [])}:
        kind = "wrong_function"
    else:
        kind = "wrong_argument"
    return json.dumps({"error_type": kind})


TEMPLATES = {BACK_VERSION: back, FORTH_VERSION: forth, ASSIST_VERSION: assistant, JUDGE_VERSION: judge}


def offline_teacher() -> OfflineTeacher:
    """The offline teacher with synthesis's templates: no network, the same answers every run."""
    return OfflineTeacher(TEMPLATES)
