"""Teachers: the LLMs that judge, translate and distil. ``open_teacher("openai:MODEL" | "offline")``.

Every teacher is a ``Teacher`` (see ``base``): ``chat``, ``chat_many`` and accounting. Replies are
cached by content (see ``cache``), so reruns cost nothing and are reproducible; failures are never
cached. Only this package imports ``openai``; ``LangChainTeacher`` lives in ``teachers.langchain``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import MagnetGraphError
from .base import (
    DEFAULT_CACHE,
    BaseTeacher,
    ChatRequest,
    Teacher,
    TeacherBatchError,
    TeacherTruncated,
    summed_usage,
)
from .offline import OfflineTeacher, Template
from .openai_compatible import OpenAICompatibleTeacher

__all__ = [
    "DEFAULT_CACHE",
    "BaseTeacher",
    "ChatRequest",
    "OfflineTeacher",
    "OpenAICompatibleTeacher",
    "Teacher",
    "TeacherBatchError",
    "TeacherTruncated",
    "open_teacher",
    "summed_usage",
    "Template",
]


def open_teacher(
    spec: str,
    *,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    templates: Mapping[str, Template] | None = None,
    max_retries: int = 4,
) -> Teacher:
    """``openai:MODEL`` -> a teacher on ``base_url`` (default: OpenAI's API), retrying a failed
    request up to ``max_retries`` times; ``offline`` -> the template teacher answering from
    ``templates`` (synthesis's: ``magnet_graph.open_teacher``)."""
    if spec == "offline":
        return OfflineTeacher(templates or {})
    kind, _, model = spec.partition(":")
    if kind != "openai" or not model:
        raise MagnetGraphError(f"unknown teacher {spec!r}; expected openai:MODEL or offline")
    return OpenAICompatibleTeacher(model, base_url, cache_dir or DEFAULT_CACHE, max_retries=max_retries)
