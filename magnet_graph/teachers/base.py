"""The one ``Teacher`` interface, and ``BaseTeacher``: the caching, accounting and batching all teachers share.

A subclass only says how to get one completion (``_complete``); ``BaseTeacher.chat`` looks in the
cache first, counts what was spent, refuses truncated replies and never caches a failure.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..errors import MagnetGraphError
from ..records import strict
from .cache import ResponseCache

DEFAULT_CACHE = Path(".magnet-graph") / "teacher-cache"


class TeacherTruncated(MagnetGraphError):
    """The reply stopped at the token limit (``finish_reason == "length"``): not an answer, never cached."""


class TeacherBatchError(MagnetGraphError):
    """Some requests of a ``chat_many`` failed; ``results[i]`` is the text or None, ``errors[i]`` the error."""

    def __init__(self, results: list[str | None], errors: dict[int, MagnetGraphError]):
        self.results, self.errors = results, errors
        first = min(errors)
        super().__init__(f"{len(errors)} of {len(results)} teacher requests failed; first (#{first}): {errors[first]}")


@dataclass(frozen=True)
class ChatRequest:
    """One ``chat`` call's arguments, for ``chat_many`` (a dict with the same keys works too)."""

    messages: list[dict[str, Any]]
    prompt_version: str
    temperature: float = 0.0
    max_tokens: int = 1024


@dataclass
class Completion:
    """What a backend returned for one request."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False
    tool_calls: list[dict[str, Any]] | None = None  # OpenAI wire format, arguments as JSON strings


@runtime_checkable
class Teacher(Protocol):
    """An LLM that answers chat messages, with accounting of what it spent."""

    calls: int  # completions fetched from the backend (not the cache)
    cached: int  # answers served from the cache
    tokens: dict[str, int]  # {"prompt": n, "completion": n}
    retries: int  # re-attempts after transient errors
    failures: int  # chat() calls that raised

    @property
    def name(self) -> str: ...

    def chat(
        self, messages: list[dict[str, Any]], *, prompt_version: str, temperature: float = 0.0, max_tokens: int = 1024
    ) -> str: ...

    def chat_many(self, requests: Iterable[ChatRequest | Mapping[str, Any]], *, max_workers: int = 4) -> list[str]: ...

    def usage(self) -> dict[str, Any]: ...


COUNTERS = ("calls", "cached", "retries", "failures")  # what ``usage()`` counts, besides tokens


def summed_usage(usages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The counters and tokens of several ``usage()`` dicts added up (sessions of a run, copies of a teacher)."""
    total: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    tokens: Counter = Counter()
    for usage in usages:
        for key in COUNTERS:
            total[key] += int(usage.get(key, 0))
        tokens.update({kind: int(n) for kind, n in usage.get("tokens", {}).items()})
    return {**total, "tokens": dict(sorted(tokens.items()))}


