"""``offline``: a deterministic teacher with no network, answering from registered templates.

Each prompt version it can answer has a template ``fn(messages) -> str``; any other prompt
version is a MagnetGraphError. Nothing is cached: the templates are the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import MagnetGraphError
from .base import BaseTeacher, Completion

Template = Callable[[list[dict[str, Any]]], str]
_TEMPLATES: dict[str, Template] = {}


def register_template(prompt_version: str, fn: Template) -> None:
    """Let the offline teacher answer ``prompt_version`` with ``fn(messages)`` (replacing any earlier one)."""
    _TEMPLATES[prompt_version] = fn


class OfflineTeacher(BaseTeacher):
    """Answers known prompt versions from their templates; no network, no cache, same text every time."""

    name = "offline-template"

    def __init__(self):
        super().__init__(cache_dir=None)

    def _complete(self, messages: list[dict[str, Any]], params: dict[str, Any], prompt_version: str) -> Completion:
        template = _TEMPLATES.get(prompt_version)
        if template is None:
            raise MagnetGraphError(
                f"teacher {self.name} has no template for prompt version {prompt_version!r}; "
                f"known: {', '.join(sorted(_TEMPLATES)) or 'none'}"
            )
        return Completion(template(messages))


# No template for the edge judge on purpose: an offline "no" would penalise every candidate, and an
# offline teacher has no opinion to give. The translators' templates register with synthesis.
