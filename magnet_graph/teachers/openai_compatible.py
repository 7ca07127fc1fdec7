"""Any OpenAI-compatible chat endpoint (``POST /chat/completions``), with bounded retries.

Retried, with exponential backoff and jitter: 408, 429, 5xx, timeouts and connection errors;
``Retry-After`` (seconds) is honoured on 429 and 503. Every other status fails at once. A call
never retries more than ``max_retries`` times nor runs past ``budget`` seconds.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from .base import DEFAULT_CACHE, BaseTeacher, Completion
from .transport import JsonEndpoint, TransportFailed, TransportTimeout

RETRY_STATUSES = frozenset({408, 429})  # request timeout and rate limit; 5xx are retried too


class OpenAICompatibleTeacher(BaseTeacher):
    """``openai:MODEL`` on ``base_url`` (default: OpenAI's API); key from MAGNET_GRAPH_API_KEY or OPENAI_API_KEY."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        cache_dir: Path | None = DEFAULT_CACHE,
        *,
        timeout: float = 60.0,
        max_retries: int = 4,
        budget: float = 300.0,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ):
        super().__init__(cache_dir)
        self.model, self.base_url = model, base_url
        self.timeout, self.max_retries, self.budget = timeout, max_retries, budget
        self.backoff, self.max_backoff = backoff, max_backoff
        self._connect()

    _per_process = ("_lock", "_endpoint")  # a copy sent to a Ray task reads the key from its own environment

    def _connect(self) -> None:
        api_key = os.environ.get("MAGNET_GRAPH_API_KEY") or os.environ.get("OPENAI_API_KEY") or "none"
        headers = {"Authorization": f"Bearer {api_key}", "User-Agent": "magnet-graph"}
        for header, variable in (("OpenAI-Organization", "OPENAI_ORG_ID"), ("OpenAI-Project", "OPENAI_PROJECT_ID")):
            if os.environ.get(variable):
                headers[header] = os.environ[variable]
        url = self.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        try:
            self._endpoint = JsonEndpoint(url, headers)
        except ValueError as exc:
            raise MagnetGraphError(f"teacher {self.name}: --base-url {url}: {exc}") from None

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    @property
    def cache_identity(self) -> str:
        return f"{self.base_url or 'openai'}|{self.model}"

    @property
    def _where(self) -> str:
        return f"teacher {self.name} at {self.base_url or 'api.openai.com'}"

    def _complete(self, messages: list[dict[str, Any]], params: dict[str, Any], prompt_version: str) -> Completion:
        start, attempt = time.monotonic(), 0
        while True:
            attempt += 1
            timeout = max(0.001, min(self.timeout, self.budget - (time.monotonic() - start)))
            retry_after = None
            try:
                reply = self._endpoint.post(
                    "/chat/completions", {"model": self.model, "messages": messages, **params}, timeout
                )
            except TransportTimeout:
                reason = f"timed out after {timeout:.1f}s"
            except TransportFailed as exc:
                reason = f"connection failed: {exc}"
            else:
                if 200 <= reply.status < 300:
                    return self._read(reply.text)
                reason = f"HTTP {reply.status}: {_snippet(reply.text)}"
                if reply.status not in RETRY_STATUSES and reply.status < 500:
                    raise MagnetGraphError(f"{self._where} rejected the request ({reason})")
                if reply.status in (429, 503):
                    retry_after = _retry_after(reply.headers.get("retry-after"))
            if attempt > self.max_retries:
                raise MagnetGraphError(f"{self._where} failed after {attempt} attempts: {reason}")
            delay = self._delay(attempt, retry_after)
            if time.monotonic() - start + delay > self.budget:
                raise MagnetGraphError(
                    f"{self._where} gave up: {reason}; a retry in {delay:.1f}s would pass the {self.budget:g}s budget"
                )
            self._count("retries")
            time.sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with equal jitter, never shorter than the server's Retry-After."""
        step = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        delay = step / 2 + random.uniform(0, step / 2)
        return max(delay, retry_after) if retry_after is not None else delay

    def _read(self, body: str) -> Completion:
        """A chat.completion body -> Completion; anything else is a MagnetGraphError naming the model."""
        try:
            reply = json.loads(body)
        except ValueError:
            raise MagnetGraphError(f"{self._where} sent a malformed JSON body: {_snippet(body)}") from None
        try:
            choice = reply["choices"][0]
            text = choice["message"].get("content")
        except (KeyError, IndexError, TypeError, AttributeError):
            raise MagnetGraphError(f"{self._where} sent no choices[0].message: {_snippet(body)}") from None
        if text is not None and not isinstance(text, str):
            raise MagnetGraphError(f"{self._where} sent non-text content: {_snippet(body)}")
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        return Completion(
            text or "",
            _count_of(usage.get("prompt_tokens")),
            _count_of(usage.get("completion_tokens")),
            truncated=choice.get("finish_reason") == "length",
            tool_calls=self._tool_calls(choice["message"].get("tool_calls"), body),
        )

    def _tool_calls(self, calls: Any, body: str) -> list[dict[str, Any]] | None:
        """``message.tool_calls`` kept in the wire format (arguments a JSON string); None when absent."""
        if not calls:
            return None
        try:
            return [
                {
                    "id": str(c.get("id") or f"call_{i}"),
                    "type": "function",
                    "function": {"name": str(c["function"]["name"]), "arguments": _arguments(c["function"])},
                }
                for i, c in enumerate(calls)
            ]
        except (KeyError, TypeError, AttributeError):
            raise MagnetGraphError(f"{self._where} sent malformed tool_calls: {_snippet(body)}") from None


def _arguments(function: dict[str, Any]) -> str:
    arguments = function.get("arguments")
    if arguments is None:
        return "{}"
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _count_of(value: Any) -> int:
    """A token count from the server, 0 if it sent something else."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < float("inf") else None


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
