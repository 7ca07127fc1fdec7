"""Teachers: the LLMs that judge, translate and distil. ``open_teacher("openai:MODEL", base_url=...)``.

Only this package imports ``openai``. Every reply is cached by content (see ``cache``), so reruns
cost nothing and are reproducible; ``calls`` and ``cached`` count what was spent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from .cache import ResponseCache

DEFAULT_CACHE = Path(".magnet-graph") / "teacher-cache"


@dataclass
class OpenAICompatibleTeacher:
    """Any OpenAI-compatible chat endpoint. Retries (429, 5xx, timeouts; never 4xx) are the client's."""

    model: str
    base_url: str | None = None
    cache_dir: Path = DEFAULT_CACHE
    timeout: float = 60.0
    max_retries: int = 3
    calls: int = 0
    cached: int = 0
    tokens: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "completion": 0})

    def __post_init__(self):
        import openai

        api_key = os.environ.get("MAGNET_GRAPH_API_KEY") or os.environ.get("OPENAI_API_KEY") or "none"
        self._client = openai.OpenAI(base_url=self.base_url, api_key=api_key, timeout=self.timeout,
                                     max_retries=self.max_retries)
        self._cache = ResponseCache(self.cache_dir)

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    def chat(self, messages: list[dict[str, Any]], *, prompt_version: str, temperature: float = 0.0,
             max_tokens: int = 1024) -> str:
        """The assistant's text for ``messages`` (from the cache when seen before)."""
        import openai

        params = {"temperature": temperature, "max_tokens": max_tokens}
        key = ResponseCache.key(f"{self.base_url or 'openai'}|{self.model}", messages, params, prompt_version)
        hit = self._cache.get(key)
        if hit is not None:
            self.cached += 1
            return hit["content"]
        try:
            reply = self._client.chat.completions.create(model=self.model, messages=messages, **params)
        except openai.APIError as exc:
            raise MagnetGraphError(f"teacher {self.name} at {self.base_url or 'api.openai.com'} failed: {exc}") from None
        self.calls += 1
        if reply.usage:
            self.tokens["prompt"] += reply.usage.prompt_tokens
            self.tokens["completion"] += reply.usage.completion_tokens
        if not reply.choices:
            raise MagnetGraphError(f"teacher {self.name} returned no choices")
        content = reply.choices[0].message.content or ""
        self._cache.put(key, {"content": content, "model": self.model})
        return content


def open_teacher(spec: str, *, base_url: str | None = None, cache_dir: Path | None = None) -> OpenAICompatibleTeacher:
    """``openai:MODEL`` -> a teacher on ``base_url`` (default: OpenAI's API)."""
    kind, _, model = spec.partition(":")
    if kind != "openai" or not model:
        raise MagnetGraphError(f"unknown teacher {spec!r}; expected openai:MODEL")
    return OpenAICompatibleTeacher(model, base_url, cache_dir or DEFAULT_CACHE)
