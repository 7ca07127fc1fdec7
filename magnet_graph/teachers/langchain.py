"""``LangChainTeacher``: any langchain-core chat model as a teacher, with our cache and accounting.

Import it from here (``magnet_graph.teachers.langchain``): only this module imports langchain-core.
The model's own client does any retrying; ``temperature`` and ``max_tokens`` are passed to
``invoke`` unless ``forward_params=False`` (for models that reject them). The cache key holds
``name``, so give differently configured models different names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, convert_to_messages

from ..errors import MagnetGraphError
from .base import DEFAULT_CACHE, BaseTeacher, Completion


def to_langchain_messages(messages: list[dict[str, Any]]) -> list[BaseMessage]:
    """OpenAI-style ``{"role", "content", ...}`` dicts -> SystemMessage, HumanMessage, AIMessage, ToolMessage."""
    try:
        return convert_to_messages(messages)
    except (ValueError, NotImplementedError) as exc:
        raise MagnetGraphError(f"cannot convert messages for langchain: {exc}") from None


class LangChainTeacher(BaseTeacher):
    def __init__(
        self,
        chat_model: BaseChatModel,
        name: str | None = None,
        cache_dir: Path | None = DEFAULT_CACHE,
        *,
        forward_params: bool = True,
    ):
        super().__init__(cache_dir)
        self.chat_model, self.forward_params = chat_model, forward_params
        model_id = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None)
        self._name = name or f"langchain:{model_id if isinstance(model_id, str) else chat_model._llm_type}"

    @property
    def name(self) -> str:
        return self._name

    def _complete(self, messages: list[dict[str, Any]], params: dict[str, Any], prompt_version: str) -> Completion:
        lc_messages = to_langchain_messages(messages)
        try:
            reply = self.chat_model.invoke(lc_messages, **(params if self.forward_params else {}))
        except Exception as exc:  # a provider's own error type: report it, named, as ours
            raise MagnetGraphError(f"teacher {self.name} failed: {type(exc).__name__}: {exc}") from exc
        if not isinstance(reply, BaseMessage):
            raise MagnetGraphError(f"teacher {self.name} returned {type(reply).__name__}, not a message")
        meta = reply.response_metadata or {}
        usage = (reply.usage_metadata if isinstance(reply, AIMessage) else None) or {}
        return Completion(
            str(reply.text),
            usage.get("input_tokens", 0),
            usage.get("output_tokens", 0),
            truncated=meta.get("finish_reason") == "length" or meta.get("stop_reason") == "max_tokens",
        )
