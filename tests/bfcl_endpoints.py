"""Scripted OpenAI-compatible endpoints that play BFCL entries: replay the ground truth (an oracle,
single- and multi-turn), never call a tool, call a random tool with random arguments, or flip a
seeded coin per entry between replaying and never calling.

Each finds its entry and turn from the request alone: the user messages so far and the tools offered.
Some entries share their questions and differ only in initial state, so every reply also carries the
entry id (in tool-call ids and in its text), and a conversation's first request takes the first entry
of its question that has not started yet (the evaluator runs entries in file order)."""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import importlib
import inspect
import json
import random
import re
import threading

from magnet_graph.bfcl.catalog import load_bfcl
from magnet_graph.bfcl.categories import is_multi_turn, load
from magnet_graph.bfcl.multi_turn import ADDED_FUNCTIONS_MESSAGE, load_category
from magnet_graph.records import ToolCall
from tests.openai_stub_server import chat_completion


class EntryIndex:
    """(user messages so far, tool names offered) -> (entry id, turn, ground-truth calls of the turn)."""

    def __init__(self, categories, limit):
        from magnet_graph.bfcl.catalog import function_docs

        self.turns: dict[tuple, list[tuple[str, int, list[str]]]] = {}
        self.by_users: dict[tuple, list[tuple[str, int, list[str]]]] = {}  # prompt mode: no tools sent
        self.started: set[str] = set()
        self._lock = threading.Lock()
        for category in categories:
            entries, truths = load_category(category, limit)
            for entry in entries:
                held = {int(k): v for k, v in (entry.get("missed_function") or {}).items()}
                hidden = set(entry.get("excluded_function") or []) | {n for v in held.values() for n in v}
                offered = {d["name"] for cls in entry["involved_classes"] for d in function_docs(cls)} - hidden
                users = []
                for turn, question in enumerate(entry["question"]):
                    if turn in held:
                        offered |= set(held[turn])
                        users.append(ADDED_FUNCTIONS_MESSAGE)
                    users += [m["content"] for m in question if m["role"] == "user"]
                    found = (entry["id"], turn, truths[entry["id"]][turn])
                    self.turns.setdefault((tuple(users), frozenset(offered)), []).append(found)
                    self.by_users.setdefault(tuple(users), []).append(found)

    def locate(self, request):
        asked = [i for i, m in enumerate(request["messages"]) if m["role"] == "user" and not _is_results(m)]
        users = tuple(_user_text(request["messages"][i]["content"]) for i in asked)
        tools = frozenset(t["function"]["name"] for t in request.get("tools") or [])
        candidates = self.turns[(users, tools)] if tools else self.by_users[users]
        said = " ".join(json.dumps(m) for m in request["messages"] if m["role"] == "assistant")
        known = re.search(r"\[entry (\S+)\]", said)
        with self._lock:
            if known:
                entry_id = known.group(1)
            else:
                entry_id = next((c[0] for c in candidates if c[0] not in self.started), candidates[0][0])
                self.started.add(entry_id)
        entry_id, turn, truth = next(c for c in candidates if c[0] == entry_id)
        step = sum(1 for m in request["messages"][asked[-1] :] if m["role"] == "assistant")
        return entry_id, turn, truth, step, tools


def _is_results(message) -> bool:
    """Prompt mode: the user message that carries a step's outputs back."""
    return message["content"].startswith("[{'role': 'tool'")


def _user_text(content: str) -> str:
    """Prompt mode lists the functions that come back before BFCL's usual message: the message itself."""
    return ADDED_FUNCTIONS_MESSAGE if content.endswith("\n" + ADDED_FUNCTIONS_MESSAGE) else content


@functools.cache
def _parameter_names() -> dict[str, list[str]]:
    """Each BFCL method's parameter names in signature order (some ground-truth calls are positional)."""
    names = {}
    for sig in load_bfcl("bfcl"):
        cls = getattr(importlib.import_module(sig.execution["module"]), sig.execution["class"])
        names[sig.name] = [
            p for p in inspect.signature(getattr(cls, sig.execution["method"])).parameters if p != "self"
        ]
    return names


def truth_call(text: str) -> ToolCall:
    """A ground-truth call string as a keyword-argument call (literals only, as BFCL writes them)."""
    node = ast.parse(text, mode="eval").body
    name = node.func.id
    arguments = dict(zip(_parameter_names()[name], (ast.literal_eval(a) for a in node.args)))
    arguments.update({k.arg: ast.literal_eval(k.value) for k in node.keywords})
    return ToolCall(name, arguments)


