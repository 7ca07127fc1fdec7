"""Contamination guard: no synthesized query or initial state may match a BFCL multi-turn test entry.

A query matches when, lower-cased with whitespace collapsed, it equals a test question or shares a
run of 13 words with one (the n-gram test GPT-3's contamination study used). An initial state
matches when one class's state equals, as canonical JSON, that class's ``initial_config`` in a test
entry. Test entries are read from the pinned bfcl-eval package's ``BFCL_v4_multi_turn_*.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ..integrations import Contamination
from ..records import Record
from .categories import MULTI_TURN_CATEGORY
from .multi_turn import load_category

NGRAM = 13


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    words = _normal(text).split(" ")
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def bfcl_test_entries() -> list[dict[str, Any]]:
    """Every multi-turn test entry of the installed bfcl-eval (800 in 2026.3.23)."""
    return [entry for category in MULTI_TURN_CATEGORY for entry in load_category(category)[0]]


class TestIndex:
    """The test entries' questions, 13-grams and per-class initial states, for lookups."""

    def __init__(self, entries: Iterable[dict[str, Any]]):
        self.questions: dict[str, str] = {}
        self.ngrams: dict[tuple[str, ...], str] = {}
        self.states: dict[tuple[str, str], str] = {}
        for entry in entries:
            for turn in entry["question"]:
                for message in turn:
                    if message.get("role") == "user" and message.get("content"):
                        self.questions.setdefault(_normal(message["content"]), entry["id"])
                        for gram in _ngrams(message["content"]):
                            self.ngrams.setdefault(gram, entry["id"])
            for cls, state in (entry.get("initial_config") or {}).items():
                self.states.setdefault((cls, _canonical(state)), entry["id"])

    def query_hit(self, text: str) -> tuple[str, str] | None:
        """(how, test id) when ``text`` matches a test question."""
        if _normal(text) in self.questions:
            return "exact", self.questions[_normal(text)]
        for gram in _ngrams(text):
            if gram in self.ngrams:
                return f"{NGRAM}-gram", self.ngrams[gram]
        return None

    def state_hit(self, cls: str, state: Any) -> str | None:
        return self.states.get((cls, _canonical(state)))


def check_records(records: Iterable[Record], index: TestIndex | None = None) -> Contamination:
    """Hits of a run's trajectories against the test entries: counts and up to 20 examples."""
    index = index or TestIndex(bfcl_test_entries())
    hits, queries, states = [], 0, 0
    for record in records:
        for message in record.messages:
            if message.role == "user" and message.content:
                queries += 1
                found = index.query_hit(message.content)
                if found:
                    hits.append({"record": record.id, "what": "query", "how": found[0], "test_id": found[1]})
        for cls, state in record.initial_state.items():
            if not state:
                continue  # a stateless class (MathAPI): an empty state carries nothing from a test entry
            states += 1
            test_id = index.state_hit(cls, state)
            if test_id:
                hits.append({"record": record.id, "what": "initial_state", "how": cls, "test_id": test_id})
    return Contamination(
        queries_checked=queries,
        states_checked=states,
        query_hits=sum(h["what"] == "query" for h in hits),
        state_hits=sum(h["what"] == "initial_state" for h in hits),
        examples=tuple(hits[:20]),
    )
