"""Scripted OpenAI-compatible endpoints that play BFCL multi-turn entries: replay the ground truth,
never call a tool, or flip a seeded coin per entry between the two.

Each finds its entry and turn from the request alone: the user messages so far and the tools offered.
Some entries share their questions and differ only in initial state, so every reply also carries the
entry id (in tool-call ids and in its text), and a conversation's first request takes the first entry
of its question that has not started yet (the evaluator runs entries in file order)."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import json
import re
import threading

from magnet_graph.bfcl.catalog import load_bfcl
from magnet_graph.bfcl.multi_turn import ADDED_FUNCTIONS_MESSAGE, load_category
from magnet_graph.records import ToolCall
from tests.openai_stub_server import chat_completion


class EntryIndex:
    """(user messages so far, tool names offered) -> (entry id, turn, ground-truth calls of the turn)."""

    def __init__(self, categories, limit):
        from magnet_graph.bfcl.catalog import function_docs

        self.turns: dict[tuple, list[tuple[str, int, list[str]]]] = {}
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
                    self.turns.setdefault((tuple(users), frozenset(offered)), []).append(
                        (entry["id"], turn, truths[entry["id"]][turn])
                    )

    def locate(self, request):
        users = tuple(m["content"] for m in request["messages"] if m["role"] == "user")
        tools = frozenset(t["function"]["name"] for t in request.get("tools") or [])
        candidates = self.turns[(users, tools)]
        said = " ".join(json.dumps(m) for m in request["messages"] if m["role"] == "assistant")
        known = re.search(r"\[entry (\S+)\]", said)
        with self._lock:
            if known:
                entry_id = known.group(1)
            else:
                entry_id = next((c[0] for c in candidates if c[0] not in self.started), candidates[0][0])
                self.started.add(entry_id)
        entry_id, turn, truth = next(c for c in candidates if c[0] == entry_id)
        last_user = max(i for i, m in enumerate(request["messages"]) if m["role"] == "user")
        step = sum(1 for m in request["messages"][last_user:] if m["role"] == "assistant")
        return entry_id, turn, truth, step, tools


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
        entry_id, _, truth, step, _ = index.locate(request)
        if step == 0 and truth:
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