def _calls_reply(entry_id, calls):
    body = chat_completion(f"[entry {entry_id}]")
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": f"call_{i}", "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
        for i, c in enumerate(calls)
    ]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return 200, body


def replay(index: EntryIndex):
    """Every turn: all ground-truth calls in one step, then a closing text."""

    def reply(request):
        entry_id, _, truth, step, tools = index.locate(request)
        if step == 0 and truth:
            if not tools:  # prompt mode: the calls as a Python list in the text (the id in a comment)
                calls = ", ".join(truth_call(text).text() for text in truth)
                return 200, chat_completion(f"[{calls}]  # [entry {entry_id}]")
            return _calls_reply(entry_id, [truth_call(text) for text in truth])
        return 200, chat_completion(f"Done. [entry {entry_id}]")

    return reply


def silent(request):
    """Never calls a tool."""
    return 200, chat_completion("I would rather not use any tool.")


def _silent_in(entry_id):
    return 200, chat_completion(f"I would rather not use any tool. [entry {entry_id}]")


def coin(index: EntryIndex, seed: int = 0):
    """Per entry, a seeded coin: replay the ground truth, or never call a tool."""
    play = replay(index)

    def reply(request):
        entry_id = index.locate(request)[0]
        heads = hashlib.sha256(f"{seed}:{entry_id}".encode()).digest()[0] % 2 == 0
        return play(request) if heads else _silent_in(entry_id)

    return reply


class SingleTurnIndex:
    """The exact request of each single-turn entry (its messages and tools, in either mode) -> the
    entry and its ground truth."""

    def __init__(self, categories, limit):
        from bfcl_eval.model_handler.utils import system_prompt_pre_processing_chat_model

        from magnet_graph.bfcl.single_turn import openai_tools

        self.entries: dict[str, tuple[dict, list | None]] = {}
        for category in categories:
            if is_multi_turn(category):
                continue
            entries, truths = load(category, limit)
            raw = load(category, limit, hints=False)[0]  # the declared types, before BFCL's hints
            for entry, plain in zip(entries, raw):
                entry["raw"] = plain["function"]
                question = entry["question"][0]
                prompted = system_prompt_pre_processing_chat_model(
                    copy.deepcopy(question), entry["function"], entry["id"]
                )
                for key in (_key(question, openai_tools(entry["function"])), _key(prompted, [])):
                    self.entries.setdefault(key, (entry, truths.get(entry["id"])))

    def locate(self, request):
        return self.entries.get(_key(request["messages"], request.get("tools") or []))


def _key(messages, tools) -> str:
    return json.dumps([messages, tools], sort_keys=True)


def _wire_name(name: str) -> str:
    return name.replace(".", "_")  # what BFCL's convert_to_tool sends an OpenAI-style model


def _first(possible, required: bool = True):
    """A value BFCL accepts from a possible-answer list ("" marks a parameter that may be left out:
    it is, unless the function requires it), or the marker for "leave it out". Inside a nested
    dict a value may also stand alone, not in a list."""
    if not isinstance(possible, list):
        return _pick(possible)
    if "" in possible and not required:
        return _OMIT
    for value in possible:
        if value != "":
            return _pick(value)
    return "" if "" in possible else _OMIT


_OMIT = object()


def _pick(value):
    """A concrete value from a possible answer (a dict's values are themselves lists of choices)."""
    if isinstance(value, dict):
        return {k: v for k, v in ((k, _first(v)) for k, v in value.items()) if v is not _OMIT}
    if isinstance(value, list):
        return [_pick(v) for v in value]
    return value


def answer_calls(truth, functions) -> list[tuple[str, dict]]:
    """BFCL's possible answer as concrete calls: per parameter, the first value it accepts."""
    required = {f["name"]: set(f["parameters"].get("required") or []) for f in functions}
    calls = []
    for call in truth:
        ((name, params),) = call.items()
        needed = required.get(name, set())
        chosen = {k: _first(p, k in needed) for k, p in params.items()}
        calls.append((name, {k: v for k, v in chosen.items() if v is not _OMIT}))
    return calls