class BaseTeacher:
    """Cache, accounting and ``chat_many`` around a subclass's ``_complete``."""

    name: str = "teacher"
    remote: bool = True  # answers after a wait that other paths' work can fill (synthesis runs more paths than slots)

    def __init__(self, cache_dir: Path | None = DEFAULT_CACHE):
        self.calls = self.cached = self.retries = self.failures = 0
        self.tokens = {"prompt": 0, "completion": 0}
        self._cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()

    @property
    def cache_identity(self) -> str:
        """Who answers (endpoint and model): part of every cache key."""
        return self.name

    def _complete(self, messages: list[dict[str, Any]], params: dict[str, Any], prompt_version: str) -> Completion:
        """One answer from the backend; raises MagnetGraphError when there is none."""
        raise NotImplementedError

    def usage(self) -> dict[str, Any]:
        """What this teacher spent so far: ``{"name", "calls", "cached", "tokens", "retries", "failures"}``."""
        return {
            "name": self.name,
            "calls": self.calls,
            "cached": self.cached,
            "tokens": dict(self.tokens),
            "retries": self.retries,
            "failures": self.failures,
        }

    def _count(self, counter: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + n)

    def add_usage(self, usage: Mapping[str, Any]) -> None:
        """Count what a copy of this teacher spent elsewhere (``usage()`` of a Ray task's copy)."""
        with self._lock:
            total = summed_usage([self.usage(), usage])
            self.__dict__.update({counter: total[counter] for counter in COUNTERS}, tokens=total["tokens"])

    def __getstate__(self) -> dict[str, Any]:
        """A copy for another process (a Ray task): the settings, none of the spending, no lock or connection."""
        state = {k: v for k, v in self.__dict__.items() if k not in self._per_process}
        return {**state, **dict.fromkeys(COUNTERS, 0), "tokens": {"prompt": 0, "completion": 0}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._connect()

    _per_process: tuple[str, ...] = ("_lock",)  # attributes a copy in another process makes anew (``_connect``)

    def _connect(self) -> None:
        """Make this process's connections (a subclass with a client opens it here)."""

    def chat(
        self, messages: list[dict[str, Any]], *, prompt_version: str, temperature: float = 0.0, max_tokens: int = 1024
    ) -> str:
        """The assistant's text for ``messages`` (from the cache when seen before); raises MagnetGraphError."""
        return self.respond(messages, prompt_version=prompt_version, temperature=temperature, max_tokens=max_tokens)[
            "content"
        ]

    def respond(
        self,
        messages: list[dict[str, Any]],
        *,
        prompt_version: str,
        tools: list[dict[str, Any]] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> dict[str, Any]:
        """The assistant message ``{"role", "content", "tool_calls"?}``; ``tools`` are offered natively
        (function calling) to backends that support it."""
        params: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
        if tools:
            params["tools"] = tools
        key = hit = None
        try:
            if self._cache:  # the key writes every message out once more: only where a cache is read
                key = ResponseCache.key(self.cache_identity, messages, params, prompt_version)
                hit = self._cache.get(key)
        except (
            TypeError,
            ValueError,
            KeyError,
            UnicodeDecodeError,
        ) as exc:  # unserialisable messages, a bad cache file
            self._count("failures")
            raise MagnetGraphError(
                f"teacher {self.name}: cannot look up the cache: {type(exc).__name__}: {exc}"
            ) from None
        if hit is not None:
            self._count("cached")
            return _message(hit["content"], hit.get("tool_calls"))
        try:
            reply = self._complete(messages, params, prompt_version)
        except MagnetGraphError:
            self._count("failures")
            raise
        except Exception as exc:  # a template or backend bug: still one clear, counted error
            self._count("failures")
            raise MagnetGraphError(f"teacher {self.name} failed: {type(exc).__name__}: {exc}") from None
        with self._lock:
            self.calls += 1
            self.tokens["prompt"] += reply.prompt_tokens
            self.tokens["completion"] += reply.completion_tokens
        if reply.truncated:
            self._count("failures")
            raise TeacherTruncated(
                f"teacher {self.name} stopped at max_tokens={max_tokens} (finish_reason "
                f"'length'); raise max_tokens or shorten the prompt ({prompt_version})"
            )
        value = {"content": reply.text, "model": self.name, "tool_calls": reply.tool_calls}
        try:
            strict.dumps(value)  # what cannot be stored as standard JSON cannot go into a record either
            _strict_arguments(reply.tool_calls or [])
        except ValueError as exc:
            self._count("failures")
            raise MagnetGraphError(f"teacher {self.name} sent a reply that is not standard JSON text: {exc}") from None
        if self._cache:
            try:
                self._cache.put(key, value)
            except OSError as exc:
                raise MagnetGraphError(f"teacher cache {self._cache.directory}: cannot write: {exc.strerror}") from None
        return _message(reply.text, reply.tool_calls)

    def chat_many(self, requests: Iterable[ChatRequest | Mapping[str, Any]], *, max_workers: int = 4) -> list[str]:
        """``chat`` for each request, at most ``max_workers`` at a time; texts in input order.

        Every request is answered or accounted for: if any failed, the others still run and
        TeacherBatchError carries both the texts and the errors by index.
        """
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        batch = [r if isinstance(r, ChatRequest) else ChatRequest(**r) for r in requests]
        results: list[str | None] = [None] * len(batch)
        errors: dict[int, MagnetGraphError] = {}
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="teacher") as pool:
            futures = [
                pool.submit(
                    self.chat,
                    r.messages,
                    prompt_version=r.prompt_version,
                    temperature=r.temperature,
                    max_tokens=r.max_tokens,
                )
                for r in batch
            ]
            for i, future in enumerate(futures):
                try:
                    results[i] = future.result()
                except Exception as exc:  # noqa: BLE001 - reported by index, never dropped
                    errors[i] = (
                        exc if isinstance(exc, MagnetGraphError) else MagnetGraphError(f"{type(exc).__name__}: {exc}")
                    )
        if errors:
            raise TeacherBatchError(results, errors)
        return results  # type: ignore[return-value]  # no None left when nothing failed


def _message(content: str, tool_calls: list[dict[str, Any]] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def _strict_arguments(tool_calls: list[dict[str, Any]]) -> None:
    """ValueError when a call's arguments are JSON only to Python (``{"a": NaN}``); arguments that
    are not JSON at all are left for the caller, which treats them as a malformed call."""
    for call in tool_calls:
        arguments = call["function"]["arguments"]
        try:
            json.loads(arguments)
        except ValueError:
            continue
        strict.loads(arguments)