def _literal(value, kind: str, language: str, items: str = "") -> str:
    """A value as the Java or JavaScript source text BFCL asks those models for (every parameter is
    a string in their tool schemas) and its type converters read back."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if language == "java":
        if kind == "float":
            return f"{value}f"
        if kind == "long":
            return f"{value}L"
    if language == "javascript" and kind == "Bigint":
        return f"{value}n"
    if isinstance(value, list) and language == "java":
        if kind == "Array":  # BFCL's parse_array keeps an element's text as it is
            inner = ", ".join(_literal(v, items, language) for v in value)
            return f"new {_JAVA_ARRAY.get(items, items)}[]{{{inner}}}"
        inner = ", ".join(_element(v, items) for v in value)
        return f"new ArrayList<>(Arrays.asList({inner}))"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, "", language) for v in value) + "]"
    if isinstance(value, dict):
        if language == "java":
            puts = " ".join(f'put("{k}", {_literal(v, "", language)});' for k, v in value.items())
            return f"new HashMap<String, String>() {{{{ {puts} }}}}"
        return "{" + ", ".join(f"{k}: {_literal(v, '', language)}" for k, v in value.items()) + "}"
    return str(value)


_JAVA_ARRAY = {"integer": "int", "String": "String", "boolean": "boolean", "double": "double", "long": "long"}


def _element(value, items: str) -> str:
    """An ArrayList element: strings quoted as Java source quotes them (BFCL's parser strips them)."""
    if items == "String" or (isinstance(value, str) and items in ("", "any")):
        return f'"{value}"'
    if items == "char":
        return f"'{value}'"
    return _literal(value, items, "java")


def _as_language(calls, entry):
    """Java and JavaScript entries: each argument as source text of the parameter's declared type."""
    language = "java" if "java" in entry["id"] and "javascript" not in entry["id"] else "javascript"
    params = {f["name"]: f["parameters"]["properties"] for f in entry["raw"]}

    def text(name, key, value):
        schema = params[name].get(key, {})
        return _literal(value, schema.get("type", ""), language, (schema.get("items") or {}).get("type", ""))

    return [(n, {k: text(n, k, v) for k, v in a.items()}) for n, a in calls]


def _single_reply(request, entry, truth):
    fc = bool(request.get("tools"))
    if "irrelevance" in entry["id"]:
        return 200, chat_completion("None of the functions fits the question.")
    if truth is None:  # relevance: any call to an offered function answers it
        calls = [(entry["function"][0]["name"], {})]
    else:
        calls = answer_calls(truth, entry["raw"])
    if entry["id"].startswith(("simple_java", "simple_javascript")):
        calls = _as_language(calls, entry)
    if not fc:
        text = ", ".join(f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")" for name, args in calls)
        return 200, chat_completion(f"[{text}]")
    body = chat_completion("")
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": f"call_{i}", "type": "function", "function": {"name": _wire_name(n), "arguments": json.dumps(a)}}
        for i, (n, a) in enumerate(calls)
    ]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return 200, body


def oracle(categories, limit):
    """BFCL's possible answers for single-turn entries, the ground truth replayed for multi-turn ones."""
    single = SingleTurnIndex(categories, limit)
    multi = [c for c in categories if is_multi_turn(c)]
    play = replay(EntryIndex(multi, limit)) if multi else None

    def reply(request):
        found = single.locate(request)
        if found:
            return _single_reply(request, *found)
        return play(request)

    return reply


def random_caller(seed: int = 0):
    """Every request: one call to a random offered tool, with random values for its parameters."""

    def reply(request):
        tools = request.get("tools") or []
        said = json.dumps(request["messages"], sort_keys=True)
        rng = random.Random(f"{seed}:{said}")
        if not tools or rng.random() < 0.05:
            return 200, chat_completion("Done.")
        tool = rng.choice(tools)["function"]
        arguments = {
            name: _random_value(schema, rng)
            for name, schema in (tool.get("parameters") or {}).get("properties", {}).items()
        }
        body = chat_completion("")
        body["choices"][0]["message"]["tool_calls"] = [
            {"id": "call_0", "type": "function", "function": {"name": tool["name"], "arguments": json.dumps(arguments)}}
        ]
        body["choices"][0]["finish_reason"] = "tool_calls"
        return 200, body

    return reply


def _random_value(schema, rng):
    kind = schema.get("type")
    if schema.get("enum"):
        return rng.choice(schema["enum"])
    if kind == "integer":
        return rng.randint(-1000, 1000)
    if kind == "number":
        return rng.uniform(-1000, 1000)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        return [_random_value(schema.get("items") or {"type": "string"}, rng) for _ in range(rng.randint(1, 3))]
    if kind == "object":
        return {"key": _random_value({"type": "string"}, rng)}
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
